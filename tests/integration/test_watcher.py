"""Live folder watching with the real observer on real files: creates, edits, moves, renames, slow writes,
bursts, folders that vanish and come back, and the polling fallback."""

from __future__ import annotations

import errno
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from photoseek.core.domain import PhotoState
from photoseek.core.library import Library, WatchHandle
from photoseek.core.reports import WatchProgress
from photoseek.core.watching import observers as watcher_mod

pytestmark = pytest.mark.timeout(60)

SETTLE = 0.6  # the shortest settle time the queue accepts (see watching.changes.MIN_SETTLE_S)


def wait_until(cond: Callable[[], object], timeout: float = 15.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def paths_for(lib: Library, query: str, limit: int = 50) -> set[str]:
    return {h.path for h in lib.search(query, limit=limit)}


def top(lib: Library, query: str) -> str | None:
    hits = lib.search(query, limit=1)
    return hits[0].path if hits else None


def state_of(lib: Library, path: Path) -> PhotoState | None:
    p = lib.catalog.photo_by_path(str(path))
    return p.state if p else None


@pytest.fixture
def lib(home: Path) -> Iterator[Library]:
    with Library(home) as lib:
        yield lib


@pytest.fixture
def start(lib: Library) -> Iterator[Callable[..., WatchHandle]]:
    handles: list[WatchHandle] = []
    events: list[WatchProgress] = []

    def _start(**kw: object) -> WatchHandle:
        kw.setdefault("settle_s", SETTLE)
        kw.setdefault("check_interval_s", 0.2)
        kw.setdefault("poll_interval_s", 0.3)
        h = lib.watch(events.append, **kw)  # type: ignore[arg-type]
        h.events = events  # type: ignore[attr-defined]
        handles.append(h)
        wait_until(lambda: h.idle, what="the catch-up scan")
        return h

    before = set(threading.enumerate())
    yield _start
    for h in handles:
        h.stop()
        h.join(10)
        assert not h.is_alive()
    left = [t for t in set(threading.enumerate()) - before if t.is_alive()]
    deadline = time.monotonic() + 5
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = [t for t in left if t.is_alive()]
    assert not left, f"threads left running: {left}"


def test_create_modify_rename_delete(lib: Library, start: Callable[..., WatchHandle], tmp_path: Path,
                                     make_photo: Callable[..., Path]) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    make_photo(folder / "old.jpg", "green")
    lib.add_folder(folder)
    h = start()
    assert top(lib, "green") == str(folder / "old.jpg")  # the catch-up scan found it
    assert h.modes() == {str(folder): "events"}
    assert lib.status().folders[0].watch_mode == "events"

    # create
    make_photo(folder / "a.jpg", "red", seed=1)
    wait_until(lambda: top(lib, "red") == str(folder / "a.jpg"), what="a new photo")
    emb = lib.embedder
    calls = emb.image_calls

    # modify: becomes blue, re-embedded once
    make_photo(folder / "a.jpg", "blue", seed=2)
    wait_until(lambda: top(lib, "blue") == str(folder / "a.jpg"), what="an edit")
    hits = lib.search("blue", limit=1)
    assert hits[0].path == str(folder / "a.jpg")
    assert emb.image_calls == calls + 1
    calls = emb.image_calls
    pid = lib.catalog.photo_by_path(str(folder / "a.jpg")).id  # type: ignore[union-attr]

    # rename: same row, same vector, no model call
    os.rename(folder / "a.jpg", folder / "renamed.jpg")
    wait_until(lambda: lib.search("blue", limit=1)[0].path == str(folder / "renamed.jpg"), what="a rename")
    assert lib.catalog.photo_by_path(str(folder / "renamed.jpg")).id == pid  # type: ignore[union-attr]
    assert lib.catalog.photo_by_path(str(folder / "a.jpg")) is None
    assert emb.image_calls == calls

    # delete: leaves the results at once (kept as missing for the purge grace period)
    os.remove(folder / "renamed.jpg")
    wait_until(lambda: state_of(lib, folder / "renamed.jpg") == PhotoState.MISSING, what="a delete")
    assert paths_for(lib, "blue") == {str(folder / "old.jpg")}
    st = lib.status()
    assert st.photos == 1 and st.indexed == 1 and st.errors == 0
    assert emb.image_calls == calls
    assert any(e.message and "moved" in e.message for e in h.events)  # type: ignore[attr-defined]


def test_move_between_folders_and_folder_rename(lib: Library, start: Callable[..., WatchHandle], tmp_path: Path,
                                                make_photo: Callable[..., Path]) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for i, color in enumerate(["red", "green", "blue"]):
        make_photo(a / "trip" / f"{color}.jpg", color, seed=i)
    make_photo(a / "yellow.jpg", "yellow", seed=9)
    b.mkdir()
    lib.add_folder(a)
    lib.add_folder(b)
    start()
    emb = lib.embedder
    calls = emb.image_calls
    assert calls == 4
    ids = {p: lib.catalog.photo_by_path(p).id for p in paths_for(lib, "red", 10)}  # type: ignore[union-attr]
    assert len(ids) == 4

    # move a file to the other library folder (two watches: seen as delete + create, matched by content hash)
    shutil.move(str(a / "yellow.jpg"), str(b / "yellow.jpg"))
    wait_until(lambda: lib.search("yellow", limit=1)[0].path == str(b / "yellow.jpg"), what="a cross-folder move")
    moved = lib.catalog.photo_by_path(str(b / "yellow.jpg"))
    assert moved is not None and moved.id == ids[str(a / "yellow.jpg")]
    assert moved.folder_id == lib.catalog.folder_by_path(str(b)).id  # type: ignore[union-attr]

    # rename a sub-folder: one move for the folder, every photo keeps its row
    moves: list[tuple[str, str]] = []
    real_move = lib.indexer.move_path

    def spy(src: str, dst: str) -> int:
        moves.append((src, dst))
        return real_move(src, dst)

    lib.indexer.move_path = spy  # type: ignore[method-assign]
    os.rename(a / "trip", a / "Trip 2024")
    new = a / "Trip 2024"
    wait_until(lambda: lib.search("green", limit=1)[0].path == str(new / "green.jpg"), what="a folder rename")
    wait_until(lambda: all(lib.catalog.photo_by_path(str(new / f"{c}.jpg")) for c in ("red", "green", "blue")),
               what="all photos of the renamed folder")
    for c in ("red", "green", "blue"):
        p = lib.catalog.photo_by_path(str(new / f"{c}.jpg"))
        assert p is not None and p.id == ids[str(a / "trip" / f"{c}.jpg")] and p.state == PhotoState.OK
        assert lib.catalog.photo_by_path(str(a / "trip" / f"{c}.jpg")) is None
    assert emb.image_calls == calls  # nothing re-embedded
    assert moves == [(str(a / "trip"), str(new))]  # one move, not one per photo
    st = lib.status()
    assert (st.photos, st.indexed, st.pending, st.errors) == (4, 4, 0, 0)

    # a folder added while watching is indexed and watched
    c = tmp_path / "c"
    make_photo(c / "black.jpg", "black")
    lib.add_folder(c)
    wait_until(lambda: top(lib, "black") == str(c / "black.jpg"), what="a folder added while watching")
    make_photo(c / "white.jpg", "white")
    wait_until(lambda: top(lib, "white") == str(c / "white.jpg"), what="a photo in the added folder")
    assert emb.image_calls == calls + 2


def test_slow_write_is_indexed_once_when_complete(lib: Library, start: Callable[..., WatchHandle], tmp_path: Path,
                                                 make_photo: Callable[..., Path]) -> None:
    folder = tmp_path / "card"
    folder.mkdir()
    lib.add_folder(folder)
    start()
    emb = lib.embedder
    calls = emb.image_calls
    data = make_photo(tmp_path / "src.jpg", "orange", size=(640, 480)).read_bytes()
    dst = folder / "IMG_0001.jpg"
    n = 10
    step = len(data) // n + 1
    with open(dst, "wb") as f:  # ~1.5 s in 10 chunks, 0.15 s apart (each shorter than the settle time)
        for i in range(n):
            f.write(data[i * step:(i + 1) * step])
            f.flush()
            time.sleep(0.15)
            # never indexed while incomplete
            assert lib.catalog.photo_by_path(str(dst)) is None
    wait_until(lambda: str(dst) in paths_for(lib, "orange"), what="the completed photo")
    time.sleep(2 * SETTLE)  # anything that would index it again has had the time to
    p = lib.catalog.photo_by_path(str(dst))
    assert p is not None and p.state == PhotoState.OK and p.error is None and p.size == len(data)
    assert emb.image_calls == calls + 1
    assert lib.status().problems == []


def test_burst_of_2000_files(lib: Library, start: Callable[..., WatchHandle], tmp_path: Path,
                             make_photo: Callable[..., Path]) -> None:
    folder = tmp_path / "burst"
    folder.mkdir()
    lib.add_folder(folder)
    h = start()
    colors = ["red", "green", "blue", "yellow"]
    src = tmp_path / "src"
    files = [make_photo(src / f"{c}.jpg", c, size=(64, 48)) for c in colors]
    blobs = [f.read_bytes() for f in files]
    rss0 = _rss_mb()
    t0 = time.monotonic()
    n = 2000
    for i in range(n):
        # distinct bytes per file (so none is taken for a moved copy of another): a JPEG comment with its number
        b = blobs[i % 4]
        (folder / f"img_{i:05d}.jpg").write_bytes(b[:2] + b"\xff\xfe\x00\x08" + i.to_bytes(6, "big") + b[2:])
    wait_until(lambda: lib.status().indexed >= n, timeout=60, what="2,000 photos indexed")
    elapsed = time.monotonic() - t0
    wait_until(lambda: h.idle, what="an idle queue")
    st = lib.status()
    assert (st.photos, st.indexed, st.pending, st.errors) == (n, n, 0, 0)
    assert len(paths_for(lib, "red", limit=n)) == n
    assert lib.search("red", limit=1)[0].path.endswith(tuple(f"{i:05d}.jpg" for i in range(0, n, 4)))
    assert lib.embedder.image_calls == n  # each once
    assert elapsed < 50, f"burst took {elapsed:.1f} s"
    assert _rss_mb() - rss0 < 400
    # progress went out while it worked, batch by batch (at most max_batch paths per sync), not one 2,000-file run
    steps = [e for e in h.events if e.phase == "indexing" and e.message is None]  # type: ignore[attr-defined]
    assert steps and max(e.total for e in steps) <= 500
    assert any(e.queued > 0 for e in steps)


def test_folder_offline_and_back(lib: Library, start: Callable[..., WatchHandle], tmp_path: Path,
                                 make_photo: Callable[..., Path]) -> None:
    drive = tmp_path / "drive"
    for i, c in enumerate(["red", "green"]):
        make_photo(drive / "DCIM" / f"{c}.jpg", c, seed=i)
    lib.add_folder(drive)
    h = start()
    emb = lib.embedder
    calls = emb.image_calls
    assert calls == 2

    unplugged = tmp_path / "elsewhere"
    os.rename(drive, unplugged)  # the drive goes away with no per-file deletes, as an unmount does
    wait_until(lambda: lib.status().offline == 2, what="photos going offline")
    st = lib.status()
    assert st.photos == 2 and not st.folders[0].online
    assert state_of(lib, drive / "DCIM" / "red.jpg") == PhotoState.OFFLINE
    assert h.modes() == {}  # nothing to watch while it is gone
    with Library(lib.home, read_only=True) as other:
        assert other.watch_modes() == {} and other.status().folders[0].watch_mode is None

    os.rename(unplugged, drive)
    wait_until(lambda: lib.status().offline == 0, what="photos coming back")
    assert h.modes() == {str(drive): "events"}
    assert lib.search("red", limit=1)[0].path == str(drive / "DCIM" / "red.jpg")
    assert emb.image_calls == calls  # nothing re-embedded
    # the observer is re-armed: new photos are seen again
    make_photo(drive / "DCIM" / "blue.jpg", "blue", seed=5)
    wait_until(lambda: lib.search("blue", limit=1)[0].path == str(drive / "DCIM" / "blue.jpg"), what="a new photo")
    assert emb.image_calls == calls + 1
    msgs = [e.message for e in h.events if e.message]  # type: ignore[attr-defined]
    assert any("offline" in m for m in msgs) and any("back online" in m for m in msgs)


def test_polling_fallback_when_os_refuses_watches(lib: Library, start: Callable[..., WatchHandle], tmp_path: Path,
                                                  make_photo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
                                                  ) -> None:
    real = watcher_mod.Observer

    class Refusing(real):  # type: ignore[valid-type, misc]
        def schedule(self, *a: object, **kw: object) -> object:
            raise OSError(errno.ENOSPC, "inotify watch limit reached")

    monkeypatch.setattr(watcher_mod, "Observer", Refusing)
    folder = tmp_path / "nas"
    folder.mkdir()
    lib.add_folder(folder)
    h = start()
    assert h.modes() == {str(folder): "polling"}
    assert "refused" in h.reasons()[str(folder)]
    assert lib.status().folders[0].watch_mode == "polling"
    # another process (the CLI's `status`) sees it too
    with Library(lib.home, read_only=True) as other:
        assert other.watch_modes() == {str(folder): "polling"}
        assert "refused" in other.watch_reasons()[str(folder)]
        assert other.status().folders[0].watch_mode == "polling"

    make_photo(folder / "p.jpg", "purple")
    wait_until(lambda: top(lib, "purple") == str(folder / "p.jpg"), what="a photo seen by polling")
    calls = lib.embedder.image_calls
    os.rename(folder / "p.jpg", folder / "q.jpg")
    wait_until(lambda: lib.search("purple", limit=1)[0].path == str(folder / "q.jpg"), what="a polled rename")
    assert lib.embedder.image_calls == calls


def test_polling_forced_by_environment(lib: Library, start: Callable[..., WatchHandle], tmp_path: Path,
                                       make_photo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PHOTOSEEK_WATCH_POLLING", "1")
    folder = tmp_path / "share"
    folder.mkdir()
    lib.add_folder(folder)
    h = start()
    assert h.modes() == {str(folder): "polling"} and h.reasons()[str(folder)] == "forced"
    make_photo(folder / "w.jpg", "white")
    wait_until(lambda: top(lib, "white") == str(folder / "w.jpg"), what="a photo seen by polling")
    os.remove(folder / "w.jpg")
    wait_until(lambda: state_of(lib, folder / "w.jpg") == PhotoState.MISSING, what="a polled delete")
    h.stop()
    h.join(10)
    assert lib.watch_modes() == {}  # no longer watched: status shows no mode


def test_network_file_systems_are_polled(tmp_path: Path) -> None:
    mounts = tmp_path / "mounts"
    mounts.write_text("/dev/sda1 / ext4 rw 0 0\n"
                      "server:/export /mnt/my\\040nas nfs4 rw 0 0\n"
                      "sshfs#me@host: /home/me/remote fuse.sshfs rw 0 0\n")
    assert watcher_mod.fs_type("/mnt/my nas/photos", str(mounts)) == "nfs4"
    assert watcher_mod.fs_type("/home/me/remote/x", str(mounts)) == "fuse.sshfs"
    assert watcher_mod.fs_type("/home/me/local", str(mounts)) == "ext4"


def _rss_mb() -> float:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def test_watch_command_runs_until_sigterm(home: Path, tmp_path: Path, make_photo: Callable[..., Path]) -> None:
    from watch_process import WatchProcess

    folder = tmp_path / "pics"
    make_photo(folder / "first.jpg", "red")
    with Library(home) as lib:
        lib.add_folder(folder)
    watch = WatchProcess(settle_s=0.6)
    try:
        watch.wait_for("catch-up", 15)
        make_photo(folder / "second.jpg", "green")
        watch.wait_for("1 new", 15, skip="catch-up")
        assert watch.stop(15) == 0
    finally:
        text = watch.close()
    assert f"watching {folder} by events" in text and "catch-up: 1 new, 1 embedded" in text
    assert "Traceback" not in text
    with Library(home, read_only=True) as lib:
        assert top(lib, "green") == str(folder / "second.jpg")
        assert lib.watch_modes() == {}  # the record went with the process
