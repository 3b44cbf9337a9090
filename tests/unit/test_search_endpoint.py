"""What a CLI search sends along: the locale of its environment, read as Babel reads it (without importing it)."""

from __future__ import annotations

import pytest

from photoseek.core.query_dates import environment_locale as babel_locale
from photoseek.core.query_dates import first_weekday, month_names
from photoseek.core.search_endpoint import Endpoint, environment_locale


@pytest.mark.parametrize("env", [{"LANG": "de_DE.UTF-8"}, {"LANG": "C"}, {"LC_ALL": "C.UTF-8"}, {},
                                 {"LANGUAGE": "fr_FR:en", "LANG": "de_DE.UTF-8"}, {"LANG": "en_GB.UTF-8"},
                                 {"LC_TIME": "nl_NL.UTF-8", "LANG": "en_US.UTF-8"}, {"LC_ALL": "pl_PL"}])
def test_the_sent_locale_reads_dates_as_the_environment_says(env, monkeypatch):
    for name in ("LANGUAGE", "LC_ALL", "LC_TIME", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    sent, babel = environment_locale(), babel_locale()
    assert sent  # never None: None would let the holder read its own environment
    assert month_names(sent) == month_names(babel) and first_weekday(sent) == first_weekday(babel)


def test_a_long_library_path_gets_a_private_short_socket(tmp_path):
    short = Endpoint(tmp_path / "lib")
    deep = Endpoint(tmp_path / ("x" * 120) / "lib")
    assert short.address == str(tmp_path / "lib" / "search.sock") and short.private_dir is None
    assert len(deep.address) < 100 and deep.private_dir is not None and deep.private_dir_ok()
    assert deep.private_dir.stat().st_mode & 0o777 == 0o700
    assert deep.key_path == tmp_path / ("x" * 120) / "lib" / "search.key"  # the key stays with the library
