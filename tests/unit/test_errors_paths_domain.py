"""Error tree, per-user paths with overrides, and the JSON a front end prints."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from photoseek.core import paths
from photoseek.core.domain import Photo, PhotoState, SearchHit
from photoseek.core.errors import (
    CatalogError,
    ConfigError,
    DecodeError,
    ModelError,
    ModelPackError,
    PhotoSeekError,
    QueryError,
)


def test_errors_share_a_base_and_carry_hints():
    for cls in (ConfigError, ModelError, ModelPackError, CatalogError, QueryError):
        assert issubclass(cls, PhotoSeekError)
    assert issubclass(ModelPackError, ModelError)
    e = CatalogError("db locked", hint="close the other app")
    assert str(e) == "db locked" and e.hint == "close the other app"
    d = DecodeError("x.jpg: bad", reason="truncated file")
    assert d.reason == "truncated file" and d.hint is None


def test_library_home_order(tmp_path, monkeypatch):
    monkeypatch.setenv("PHOTOSEEK_HOME", str(tmp_path / "env"))
    assert paths.library_home() == (tmp_path / "env").resolve()
    assert paths.library_home(tmp_path / "cli") == (tmp_path / "cli").resolve()
    monkeypatch.delenv("PHOTOSEEK_HOME")
    assert paths.library_home().name == "photoseek"


def test_cache_beside_custom_home_and_env_override(tmp_path, monkeypatch):
    monkeypatch.delenv("PHOTOSEEK_CACHE", raising=False)
    assert paths.cache_home(tmp_path / "lib") == tmp_path / "lib" / "cache"
    monkeypatch.setenv("PHOTOSEEK_CACHE", str(tmp_path / "c"))
    assert paths.cache_home(tmp_path / "lib") == (tmp_path / "c").resolve()


def test_builtin_models_env(tmp_path, monkeypatch):
    monkeypatch.setenv("PHOTOSEEK_BUILTIN_MODELS", str(tmp_path))
    assert paths.builtin_models_dir() == tmp_path
    assert paths.installed_models_dir(Path("/lib")) == Path("/lib/models")


def test_search_hit_json():
    p = Photo(id=1, path="/p/a.jpg", folder_id=1, size=10, mtime=0.0, content_hash="h", width=4, height=3,
              taken_at=datetime(2020, 1, 2, 3, 4, 5), camera="Canon EOS 5D", state=PhotoState.OK)
    j = SearchHit(p, 0.123456789).to_json()
    assert j == {"path": "/p/a.jpg", "score": 0.123457, "taken_at": "2020-01-02T03:04:05", "size": 10, "width": 4,
                 "height": 3, "camera": "Canon EOS 5D", "state": "ok", "match": True, "text_match": None, "raw": None}
    assert list(j)[:2] == ["path", "score"]  # the order scripts have seen since the first release
    j = SearchHit(p, 0.5, text_match="WIFI: moonlight42", raw_sibling="/p/a.CR2").to_json()
    assert (j["text_match"], j["raw"]) == ("WIFI: moonlight42", "/p/a.CR2")
