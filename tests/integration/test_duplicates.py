"""Near-duplicates on a real library: real photos and edited copies, the built-in pack, SQLite and USearch."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from PIL import Image, ImageEnhance

from photoseek.core.domain import SearchRequest
from photoseek.core.library import Library

ROOT = Path(__file__).resolve().parents[2]
PHOTOS = ROOT / "bench" / "photos"
BASIC = ROOT / "models" / "basic"
ORIGINALS = ["cat", "orange_flower", "yellow_flower", "red_marigold", "lake_pier", "foggy_pier", "coins"]


def _copies(folder: Path) -> None:
    """Copies of cat.jpg as a phone or an editor makes them, each a day older than the last."""
    with Image.open(PHOTOS / "cat.jpg") as src:
        cat = src.convert("RGB")
    w, h = cat.size
    cat.resize((w // 2, h // 2), Image.Resampling.LANCZOS).save(folder / "cat_small.jpg", quality=85)
    cat.save(folder / "cat_recompressed.jpg", quality=50)
    cat.crop((int(w * 0.07), int(h * 0.03), w, h - int(h * 0.04))).save(folder / "cat_cropped.jpg", quality=90)
    ImageEnhance.Brightness(cat).enhance(1.2).save(folder / "sub" / "cat_brighter.jpg", quality=90)
    for i, name in enumerate(["cat_small", "cat_recompressed", "cat_cropped", "sub/cat_brighter"]):
        t = 1_600_000_000 - i * 86_400
        os.utime(folder / f"{name}.jpg", (t, t))


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    if not (BASIC / "config.json").is_file():
        pytest.skip("models/basic is not built")
    root = tmp_path_factory.mktemp("dups")
    photos = root / "Pictures"
    (photos / "sub").mkdir(parents=True)
    for name in ORIGINALS:
        (photos / f"{name}.jpg").write_bytes((PHOTOS / f"{name}.jpg").read_bytes())
    _copies(photos)
    os.utime(photos / "cat.jpg", (1_500_000_000, 1_500_000_000))  # the original is the oldest file
    lib = Library(root / "library", model=str(BASIC), threads=2)
    lib.add_folder(photos)
    lib.index()
    yield lib
    lib.close()


def _names(lib: Library) -> list[list[str]]:
    return [[os.path.relpath(p.path, lib.folders()[0].path) for p in g.photos] for g in lib.duplicates.groups()]


def test_copies_of_one_photo_form_one_group_best_copy_first(library: Library) -> None:
    groups = library.duplicates.groups()
    assert len(groups) == 1
    names = [os.path.basename(p.path) for p in groups[0].photos]
    # largest first: the original and its same-size copies, the heavier file first; the half-size copy last
    assert names[0] == "cat.jpg" and names[-1] == "cat_small.jpg"
    assert set(names) == {"cat.jpg", "cat_small.jpg", "cat_recompressed.jpg", "cat_cropped.jpg", "cat_brighter.jpg"}
    sizes = [(p.width or 0) * (p.height or 0) for p in groups[0].photos]
    assert sizes == sorted(sizes, reverse=True)
    assert groups[0].extra_bytes == sum(p.size for p in groups[0].photos[1:])
    assert 0.9 <= groups[0].similarity <= 1.0


def test_different_photos_of_one_subject_are_not_grouped(library: Library) -> None:
    grouped = {os.path.basename(p.path) for g in library.duplicates.groups() for p in g.photos}
    assert not grouped & {"orange_flower.jpg", "yellow_flower.jpg", "red_marigold.jpg", "lake_pier.jpg",
                          "foggy_pier.jpg", "coins.jpg"}
    # the model alone would have paired the flowers: the hash is what keeps them apart
    assert library.duplicates.groups(threshold=0.5)[0].best.path.endswith("cat.jpg")
    assert len(library.duplicates.groups(threshold=0.5)) == 1


def test_hashes_are_stored_while_indexing_and_recomputed_when_missing(library: Library) -> None:
    con = sqlite3.connect(library.catalog.path)
    try:
        assert con.execute("SELECT COUNT(*) FROM image_hashes").fetchone()[0] == len(ORIGINALS) + 4
        before = _names(library)
        con.execute("DELETE FROM image_hashes")  # a library indexed before hashes existed
        con.commit()
        assert _names(library) == before
        # only candidates were hashed on demand, and they are cached now
        cached = con.execute("SELECT COUNT(*) FROM image_hashes").fetchone()[0]
        assert 5 <= cached < len(ORIGINALS) + 4
    finally:
        con.close()


def test_a_search_hashes_only_a_few_photos_from_disk(library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    import photoseek.core.duplicates as dups

    con = sqlite3.connect(library.catalog.path)
    con.execute("DELETE FROM image_hashes")
    con.commit()
    con.close()
    hits = library.find(SearchRequest(query="a cat", limit=20))
    monkeypatch.setattr(dups, "STACK_HASH_BUDGET", 2)
    first = library.duplicates.stacks(hits)
    from photoseek.core.imaging.phash import HASH_VERSION

    assert len(library.catalog.image_hashes([h.photo.id for h in hits], HASH_VERSION)) == 2
    assert sum(len(s) for s in first) <= 2
    for _ in range(2):  # each search hashes two more: the stack fills in
        stacks = library.duplicates.stacks(hits)
    assert len(stacks) == 1 and len(stacks[0]) == 5


def test_search_results_stack_the_copies(library: Library) -> None:
    hits = library.find(SearchRequest(query="a cat", limit=20))
    stacks = library.duplicates.stacks(hits)
    assert len(stacks) == 1 and len(stacks[0]) == 5
    assert {h.photo.id: h.photo.path for h in hits}[stacks[0][0]].endswith("/cat.jpg")  # the best copy is the one the tile shows
    assert library.duplicates.stacks(hits[:1]) == []
