"""Search quality of model packs on the two public photo sets (runtime deps only).

    PYTHONPATH=src python bench/eval_quality.py [--pack models/basic --pack /tmp/other] [--set set2] [-v]

Photo sets: ``bench`` (bench/photos/, 34 photos; the first built-in pack was tuned on its queries) and ``set2``
(bench/photos/set2/, 71 photos from other packages; queries written before any model ran on it). Each set's
``queries.json`` splits its queries into a ``tune`` half (grid searches may look at it) and a ``report`` half
(nothing that tunes may load it: :func:`seal_report_split` makes :func:`load_set` refuse it for the rest of the
process, and models/tune_basic.py calls it before it loads anything).

Text search: every query names the photo(s) a user would expect; top-1 = the best hit is one of them, top-3 = one
of them is among the first three, MRR = mean over queries of 1 / rank of the first right photo.
Find-similar: (a) near-duplicates: each listed photo is queried against the whole set plus edited copies (crop,
resize, brightness, JPEG); the best hit must be its own copy. (b) same category: the best other photo (copies
excluded) must be in the same group.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from photoseek.core.runtime.embedder import Embedder  # noqa: E402
from photoseek.core.runtime.pack import ModelPack  # noqa: E402

QUERIES_FORMAT = 1
PHOTO_SETS = {"bench": ROOT / "bench" / "photos", "set2": ROOT / "bench" / "photos" / "set2"}


class Split(StrEnum):
    TUNE = "tune"
    REPORT = "report"


class ReportSplitSealed(RuntimeError):
    """Raised when code that tunes asks for the report half."""


_report_sealed = False


def seal_report_split() -> None:
    """From now on this process cannot load any report half (called first thing by every tuning script)."""
    global _report_sealed
    _report_sealed = True


@dataclass(frozen=True)
class PhotoSet:
    name: str
    folder: Path
    photos: list[str]  # file stems, sorted
    queries: dict[Split, dict[str, list[str]]]  # split -> query -> photos that count as a right answer
    near_duplicates: list[str]
    groups: dict[str, list[str]]

    def images(self) -> list[Image.Image]:
        return [Image.open(self.folder / f"{n}.jpg").convert("RGB") for n in self.photos]

    def edited_copies(self, images: list[Image.Image]) -> list[Image.Image]:
        return [edited(images[self.photos.index(n)], i) for i, n in enumerate(self.near_duplicates)]


def load_set(name: str, splits: tuple[Split, ...] = (Split.TUNE, Split.REPORT)) -> PhotoSet:
    if Split.REPORT in splits and _report_sealed:
        raise ReportSplitSealed(f"the report half of {name!r} is sealed in this process (a tuning script runs)")
    folder = PHOTO_SETS[name]
    data = json.loads((folder / "queries.json").read_text(encoding="utf-8"))
    if data.get("format") != QUERIES_FORMAT:
        raise ValueError(f"{folder / 'queries.json'}: format {data.get('format')!r}, expected {QUERIES_FORMAT}")
    photos = sorted(p.stem for p in folder.glob("*.jpg"))
    queries = {s: dict(data[s.value]) for s in splits}
    named = {p for qs in queries.values() for ps in qs.values() for p in ps}
    named |= set(data["near_duplicates"]) | {p for g in data["groups"].values() for p in g}
    missing = named - set(photos)
    if missing:
        raise ValueError(f"{folder / 'queries.json'} names photos that are not there: {sorted(missing)}")
    return PhotoSet(name, folder, photos, queries, list(data["near_duplicates"]), dict(data["groups"]))


def edited(img: Image.Image, i: int) -> Image.Image:
    """A deterministic edit of the kind phones and editors make: crop, resize, brightness, recompression."""
    w, h = img.size
    f = 0.8 if i % 2 == 0 else 0.88
    dx, dy = int(w * (1 - f) * (0.3 + 0.4 * (i % 3) / 2)), int(h * (1 - f) * 0.5)
    out = img.crop((dx, dy, dx + int(w * f), dy + int(h * f))).resize((int(w * 0.7), int(h * 0.7)), Image.BICUBIC)
    out = ImageEnhance.Brightness(out).enhance(1.2 if i % 2 else 0.85)
    buf = io.BytesIO()
    out.save(buf, "JPEG", quality=70)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


@dataclass(frozen=True)
class TextScore:
    n: int
    top1: int
    top3: int
    mrr: float

    def row(self) -> str:
        return f"{self.n:>4}  {self.top1 / self.n:6.1%}  {self.top3 / self.n:6.1%}  {self.mrr:.3f}"


def text_score(
    photos: list[str], img: np.ndarray, queries: dict[str, list[str]], txt: np.ndarray, verbose: bool = False
) -> TextScore:
    """``img`` [photos, D] and ``txt`` [queries, D] are L2-normalised; ranking by cosine."""
    sims = txt @ img.T
    top1 = top3 = 0
    rr = 0.0
    for qi, (q, good_list) in enumerate(queries.items()):
        order = [photos[j] for j in np.argsort(-sims[qi], kind="stable")]
        good = set(good_list)
        rank = next(i for i, p in enumerate(order) if p in good) + 1
        top1 += rank == 1
        top3 += rank <= 3
        rr += 1.0 / rank
        if verbose and rank > 1:
            print(
                f"  miss{'' if rank <= 3 else ' (not in top-3)'}: {q!r} -> {order[:3]} (want {sorted(good)}, rank {rank})"
            )
    return TextScore(len(queries), top1, top3, rr / max(1, len(queries)))


def similar_score(
    ps: PhotoSet, img: np.ndarray, copies: np.ndarray, verbose: bool = False
) -> dict[str, tuple[int, int]]:
    """(hits, total) for find-similar near-duplicates and same-category."""
    names = ps.photos
    gallery = np.concatenate([img, copies])
    gnames = names + [f"{n}~copy" for n in ps.near_duplicates]
    dup_ok = 0
    for n in ps.near_duplicates:
        s = gallery @ img[names.index(n)]
        s[names.index(n)] = -np.inf
        best = gnames[int(np.argmax(s))]
        dup_ok += best == f"{n}~copy"
        if verbose and best != f"{n}~copy":
            print(f"  near-dup miss: {n} -> {best}")
    cat_ok = cat_n = 0
    for g, members in ps.groups.items():
        for m in members:
            s = img @ img[names.index(m)]
            s[names.index(m)] = -np.inf
            best = names[int(np.argmax(s))]
            cat_n += 1
            cat_ok += best in members
            if verbose and best not in members:
                print(f"  same-category miss ({g}): {m} -> {best}")
    return {"near-duplicate": (dup_ok, len(ps.near_duplicates)), "same-category": (cat_ok, cat_n)}


def evaluate(
    emb: Embedder, ps: PhotoSet, verbose: bool = False, verbose_report: bool = False
) -> tuple[dict[Split, TextScore], dict[str, tuple[int, int]]]:
    """Text scores per split and find-similar scores; misses are printed for the tune half only, unless
    ``verbose_report`` (reading the report half's misses while tuning would make it a tuning set)."""
    images = ps.images()
    img = emb.embed_images(images)
    copies = emb.embed_images(ps.edited_copies(images))
    text = {}
    for split, qs in ps.queries.items():
        show = verbose and (split is Split.TUNE or verbose_report)
        if show:
            print(f" {ps.name} / {split.value} misses:")
        text[split] = text_score(ps.photos, img, qs, emb.embed_texts(list(qs)), show)
    return text, similar_score(ps, img, copies, verbose)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pack", action="append", help="pack folder (repeat to compare; default models/basic)")
    ap.add_argument("--set", choices=sorted(PHOTO_SETS), action="append", help="photo set (default: both)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print the misses of the tune half and find-similar")
    ap.add_argument(
        "--verbose-report", action="store_true", help="also print the report half's misses (not while tuning)"
    )
    args = ap.parse_args(argv)
    packs = args.pack or [str(ROOT / "models" / "basic")]
    sets = [load_set(n) for n in (args.set or sorted(PHOTO_SETS))]

    for path in packs:
        t0 = time.perf_counter()
        pack = ModelPack.load(path)
        emb = Embedder(pack)
        print(f"pack {pack.id} ({pack.name}) from {path}")
        print(f"  {'photo set':<12}{'split':<8}{'n':>4}  {'top-1':>6}  {'top-3':>6}  MRR")
        similar = {}
        for ps in sets:
            text, similar[ps.name] = evaluate(emb, ps, args.verbose, args.verbose_report)
            for split, score in text.items():
                print(f"  {ps.name + f' ({len(ps.photos)})':<12}{split.value:<8}{score.row()}")
        for name, sim in similar.items():
            parts = ", ".join(f"{k} {ok}/{n} = {ok / n:.1%}" for k, (ok, n) in sim.items())
            print(f"  find-similar {name}: {parts}")
        print(f"  ({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
