"""Words in photos (OCR) and RAW files: quality and speed. Prints numbers; nothing here passes or fails.

    PYTHONPATH=src python bench/text_and_raw.py [--text-photos 24] [--skip-raw] [--skip-ocr]

OCR: a library of the bench photos (no text) plus copies of them with text rendered on (signs, receipts,
screen panels, captions; several fonts and angles: tests/text_photos.py, fixed seed, never tuned on) is indexed
with the built-in pack, then the OCR pass runs. Reported: seconds per photo with and without text; recall of the
word queries (each text photo's distinctive word) by words only (text:"word"), by a plain query (meaning and
words fused) and by meaning alone; and top-1/top-3 of bench/eval_quality.py's queries with fusion on and off
(a text copy of an expected photo counts as that photo).

RAW: DNGs written from a bench photo with a 12 MP sensor (tests/raw_files.py): decode time for the model's input
via the embedded preview and via the half-size develop, next to a JPEG of the same size.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

PHOTOS = ROOT / "bench" / "photos"


# Adversarial signs: a word of an eval_quality query written on a photo that does not show it (a sign reading
# "CAT" on the coffee cup), to see how far words push the meaning results down.
DECOYS = {"cat": "coffee_cup", "boats": "brick_wall", "pagoda": "forest_path", "rocket": "moss_plants",
          "horse": "coins", "kite": "wood_grain", "moss": "kite_sky", "beetle": "lake_dusk"}


def DECOY_NAMES(on: bool) -> list[str]:  # noqa: N802 - reads like the constant it derives from
    return [f"decoy_{w}.jpg" for w in DECOYS] if on else []


def _decoys(root: Path, photos: Path) -> dict[str, str]:
    import random

    from PIL import Image

    from text_photos import _panel, _paste, fonts

    out = {}
    font = fonts()[0]
    root.mkdir(parents=True, exist_ok=True)
    for i, (word, photo) in enumerate(DECOYS.items()):
        img = Image.open(photos / f"{photo}.jpg").convert("RGB")
        size = int(56 * max(img.size) / 1000)
        f = font.font_variant(size=size) if font is not None else None
        panel = _panel([word.upper()], f, (245, 245, 235), (20, 30, 90), size // 2)  # type: ignore[arg-type]
        name = f"decoy_{word}.jpg"
        _paste(img, panel, 0.0, random.Random(i), 0.5).save(root / name, quality=90)
        out[name] = photo
    return out


def bench_ocr(n_text: int, seed: int, decoys: bool) -> None:
    from eval_quality import load_set

    # every query of the bench set, both halves: nothing here is tuned on them
    QUERIES = {q: good for half in load_set("bench").queries.values() for q, good in half.items()}  # noqa: N806

    from photoseek.core.library import Library
    from photoseek.core.search import Searcher, parse_query
    from text_photos import make_text_photos

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "photos"
        sources = _camera_sized(sorted(PHOTOS.glob("*.jpg")), root / "plain")
        made = make_text_photos(sources, root / "text", n_text, seed=seed)
        source_of = {m.path.name: sources[i % len(sources)].stem for i, m in enumerate(made)}
        if decoys:
            source_of.update(_decoys(root / "decoys", root / "plain"))
        lib = Library(Path(tmp) / "lib", model="basic")
        lib.update_settings(text_threads=1)
        try:
            lib.add_folder(root)
            t0 = time.perf_counter()
            rep = lib.index()
            print(f"main pass: {rep.embedded} photos in {time.perf_counter() - t0:.1f} s")
            stamps: list[float] = []
            t0 = time.perf_counter()
            todo = [path for _, path in lib.text.index.pending(lib.text.reader().version)]
            text_rep = lib.text.read(lambda p: stamps.append(time.perf_counter()) or True)
            total = time.perf_counter() - t0
            per = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]  # photo i took stamps[i+1]-stamps[i]
            has_text = {str(m.path) for m in made} | {str(root / "decoys" / n) for n in DECOY_NAMES(decoys)}
            with_t = [s for path, s in zip(todo, per, strict=False) if path in has_text]
            without = [s for path, s in zip(todo, per, strict=False) if path not in has_text]
            print(f"OCR pass: {text_rep.read} photos ({text_rep.with_text} with words found, {text_rep.failed} "
                  f"failed) in {total:.1f} s, 1 thread")
            print(f"  s/photo with text:    median {statistics.median(with_t):.2f}  mean {statistics.fmean(with_t):.2f}")
            print(f"  s/photo without text: median {statistics.median(without):.2f}  mean {statistics.fmean(without):.2f}")

            s = Searcher(lib.catalog, lib.vindex, lib.embedder)

            def meaning_only(q: str, k: int) -> list[str]:
                return [Path(h.path).name for h in s.search_vector(s.query_vector(parse_query(q)), limit=k)]

            r_words = r_fused1 = r_fused3 = r_mean3 = 0
            misses = []
            for m in made:
                # relevant: every photo that shows the word (templates repeat across photos)
                good = {x.path.name for x in made if m.query in (w.lower().strip(":") for w in x.words)}
                words = [Path(h.path).name for h in lib.search(f'text:"{m.query}"', limit=10)]
                fused = [Path(h.path).name for h in lib.search(m.query, limit=10)]
                r_words += bool(good & set(words[:1]))
                r_fused1 += bool(good & set(fused[:1]))
                r_fused3 += bool(good & set(fused[:3]))
                r_mean3 += bool(good & set(meaning_only(m.query, 3)))
                if not good & set(words[:1]):
                    misses.append(f"{m.path.name} ({m.kind}, {m.font}, {m.angle:+.0f} deg): "
                                  f"read {lib.text.text_of(lib.catalog.photo_by_path(str(m.path)).id)!r}")
            n = len(made)
            print(f"word queries ({n} photos with text, {len(sources)} without"
                  + (f", {len(DECOYS)} decoys with eval query words" if decoys else "") + "):")
            print(f"  words only  text:\"word\"  recall@1 {r_words}/{n} = {r_words / n:.0%}")
            print(f"  plain query (fused)      recall@1 {r_fused1}/{n} = {r_fused1 / n:.0%}   "
                  f"recall@3 {r_fused3}/{n} = {r_fused3 / n:.0%}")
            print(f"  meaning only (no OCR)    recall@3 {r_mean3}/{n} = {r_mean3 / n:.0%}")
            for line in misses:
                print(f"    miss: {line}")

            def stem(name: str) -> str:
                return source_of.get(name, Path(name).stem)

            on1 = on3 = off1 = off3 = 0
            for q, good in QUERIES.items():
                fused = [stem(Path(h.path).name) for h in lib.search(q, limit=3)]
                plain = [stem(x) for x in meaning_only(q, 3)]
                on1 += fused[0] in good
                on3 += bool(set(good) & set(fused))
                off1 += plain[0] in good
                off3 += bool(set(good) & set(plain))
            nq = len(QUERIES)
            print(f"meaning queries of eval_quality ({nq}) on the same library:")
            print(f"  fusion off: top-1 {off1}/{nq} = {off1 / nq:.1%}  top-3 {off3}/{nq} = {off3 / nq:.1%}")
            print(f"  fusion on:  top-1 {on1}/{nq} = {on1 / nq:.1%}  top-3 {on3}/{nq} = {on3 / nq:.1%}")
        finally:
            lib.close()


def _camera_sized(sources: list[Path], folder: Path, side: int = 2400) -> list[Path]:
    """The bench photos (about 500 px) upscaled to camera-like size, so decoding and OCR work at real scale."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    for p in sources:
        img = Image.open(p).convert("RGB")
        img.resize((side, int(side * img.height / img.width)), Image.Resampling.BICUBIC).save(folder / p.name,
                                                                                             quality=90)
    return sorted(folder.glob("*.jpg"))


