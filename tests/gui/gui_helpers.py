from __future__ import annotations

import threading
from pathlib import Path


def wait_indexed(qtbot, win, timeout: int = 20000) -> None:  # noqa: ANN001
    """Wait until the window's index run (started asynchronously after the folder list loads) has finished."""
    qtbot.waitUntil(lambda: win.indexer.completed > 0 and not win.indexer.running, timeout=timeout)


def photo_rows(win) -> list[int]:  # noqa: ANN001
    """Rows that hold a photo (not the "N weaker results" divider)."""
    return [r for r in range(win.model.rowCount()) if win.model.hit(r) is not None]


def first_row(win) -> int:  # noqa: ANN001
    """The row of the best hit: 0, or 1 when nothing matched and the divider leads the (expanded) weaker results."""
    rows = photo_rows(win)
    return rows[0] if rows else -1


def first_name(win) -> str:  # noqa: ANN001
    hit = win.model.hits[0] if win.model.hits else None
    return Path(hit.photo.path).name if hit else ""


def watcher_threads() -> list[str]:
    """Live threads that belong to folder watching: watchdog's observers/emitters and the core's own."""
    return [t.name for t in threading.enumerate() if t.is_alive() and (
        t.name.startswith("photoseek") or type(t).__module__.split(".")[0] == "watchdog")]


def bench_library(tmp_path: Path, originals: list[str], copies, *, old: bool = False):  # noqa: ANN001, ANN201
    """A library with the built-in pack over some bench photos and the edited copies ``copies(folder)`` makes,
    indexed. ``old``: the originals get an old file date (so they are the oldest copies). Skips without the pack."""
    import os
    import shutil

    import pytest

    from photoseek.core.library import Library

    root = Path(__file__).resolve().parents[2]
    if not (root / "models" / "basic" / "config.json").is_file():
        pytest.skip("models/basic is not built")
    pics = tmp_path / "Pictures"
    pics.mkdir()
    for name in originals:
        shutil.copy(root / "bench" / "photos" / f"{name}.jpg", pics / f"{name}.jpg")
        if old:
            os.utime(pics / f"{name}.jpg", (1_500_000_000, 1_500_000_000))
    copies(pics)
    lib = Library(tmp_path / "library", model=str(root / "models" / "basic"), threads=2)
    lib.add_folder(pics)
    lib.index()
    return lib
