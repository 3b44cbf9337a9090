"""Settings file: defaults, round trip, migration, and errors a user can act on."""

from __future__ import annotations

import pytest

from photoseek.core.config import CONFIG_VERSION, Settings, load_settings, save_settings
from photoseek.core.errors import ConfigError


def test_missing_file_gives_defaults(tmp_path):
    s = load_settings(tmp_path / "nope.toml")
    assert s == Settings()
    assert s.schema_version == CONFIG_VERSION


def test_round_trip(tmp_path):
    p = tmp_path / "sub" / "config.toml"
    s = Settings(model="clip-b32", batch_size=4, follow_symlinks=False, gui={"sort": "date", "geometry": [1, 2, 3]})
    save_settings(p, s)
    assert load_settings(p) == s
    assert not list(p.parent.glob("*.tmp"))  # atomic write leaves no temp file behind


def test_migrates_v1_model_id(tmp_path):
    p = tmp_path / "config.toml"
    p.write_text('schema_version = 1\nmodel_id = "old-pack"\nbatch_size = 8\n')
    s = load_settings(p)
    assert s.model == "old-pack" and s.batch_size == 8 and s.schema_version == 2


def test_file_without_version_is_treated_as_v1(tmp_path):
    p = tmp_path / "config.toml"
    p.write_text('model_id = "legacy"\n')
    assert load_settings(p).model == "legacy"


def test_unknown_keys_are_ignored(tmp_path):
    p = tmp_path / "config.toml"
    p.write_text('model = "x"\nfuture_feature = true\n')
    assert load_settings(p).model == "x"


def test_invalid_toml_is_a_config_error_with_hint(tmp_path):
    p = tmp_path / "config.toml"
    p.write_text('model = "unterminated\n')
    with pytest.raises(ConfigError) as ei:
        load_settings(p)
    assert "not valid TOML" in str(ei.value) and str(p) in str(ei.value)
    assert ei.value.hint and "delete" in ei.value.hint


def test_wrong_type_is_a_config_error_naming_the_key(tmp_path):
    p = tmp_path / "config.toml"
    p.write_text('batch_size = "big"\n')
    with pytest.raises(ConfigError, match="batch_size"):
        load_settings(p)


def test_non_utf8_is_a_config_error(tmp_path):
    p = tmp_path / "config.toml"
    p.write_bytes(b'model = "\xff\xfe"\n')
    with pytest.raises(ConfigError):
        load_settings(p)


@pytest.mark.parametrize("line,key", [("batch_size = true", "batch_size"), ("follow_symlinks = 1", "follow_symlinks"),
                                      ("gui = 5", "gui"), ("model = 3", "model")])
def test_wrong_type_variants(tmp_path, line, key):
    p = tmp_path / "config.toml"
    p.write_text(line + "\n")
    with pytest.raises(ConfigError, match=key):
        load_settings(p)


def test_store_keeps_both_changes_when_two_threads_hammer_it(tmp_path) -> None:
    import threading
    import tomllib

    from photoseek.core.config import SettingsStore

    p = tmp_path / "config.toml"
    store = SettingsStore(p)
    seen_bad: list[str] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                tomllib.loads(p.read_text())
            except FileNotFoundError:
                continue
            except tomllib.TOMLDecodeError as e:  # a half-written file would show here
                seen_bad.append(str(e))

    def writer(field: str) -> None:
        for i in range(200):
            store.update(**{field: i + 1})

    r = threading.Thread(target=reader)
    r.start()
    ws = [threading.Thread(target=writer, args=(f,)) for f in ("batch_size", "thumbnail_size")]
    for w in ws:
        w.start()
    for w in ws:
        w.join()
    stop.set()
    r.join()
    assert not seen_bad
    on_disk = load_settings(p)
    assert (on_disk.batch_size, on_disk.thumbnail_size) == (200, 200)
    assert [f.name for f in tmp_path.iterdir()] == ["config.toml"]  # no temp files left behind


def test_store_merges_gui_state_and_refuses_unknown_fields(tmp_path) -> None:
    import pytest

    from photoseek.core.config import SettingsStore
    from photoseek.core.errors import ConfigError

    store = SettingsStore(tmp_path / "config.toml")
    store.update(gui={"sort": "date"})
    store.update(gui={"geometry": "abc"})
    assert SettingsStore(tmp_path / "config.toml").get().gui == {"sort": "date", "geometry": "abc"}
    with pytest.raises(ConfigError, match="unknown setting"):
        store.update(colour="red")