def bench_probe(n: int = 6, repeat: int = 2) -> None:
    """OCR seconds per photo with and without text, with the small detector probe (default) and without it,
    interleaved in one run so machine load hits both alike (best of ``repeat``)."""

    from photoseek.core.imaging.decode import decode
    from photoseek.core.runtime.ocr import TextReader
    from text_photos import make_text_photos

    sources = sorted(PHOTOS.glob("*.jpg"))
    with tempfile.TemporaryDirectory() as tmp:
        big_sources = _camera_sized(sources, Path(tmp) / "big")
        made = make_text_photos(big_sources, Path(tmp) / "text", n, seed=15)
        with_text = [decode(m.path, min_side=768).image for m in made]
        plain = [decode(p, min_side=768).image for p in big_sources[1::5][:n]]
        readers = {"probe 640": TextReader(threads=1), "no probe": TextReader(threads=1, probe_side=0)}
        for r in readers.values():  # load the models outside the timing
            r.read(with_text[0])
        times: dict[tuple[str, str], list[float]] = {}
        for kind, images in (("with text", with_text), ("without text", plain)):
            for img in images:
                for name, r in readers.items():
                    best = min(r.read(img).seconds for _ in range(repeat))
                    times.setdefault((name, kind), []).append(best)
        print(f"OCR s/photo, 1 thread, {n} photos each, best of {repeat} (decoded to ~{max(with_text[0].size)} px, "
              f"read at 1024):")
        for (name, kind), ts in times.items():
            print(f"  {name:9s} {kind:12s}: median {statistics.median(ts):.2f}  mean {statistics.fmean(ts):.2f}")


def bench_raw(repeat: int = 3) -> None:
    from PIL import Image

    from photoseek.core.imaging.decode import decode
    from photoseek.core.imaging.raw import decode_raw
    from raw_files import write_dng

    src = Image.open(PHOTOS / "boats_sunset.jpg").convert("RGB")
    size = (4000, 3000)
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        with_preview = write_dng(t / "preview.dng", src, size=size, preview=(1600, 1200))
        no_preview = write_dng(t / "develop.dng", src, size=size, preview=(160, 120), preview_jpeg=False)
        jpeg = t / "same.jpg"
        src.resize(size).save(jpeg, quality=90)

        def timed(fn) -> float:  # type: ignore[no-untyped-def]
            best = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                fn()
                best.append(time.perf_counter() - t0)
            return min(best)

        pv = timed(lambda: decode_raw(with_preview, 224, max_pixels=10**9))
        dm = timed(lambda: decode_raw(no_preview, 224, max_pixels=10**9))
        jp = timed(lambda: decode(jpeg, min_side=224))
        mb = with_preview.stat().st_size / 1e6
        print(f"RAW decode for a 224 model, 12 MP DNG ({mb:.0f} MB), best of {repeat}:")
        print(f"  embedded preview (1600x1200 JPEG): {pv * 1000:.0f} ms/file")
        print(f"  half-size develop (no usable preview): {dm * 1000:.0f} ms/file")
        print(f"  for scale: a 12 MP JPEG, draft decode: {jp * 1000:.0f} ms/file")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--text-photos", type=int, default=24)
    ap.add_argument("--skip-raw", action="store_true")
    ap.add_argument("--skip-ocr", action="store_true")
    ap.add_argument("--seed", type=int, default=15, help="placement of the text (15: the reported split)")
    ap.add_argument("--decoys", action="store_true", help="add photos with eval_quality query words on them")
    a = ap.parse_args()
    if not a.skip_raw:
        bench_raw()
    if not a.skip_ocr:
        bench_probe()
    if not a.skip_ocr:
        bench_ocr(a.text_photos, a.seed, a.decoys)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
