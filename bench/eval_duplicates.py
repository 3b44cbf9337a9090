"""Precision and recall of near-duplicate grouping (``photoseek duplicates``) on the public photos in bench/photos.

    PYTHONPATH=src python bench/eval_duplicates.py [--threshold T] [--pairs]

Every bench photo is copied into a fresh library; half of them (every other one by name) also get five edited
copies of the kinds the issue names: resized, recompressed, cropped by 5 % and by 10 %, and a brightness/contrast
edit with a 7 % crop. Truth: two files are near-duplicates when they come from the same bench photo. Different
photos of one subject (four flowers, four lake/pier scenes, ...) are the hard negatives.

Pairwise precision (grouped pairs that are true) and recall (true pairs that are grouped) are printed for the
whole set and for two halves: the *tune* half (sources 0, 4, 8, ... by name; the constants in
core/duplicates.py were chosen looking at it) and the *report* half (the other sources), which no tuning saw.
``--pairs`` prints the vector similarity and hash distance of the tune half's true pairs and closest false ones.
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageEnhance

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from photoseek.core.duplicates import DEFAULT_THRESHOLD, MAX_DISTANCE  # noqa: E402
from photoseek.core.imaging.phash import distance  # noqa: E402
from photoseek.core.library import Library  # noqa: E402

PHOTOS = ROOT / "bench" / "photos"


def crop(img: Image.Image, frac: float, anchor: float) -> Image.Image:
    """Cut ``frac`` of the width and height, ``anchor`` of it on the left/top (0.5 = centred)."""
    w, h = img.size
    dx, dy = int(w * frac), int(h * frac)
    left, top = int(dx * anchor), int(dy * anchor)
    return img.crop((left, top, w - (dx - left), h - (dy - top)))


EDITS = {
    "resized": lambda im: (im.resize((im.width * 3 // 5, im.height * 3 // 5), Image.Resampling.LANCZOS), 90),
    "recompressed": lambda im: (im, 55),
    "crop5": lambda im: (crop(im, 0.05, 0.5), 85),
    "crop10": lambda im: (crop(im, 0.10, 0.2).resize((im.width * 4 // 5, im.height * 4 // 5)), 80),
    "edited": lambda im: (ImageEnhance.Contrast(ImageEnhance.Brightness(crop(im, 0.07, 0.7)).enhance(1.15))
                          .enhance(1.1), 88),
}


def make_set(folder: Path) -> tuple[dict[str, str], set[str]]:
    """Fill ``folder``; returns file name -> source name, and the source names of the tune half."""
    sources = sorted(p.stem for p in PHOTOS.glob("*.jpg"))
    truth: dict[str, str] = {}
    for i, name in enumerate(sources):
        shutil.copy2(PHOTOS / f"{name}.jpg", folder / f"{name}.jpg")
        truth[f"{name}.jpg"] = name
        if i % 2 == 0:
            with Image.open(PHOTOS / f"{name}.jpg") as src:
                img = src.convert("RGB")
            for edit, fn in EDITS.items():
                out, quality = fn(img)
                out.save(folder / f"{name}~{edit}.jpg", quality=quality)
                truth[f"{name}~{edit}.jpg"] = name
    tune = {n for i, n in enumerate(sources) if i % 4 == 0}
    return truth, tune


def pairs_of(groups: list[list[str]]) -> set[frozenset[str]]:
    return {frozenset(p) for g in groups for p in itertools.combinations(g, 2)}


def score(found: set[frozenset[str]], truth: dict[str, str], sources: set[str]) -> tuple[float, float, int, int]:
    """(precision, recall, grouped pairs, true pairs) over pairs that touch ``sources``."""
    files = [f for f, s in truth.items() if s in sources]
    true = {frozenset(p) for p in itertools.combinations(files, 2) if truth[p[0]] == truth[p[1]]}
    mine = {p for p in found if any(truth[f] in sources for f in p)}
    hit = len(mine & true)
    return (hit / len(mine) if mine else 1.0), (hit / len(true) if true else 1.0), len(mine), len(true)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    ap.add_argument("--model", default="basic")
    ap.add_argument("--pairs", action="store_true", help="print the similarity and hash distance of pairs")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="photoseek-dups-"))
    try:
        photos = tmp / "photos"
        photos.mkdir()
        truth, tune = make_set(photos)
        home = tmp / "library"
        home.mkdir()
        (home / "config.toml").write_text(f'model = "{args.model}"\n')
        with Library(home) as lib:
            lib.add_folder(photos)
            t0 = time.perf_counter()
            lib.index()
            t1 = time.perf_counter()
            groups = lib.duplicates.groups(args.threshold)
            t2 = time.perf_counter()
            names = [[Path(p.path).name for p in g.photos] for g in groups]
            if args.pairs:
                show_pairs(lib, {f: s for f, s in truth.items() if s in tune})
        found = pairs_of(names)
        print(f"model {args.model}, {len(truth)} photos ({len(set(truth.values()))} sources), threshold "
              f"{args.threshold}, hash distance <= {MAX_DISTANCE}; index {t1 - t0:.1f} s, duplicates "
              f"{t2 - t1:.2f} s, {len(groups)} groups")
        every = set(truth.values())
        for label, part in (("all", every), ("tune half", tune), ("report half (held out)", every - tune)):
            p, r, n_found, n_true = score(found, truth, part)
            print(f"{label:>24}: precision {p:.1%}  recall {r:.1%}  ({n_found} pairs grouped, {n_true} true pairs)")
        wrong = [g for g in names if len({truth[f] for f in g}) > 1]
        for g in wrong:
            print("  mixed group:", ", ".join(g))
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def show_pairs(lib: Library, truth: dict[str, str]) -> None:
    """Similarity and hash distance of every true pair and of the 15 most similar false ones, among ``truth``'s
    files (the tune half: the report half is never printed)."""
    import numpy as np

    photos = {n: p for p in lib.catalog.photos(range(1, 10_000)).values() if (n := Path(p.path).name) in truth}
    vecs = lib.vindex.get([p.id for p in photos.values()])
    hashes = lib.duplicates.hashes(photos.values())
    rows = []
    for a, b in itertools.combinations(sorted(photos), 2):
        pa, pb = photos[a], photos[b]
        sim = float(np.dot(vecs[pa.id], vecs[pb.id]))
        rows.append((truth[a] == truth[b], sim, distance(hashes[pa.id], hashes[pb.id]), a, b))
    for same, sim, dist, a, b in sorted(rows, key=lambda r: -r[1]):
        if same:
            print(f"  true   sim {sim:.3f}  hash {dist:2d}  {a} ~ {b}")
    false = sorted((r for r in rows if not r[0]), key=lambda r: -r[1])[:15]
    false += sorted((r for r in rows if not r[0]), key=lambda r: r[2])[:15]
    for _, sim, dist, a, b in false:
        print(f"  false  sim {sim:.3f}  hash {dist:2d}  {a} ~ {b}")


if __name__ == "__main__":
    raise SystemExit(main())
