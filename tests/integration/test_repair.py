"""`photoseek repair` on a damaged catalog: it keeps the damaged file, salvages every row SQLite can still read,
rebuilds the vector index and re-embeds only what was lost; the repaired catalog passes its integrity check."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from photoseek.core.storage.catalog import Catalog, PhotoUpdate
from photoseek.core.storage.repair import check, salvage

EXE = shutil.which("photoseek", path=str(Path(sys.executable).parent)) or shutil.which("photoseek")
PAGE = 4096


def _checkpoint(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def _catalog_with(path: Path, n: int, *, dim: int = 16) -> np.ndarray:
    cat = Catalog(path)
    f = cat.add_folder("/pics")
    vecs = np.random.default_rng(0).random((n, dim), dtype=np.float32)
    with cat.write() as w:
        ids = [cat.upsert_photo(w, PhotoUpdate(f"/pics/{i:05d}.jpg", f.id, 1000 + i, 1.0, f"h{i}"), keep_vectors=True)
               for i in range(n)]
        cat.store_vectors(w, "m", ids, vecs)
        cat.mark_ok(w, ids)
    cat.set_setting("target_model", "")
    cat.close()
    return vecs


def _rows(path: Path) -> tuple[dict[int, tuple], dict[int, bytes]]:
    con = sqlite3.connect(path)
    try:
        photos = {r[0]: r[1:] for r in con.execute("SELECT id, path, size, content_hash FROM photos")}
        vectors = {r[0]: r[1] for r in con.execute("SELECT photo_id, vector FROM embeddings")}
    finally:
        con.close()
    return photos, vectors


def test_a_page_of_garbage_loses_only_what_it_held(tmp_path):
    path = tmp_path / "catalog.sqlite"
    vecs = _catalog_with(path, 2000)
    _checkpoint(path)
    before_photos, before_vectors = _rows(path)
    pages = path.stat().st_size // PAGE
    with open(path, "r+b") as f:  # scribble over two pages in the middle, as a bad sector or a stray write would
        for page in (pages // 3, 2 * pages // 3):
            f.seek(page * PAGE)
            f.write(np.random.default_rng(page).integers(0, 256, PAGE, dtype=np.uint8).tobytes())
    damaged = path.read_bytes()
    assert check(path)

    report = salvage(path, log=lambda _m: None)

    assert not report.healthy and report.damaged_stretches >= 1
    assert Path(report.damaged_copy).read_bytes() == damaged  # kept exactly as it was, beside the catalog
    assert Path(report.damaged_copy).parent == path.parent
    assert check(path) == []
    photos, vectors = _rows(path)
    assert 0 < len(photos) < 2000 or 0 < len(vectors) < 2000  # something was lost, most was not
    assert len(photos) > 1500 and len(vectors) > 1000
    for pid, row in photos.items():  # whatever came back is exactly what was there
        assert before_photos[pid] == row
    for pid, blob in vectors.items():
        assert blob == before_vectors[pid]
        np.testing.assert_array_equal(np.frombuffer(blob, dtype=np.float32), vecs[pid - 1])
    assert report.kept["photos"] == len(photos) and report.kept["embeddings"] == len(vectors)
    con = sqlite3.connect(path)
    lost = con.execute("SELECT COUNT(*) FROM photos p WHERE state='ok' AND NOT EXISTS("
                       "SELECT 1 FROM embeddings e WHERE e.photo_id=p.id)").fetchone()[0]
    con.close()
    assert lost == 0  # photos whose vector was lost wait to be embedded again


def test_transactions_still_in_the_write_ahead_log_are_salvaged(tmp_path):
    path = tmp_path / "catalog.sqlite"
    _catalog_with(path, 300)
    _checkpoint(path)
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("INSERT INTO folders(path, added_at) VALUES('/late', 0)")  # committed, only in the -wal
    code = "import os, sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('PRAGMA wal_autocheckpoint=0');" \
           "c.execute(\"INSERT INTO settings(key, value) VALUES('late', 'yes')\"); c.commit(); os._exit(0)"
    subprocess.run([sys.executable, "-c", code, str(path)], check=True)
    with open(path, "r+b") as f:  # and the main file loses its tail
        f.truncate(path.stat().st_size // 2 // PAGE * PAGE)
    report = salvage(path)
    con.close()
    assert Path(report.damaged_copy + "-wal").is_file()
    cat = Catalog(path)
    try:
        assert "/late" in [f.path for f in cat.folders()] and cat.get_setting("late") == "yes"
    finally:
        cat.close()


def test_a_sound_catalog_is_left_alone(tmp_path):
    path = tmp_path / "catalog.sqlite"
    _catalog_with(path, 10)
    before = path.read_bytes()
    report = salvage(path)
    assert report.healthy and not report.damaged_copy
    assert path.read_bytes() == before and list(tmp_path.glob("*damaged*")) == []


@pytest.fixture
def run(home: Path):
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}

    def _run(*args: str) -> subprocess.CompletedProcess[str]:
        p = subprocess.run([EXE, *args], capture_output=True, text=True, env=env, timeout=300)  # type: ignore[list-item]
        assert p.returncode >= 0 and "Traceback" not in p.stderr, p.stderr
        return p

    return _run


def test_cli_repair_of_a_truncated_catalog(run, home: Path, tmp_path: Path, make_photo):
    pics = tmp_path / "Pictures"
    for i in range(120):
        make_photo(pics / f"IMG_{i:04d}.jpg", ["red", "green", "blue", "yellow"][i % 4], size=(48, 32), seed=i)
    assert run("folders", "add", str(pics)).returncode == 0
    assert run("index", "-q").returncode == 0
    catalog = home / "catalog.sqlite"
    _checkpoint(catalog)
    with open(catalog, "r+b") as f:
        f.truncate(catalog.stat().st_size * 6 // 10 // PAGE * PAGE)

    for args in (("status",), ("search", "red")):
        p = run(*args)
        assert p.returncode == 1 and "damaged" in p.stderr and "photoseek repair" in p.stderr, p.stderr

    p = run("repair")
    assert p.returncode == 0, p.stderr
    copies = list(home.glob("catalog.damaged-*.sqlite"))
    assert len(copies) == 1 and copies[0].name in p.stdout
    assert "Salvaged" in p.stdout and "Rebuilt the vector index: 120 photos searchable" in p.stdout
    assert check(catalog) == []
    photos, vectors = _rows(catalog)
    assert len(photos) == 120 and len(vectors) == 120
    hit = run("search", "red", "-n", "1", "--all")
    assert hit.returncode == 0 and "IMG_" in hit.stdout
    again = run("repair")
    assert again.returncode == 0 and "sound" in again.stdout and len(list(home.glob("catalog.damaged-*.sqlite"))) == 1


def test_cli_repair_re_embeds_only_what_was_lost(run, home: Path, tmp_path: Path, make_photo):
    import json

    pics = tmp_path / "Pictures"
    for i in range(120):
        make_photo(pics / f"IMG_{i:04d}.jpg", ["red", "green", "blue", "yellow"][i % 4], size=(48, 32), seed=i)
    run("folders", "add", str(pics))
    run("index", "-q")
    catalog = home / "catalog.sqlite"
    _checkpoint(catalog)
    with open(catalog, "r+b") as f:
        f.truncate(catalog.stat().st_size * 7 // 10 // PAGE * PAGE)
    out = json.loads(run("repair", "--json").stdout)
    assert out["kept"]["embeddings"] > 0 and out["reindexed"]["found"] == 120
    assert out["reindexed"]["embedded"] == 120 - out["kept"]["embeddings"]  # nothing salvaged is embedded twice
    assert out["vectors"] == 120


def test_a_file_that_is_not_a_database_is_kept_and_replaced_by_an_empty_catalog(tmp_path):
    path = tmp_path / "catalog.sqlite"
    garbage = np.random.default_rng(7).integers(0, 256, 20_000, dtype=np.uint8).tobytes()
    path.write_bytes(garbage)
    report = salvage(path)
    assert Path(report.damaged_copy).read_bytes() == garbage
    assert "folders" in report.lost_tables
    assert any("add your photo folders again" in line for line in report.lines())
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["catalog.sqlite", Path(report.damaged_copy).name])
    assert check(path) == []
    cat = Catalog(path)
    try:
        assert cat.folders() == []
    finally:
        cat.close()
