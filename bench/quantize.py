"""Int8 dynamic quantization of a pack (``models install --quantize``): image/text throughput and cosine to fp32.

    python bench/quantize.py PACK_DIR [--photos DIR]

Installs the pack twice into a temporary library (as is, and quantized), embeds the same photos and texts with
both, and prints throughput of each and the min/mean cosine between their embeddings.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent / "src"))

from photoseek.core.imaging.decode import decode  # noqa: E402
from photoseek.core.runtime.embedder import Embedder  # noqa: E402
from photoseek.core.runtime.registry import ModelRegistry  # noqa: E402

TEXTS = ["a dog on the beach", "sunset over mountains", "a bowl of fruit", "city at night", "a cat asleep",
         "snowy forest", "a red car", "people at a party"]


def rate(fn, n: int, repeat: int = 3) -> float:
    fn()  # warm up
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return n / best


def measure(pack: str, photos_dir: str, threads: int | None = None) -> dict[str, float]:
    """Install ``pack`` as is and quantized; return throughputs, ratios and cosines (and print them)."""
    reg = ModelRegistry(Path(tempfile.mkdtemp(prefix="photoseek-q-")))
    fp32 = reg.install(pack, name="fp32")
    t = time.perf_counter()
    int8 = reg.install(pack, name="q", quantize=True)
    print(f"quantized in {time.perf_counter() - t:.1f} s: {fp32.size_bytes() / 1e6:.0f} MB -> {int8.size_bytes() / 1e6:.0f} MB")
    photos = sorted(p for p in Path(photos_dir).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    e32, e8 = Embedder(fp32, threads=threads), Embedder(int8, threads=threads)
    pixels = np.stack([e32.preprocess(decode(p, min_side=fp32.preprocess.min_side).image) for p in photos])
    pixels = np.concatenate([pixels] * max(1, 16 // len(pixels)))[:16]
    i32, i8 = e32.embed_pixels(pixels), e8.embed_pixels(pixels)
    t32, t8 = e32.embed_texts(TEXTS), e8.embed_texts(TEXTS)
    cos_i, cos_t = (i32 * i8).sum(1), (t32 * t8).sum(1)
    r32 = rate(lambda: e32.embed_pixels(pixels), len(pixels))
    r8 = rate(lambda: e8.embed_pixels(pixels), len(pixels))
    print(f"images: fp32 {r32:.1f}/s, int8 {r8:.1f}/s, ratio {r8 / r32:.2f}x; cosine min {cos_i.min():.4f} "
          f"mean {cos_i.mean():.4f}")
    s32 = rate(lambda: e32.embed_texts(TEXTS), len(TEXTS))
    s8 = rate(lambda: e8.embed_texts(TEXTS), len(TEXTS))
    print(f"texts:  fp32 {s32:.1f}/s, int8 {s8:.1f}/s, ratio {s8 / s32:.2f}x; cosine min {cos_t.min():.4f} "
          f"mean {cos_t.mean():.4f}")
    return {"mb_fp32": fp32.size_bytes() / 1e6, "mb_int8": int8.size_bytes() / 1e6, "img_fp32": r32, "img_int8": r8,
            "img_cos_min": float(cos_i.min()), "txt_fp32": s32, "txt_int8": s8, "txt_cos_min": float(cos_t.min())}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("pack")
    ap.add_argument("--photos", default=str(ROOT.parent / "tests" / "data" / "photos"))
    a = ap.parse_args()
    measure(a.pack, a.photos)
    return 0


if __name__ == "__main__":
    sys.exit(main())
