"""The library end to end on real files: indexing, moves, deletes, bad files, resume, filters, offline folders."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from photoseek.core.domain import PhotoState
from photoseek.core.errors import FolderError, QueryError
from photoseek.core.library import Library
from photoseek.core.reports import IndexProgress

COLORS = ["red", "green", "blue", "yellow", "purple", "orange"]


@pytest.fixture
def pics(tmp_path: Path, make_photo) -> Path:
    root = tmp_path / "Pictures"
    for i, c in enumerate(COLORS):
        make_photo(root / f"{c}.jpg", c, seed=i, exif_date=f"2021:0{i + 1}:15 12:00:00", camera=("Canon", "Canon EOS R"))
    return root


@pytest.fixture
def lib(home: Path):
    lib = Library()
    yield lib
    lib.close()


def first(lib: Library, query: str) -> str:
    return Path(lib.search(query, limit=3)[0].path).name


def test_index_then_search_finds_the_right_photo_first(lib: Library, pics: Path) -> None:
    lib.add_folder(pics)
    r = lib.index()
    assert (r.scanned, r.embedded, r.failed) == (6, 6, 0)
    for c in COLORS:
        assert first(lib, c) == f"{c}.jpg"
    hit = lib.search("red", limit=1)[0]
    assert hit.photo.taken_at is not None and hit.photo.taken_at.month == 1
    assert hit.photo.camera == "Canon EOS R" and (hit.photo.width, hit.photo.height) == (320, 240)
    s = lib.status()
    assert (s.photos, s.indexed, s.pending, s.errors) == (6, 6, 0, 0)


def test_second_run_does_no_work(lib: Library, pics: Path) -> None:
    lib.add_folder(pics)
    lib.index()
    calls = lib.embedder.image_calls
    r = lib.index()
    assert r.unchanged == 6 and r.embedded == 0 and lib.embedder.image_calls == calls


def test_rename_and_move_keep_the_photo_without_reembedding(lib: Library, pics: Path, tmp_path: Path) -> None:
    other = tmp_path / "Other"
    other.mkdir()
    lib.add_folder(pics)
    lib.add_folder(other)
    lib.index()
    before = lib.catalog.photo_by_path(str(pics / "red.jpg"))
    calls = lib.embedder.image_calls
    os.rename(pics / "red.jpg", pics / "renamed-red.jpg")
    shutil.move(pics / "blue.jpg", other / "blue-moved.jpg")
    r = lib.index()
    assert r.moved == 2 and r.embedded == 0 and r.removed == 0
    assert lib.embedder.image_calls == calls, "moved files must not be re-embedded"
    after = lib.catalog.photo_by_path(str(pics / "renamed-red.jpg"))
    assert after is not None and before is not None
    assert after.id == before.id and after.taken_at == before.taken_at and after.camera == before.camera
    assert first(lib, "red") == "renamed-red.jpg"
    assert first(lib, "blue") == "blue-moved.jpg"
    moved = lib.catalog.photo_by_path(str(other / "blue-moved.jpg"))
    assert moved is not None and moved.folder_id == lib.catalog.folder_by_path(str(other)).id


def test_deleted_photo_leaves_the_index(lib: Library, pics: Path) -> None:
    lib.add_folder(pics)
    lib.index()
    (pics / "red.jpg").unlink()
    r = lib.index()
    assert r.removed == 1
    assert all(Path(h.path).name != "red.jpg" for h in lib.search("red", limit=10))
    assert lib.status().photos == 5 and len(lib.vindex) == 5


def test_changed_content_is_reembedded_but_a_touch_is_not(lib: Library, pics: Path, make_photo) -> None:
    lib.add_folder(pics)
    lib.index()
    calls = lib.embedder.image_calls
    st = (pics / "green.jpg").stat()
    os.utime(pics / "green.jpg", (st.st_atime, st.st_mtime + 100))  # touched, same bytes
    r = lib.index()
    assert r.embedded == 0 and lib.embedder.image_calls == calls
    make_photo(pics / "yellow.jpg", "black", seed=50)  # same name, new picture
    r = lib.index()
    assert r.changed == 1 and r.embedded == 1
    assert first(lib, "black") == "yellow.jpg"


def test_bad_files_are_skipped_with_reasons(lib: Library, pics: Path, monkeypatch: pytest.MonkeyPatch,
                                            make_photo) -> None:
    (pics / "empty.jpg").write_bytes(b"")
    (pics / "notes.png").write_text("not a picture at all")
    good = make_photo(pics / "big.jpg", "white", size=(400, 300), seed=3).read_bytes()
    (pics / "truncated.jpg").write_bytes(good[: len(good) // 3])
    # seeded: about 1 random tail in 50 makes Pillow refuse to identify the file at all ("not an image")
    (pics / "garbage.jpg").write_bytes(b"\xff\xd8\xff\xe0" + random.Random(0).randbytes(3000))
    from photoseek.core.imaging import decode as dec

    make_photo(pics / "bomb.png", "red", size=(600, 600), fmt="PNG")
    monkeypatch.setattr(dec, "MAX_PIXELS", 500 * 500)  # anything larger counts as a bomb in this test
    lib.add_folder(pics)
    r = lib.index()
    reasons = {Path(p.path).name: p.reason for p in lib.status().problems}
    assert reasons["empty.jpg"] == "empty file (0 bytes)"
    assert reasons["notes.png"] == "not an image or unsupported format"
    assert "truncated" in reasons["truncated.jpg"] or "corrupt" in reasons["truncated.jpg"]
    assert "corrupt" in reasons["garbage.jpg"] or "truncated" in reasons["garbage.jpg"]
    assert "decompression bomb" in reasons["bomb.png"]
    assert r.failed == len(reasons) == 5
    assert r.embedded == 7  # the six colours and big.jpg
    assert first(lib, "green") == "green.jpg"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads unreadable files")
def test_unreadable_file_is_reported(lib: Library, pics: Path) -> None:
    (pics / "red.jpg").chmod(0)
    try:
        lib.add_folder(pics)
        lib.index()
        reasons = {Path(p.path).name: p.reason for p in lib.status().problems}
        assert reasons["red.jpg"].startswith("unreadable")
    finally:
        (pics / "red.jpg").chmod(0o644)


def test_interrupted_index_resumes_and_keeps_committed_work(home: Path, tmp_path: Path, make_photo) -> None:
    pics = tmp_path / "many"
    for i in range(40):
        make_photo(pics / f"p{i:02d}.jpg", COLORS[i % 6], seed=i, size=(96, 72))
    with Library() as lib:
        lib.add_folder(pics)
        seen = []
        r = lib.index(lambda p: seen.append(p.done) or p.phase != "embedding" or p.done < 8)
        assert r.cancelled
        committed = lib.status().indexed
        assert 8 <= committed < 40
    with Library() as lib:  # a new process would see the same: batches were committed
        assert lib.status().indexed == committed
        r = lib.index()
        assert r.embedded == 40 - committed and lib.embedder.image_calls == 40 - committed
        assert lib.status().indexed == 40


def test_search_works_while_an_index_run_is_in_progress(home: Path, tmp_path: Path, make_photo) -> None:
    pics = tmp_path / "many"
    for i in range(48):
        make_photo(pics / f"p{i:02d}.jpg", COLORS[i % 6], seed=i, size=(96, 72))
    with Library() as lib:
        lib.add_folder(pics)
        mid = threading.Event()
        go_on = threading.Event()

        def progress(p) -> bool:
            if p.phase == "embedding" and p.done >= 16 and not mid.is_set():
                mid.set()
                go_on.wait(10)
            return True

        t = threading.Thread(target=lib.index, args=(progress,))
        t.start()
        assert mid.wait(20)
        partial = lib.search("red", limit=100)
        go_on.set()
        t.join(30)
        assert 0 < len(partial) < 48
        assert Path(partial[0].path).name.startswith("p")
        assert len(lib.search("red", limit=100)) == 48


def test_vector_index_is_rebuilt_when_missing_or_corrupt(home: Path, pics: Path) -> None:
    with Library() as lib:
        lib.add_folder(pics)
        lib.index()
        path = lib.vindex.path
    path.write_bytes(b"garbage" * 10)
    with Library() as lib:
        assert first(lib, "orange") == "orange.jpg"
        assert lib.vindex.rebuilt
    path.unlink()
    with Library(read_only=True) as lib:
        assert first(lib, "purple") == "purple.jpg"


def test_killed_indexer_leaves_a_consistent_library(home: Path, tmp_path: Path, make_photo) -> None:
    import signal
    import subprocess
    import sys

    pics = tmp_path / "many"
    for i in range(150):
        make_photo(pics / f"p{i:03d}.jpg", COLORS[i % 6], seed=i, size=(200, 150))
    with Library() as lib:
        lib.add_folder(pics)
    code = (
        "import sys, time\n"
        "from photoseek.core.library import Library\n"
        "lib = Library()\n"
        "def slow(p):\n"
        "    if p.phase == 'embedding':\n"
        "        print(p.done, flush=True); time.sleep(0.2)\n"
        "    return True\n"
        "lib.index(slow)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=os.environ.copy())
    assert proc.stdout is not None
    for line in proc.stdout:
        if int(line) >= 24:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    con = sqlite3.connect(home / "catalog.sqlite")
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    with Library() as lib:
        done = lib.status().indexed
        assert done >= 24
        assert len(lib.search("red", limit=500)) == done  # index file stale -> rebuilt from SQLite
        r = lib.index()
        assert r.embedded == 150 - done
        assert lib.status().indexed == 150


def test_filters_by_folder_and_date(lib: Library, pics: Path, tmp_path: Path, make_photo) -> None:
    other = tmp_path / "Trips"
    make_photo(other / "red-trip.jpg", "red", seed=77, exif_date="2023:08:01 09:00:00")
    lib.add_folder(pics)
    lib.add_folder(other)
    lib.index()
    hits = lib.search("red", limit=10, folder=str(other))
    assert [Path(h.path).name for h in hits] == ["red-trip.jpg"]
    from datetime import datetime

    hits = lib.search("red", limit=10, after=datetime(2021, 2, 1), before=datetime(2021, 4, 1))
    assert {Path(h.path).name for h in hits} == {"green.jpg", "blue.jpg"}  # taken in Feb and Mar 2021
    by_date = lib.search("red", limit=3, sort="date")
    assert Path(by_date[0].path).name == "red-trip.jpg"


def test_weighted_and_negative_queries(lib: Library, pics: Path) -> None:
    lib.add_folder(pics)
    lib.index()
    plain = [Path(h.path).name for h in lib.search("red", limit=6)]
    minus = [Path(h.path).name for h in lib.search("red -orange", limit=6)]
    assert minus.index("orange.jpg") > plain.index("orange.jpg")
    assert first(lib, "red +3:blue") == "blue.jpg"
    assert first(lib, f"{pics / 'green.jpg'} +0.2:red") == "green.jpg"
    with pytest.raises(QueryError):
        lib.search("-red")


def test_similar_to_library_photo_and_outside_file(lib: Library, pics: Path, tmp_path: Path, make_photo) -> None:
    make_photo(pics / "red-again.jpg", "red", seed=123)
    lib.add_folder(pics)
    lib.index()
    hits = lib.similar(str(pics / "red.jpg"), limit=3)
    assert Path(hits[0].path).name == "red-again.jpg"
    assert all(Path(h.path).name != "red.jpg" for h in hits), "a photo is not its own match"
    outside = make_photo(tmp_path / "elsewhere" / "query.png", "purple", seed=9, fmt="PNG")
    assert Path(lib.similar(str(outside), limit=1)[0].path).name == "purple.jpg"


def test_folder_offline_keeps_photos_and_returns_without_reembedding(lib: Library, pics: Path) -> None:
    lib.add_folder(pics)
    lib.index()
    calls = lib.embedder.image_calls
    unplugged = pics.with_name("unplugged")
    os.rename(pics, unplugged)
    r = lib.index()
    assert r.removed == 0
    s = lib.status()
    assert s.offline == 6 and s.photos == 6 and not s.folders[0].online
    hit = lib.search("red", limit=1)[0]
    assert hit.photo.state is PhotoState.OFFLINE
    os.rename(unplugged, pics)
    r = lib.index()
    assert r.embedded == 0 and lib.embedder.image_calls == calls
    s = lib.status()
    assert s.offline == 0 and s.indexed == 6 and s.folders[0].online


def test_symlink_loop_and_hidden_folders(lib: Library, pics: Path, make_photo) -> None:
    (pics / "sub").mkdir()
    os.symlink(pics, pics / "sub" / "loop")
    make_photo(pics / ".hidden" / "secret.jpg", "red", seed=5)
    make_photo(pics / "@eaDir" / "thumb.jpg", "red", seed=6)
    lib.add_folder(pics)
    start = time.monotonic()
    r = lib.index()
    assert time.monotonic() - start < 20
    assert r.scanned == 6


def test_add_folder_validation(lib: Library, pics: Path, tmp_path: Path) -> None:
    with pytest.raises(FolderError):
        lib.add_folder(tmp_path / "does-not-exist")
    lib.add_folder(pics)
    (pics / "inner").mkdir()
    with pytest.raises(FolderError, match="already part"):
        lib.add_folder(pics / "inner")
    assert len(lib.folders()) == 1
    lib.remove_folder(pics)
    assert lib.folders() == [] and (pics / "red.jpg").exists()


def test_photo_folders_are_never_written(lib: Library, pics: Path) -> None:
    before = {p: (p.stat().st_mtime, p.stat().st_size) for p in pics.rglob("*")}
    lib.add_folder(pics)
    lib.index()
    lib.search("red")
    lib.similar(str(pics / "red.jpg"))
    after = {p: (p.stat().st_mtime, p.stat().st_size) for p in pics.rglob("*")}
    assert before == after


def test_switching_models_keeps_old_vectors_searchable(home: Path, pics: Path, tiny_models: Path) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1]))
    from tiny_pack import build_tiny_pack

    build_tiny_pack(home / "models" / "tiny2", pack_id="tiny2")
    with Library() as lib:
        lib.add_folder(pics)
        lib.index()
        assert lib.use_model("tiny2") is False  # its vectors are not there yet
        assert lib.model_id == "tiny" and first(lib, "red") == "red.jpg"
        seen: list[IndexProgress] = []
        lib.index(lambda p: seen.append(p) or True)
        assert lib.model_id == "tiny2" and lib.target_model() is None
        # the new pack's vectors are reported as a switch (the GUI words them "Improving search")
        assert [(p.done, p.total) for p in seen if p.switching][-1] == (6, 6)
        assert first(lib, "red") == "red.jpg"
        counts = {m.id: m.vectors for m in lib.models()}
        assert counts == {"tiny": 6, "tiny2": 6}
        assert lib.use_model("tiny") is True  # switching back is immediate: nothing was thrown away
        assert lib.model_id == "tiny"


def test_a_folder_that_empties_is_offline_not_wiped(lib: Library, pics: Path) -> None:
    """An unmounted share leaves its empty mount point behind: its photos must survive a full index run."""
    lib.add_folder(pics)
    lib.index()
    hidden = pics.with_name("elsewhere")
    hidden.mkdir()
    for p in pics.iterdir():
        p.rename(hidden / p.name)
    r = lib.index()
    assert r.removed == 0
    s = lib.status()
    assert s.photos == 6 and s.offline == 6 and not s.folders[0].online
    for p in hidden.iterdir():  # the share is mounted again
        p.rename(pics / p.name)
    calls = lib.embedder.image_calls
    r = lib.index()
    assert r.embedded == 0 and lib.embedder.image_calls == calls and lib.status().offline == 0


def test_a_warm_up_the_catalog_cannot_do_ends_quietly(home: Path) -> None:
    """The background pass is an optimisation: a catalog closed (or unreadable) under it ends it, and the searches
    report the problem themselves."""
    lib = Library()
    lib.close()
    assert lib.warm_up() == 0
