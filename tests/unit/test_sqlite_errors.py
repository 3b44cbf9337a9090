"""SQLite failures become errors that say what happened: full disk, busy, damaged. Never a hint to discard a
healthy library, never a bare sqlite3 exception."""

from __future__ import annotations

import sqlite3

import pytest

from photoseek.core.errors import CatalogBusyError, CatalogDamagedError, DiskFullError
from photoseek.core.storage import disk
from photoseek.core.storage.catalog import Catalog


def test_a_full_catalog_says_disk_full_and_keeps_what_was_committed(tmp_path):
    cat = Catalog(tmp_path / "catalog.db")
    cat.add_folder("/kept")
    pages = cat._writer.execute("PRAGMA page_count").fetchone()[0]
    cat._writer.execute(f"PRAGMA max_page_count={pages}")  # SQLite's own SQLITE_FULL, as on a full disk
    with pytest.raises(DiskFullError) as ei:
        cat.set_setting("big", "x" * 100_000)
    assert "Free some space" in (ei.value.hint or "")
    assert [f.path for f in cat.folders()] == ["/kept"]
    assert cat.get_setting("big") is None
    assert cat._writer.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    cat.close()


def test_a_held_catalog_is_busy_not_damaged(tmp_path):
    path = tmp_path / "catalog.db"
    Catalog(path).close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    cat = Catalog(path)
    cat._writer.execute("PRAGMA busy_timeout=50")
    with pytest.raises(CatalogBusyError) as ei:
        cat.set_setting("k", "v")
    hint = ei.value.hint or ""
    assert "another PhotoSeek" in str(ei.value) and "aside" not in hint and "repair" not in hint
    other.execute("ROLLBACK")
    other.close()
    cat.set_setting("k", "v")
    cat.close()


def test_damage_found_by_a_query_points_to_repair(tmp_path):
    path = tmp_path / "catalog.db"
    cat = Catalog(path)
    with cat.write() as w:
        w.executemany("INSERT INTO settings(key, value) VALUES(?, ?)", [(f"k{i}", "v" * 500) for i in range(400)])
    cat.close()
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    with open(path, "r+b") as f:  # keep the header and schema page, lose the rest
        f.truncate(3 * 4096)
    with pytest.raises(CatalogDamagedError) as ei:
        c = Catalog(path)
        try:
            c.get_setting("k399")
            list(c._reader().execute("SELECT key FROM settings"))
        finally:
            c.close()
    assert "photoseek repair" in (ei.value.hint or "")


def test_opening_on_a_full_disk_is_refused_before_sqlite_maps_anything(tmp_path, monkeypatch):
    monkeypatch.setattr(disk, "free_bytes", lambda p: 4096)
    with pytest.raises(DiskFullError, match="is full") as ei:
        Catalog(tmp_path / "catalog.db")
    assert "Nothing was lost" in (ei.value.hint or "")
