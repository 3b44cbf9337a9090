"""Indexing throughput and text-query latency, against a naive pipeline measured in the same run.

    python bench/index_throughput.py [--pack PATH] [--count 24] [--threads N]

The photo folders are generated (photo-like: gradients, shapes and noise) as 12 MP and 2 MP JPEGs and cached in
bench/out/. Our pipeline is the real one (Library.index: hash + draft-mode decode on a pool, overlapped with
the model, batches committed to SQLite and USearch). The naive one decodes each file fully, resizes, embeds,
one after the other, with no overlap. Both use the same model pack and ONNX Runtime thread count.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent / "src"))

from photoseek.core.library import Library  # noqa: E402
from photoseek.core.runtime.embedder import Embedder  # noqa: E402
from photoseek.core.runtime.pack import ModelPack  # noqa: E402
from photoseek.core.runtime.registry import ModelRegistry  # noqa: E402


def make_photos(folder: Path, count: int, size: tuple[int, int], seed: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = sorted(folder.glob("*.jpg"))
    if len(paths) >= count:
        return paths[:count]
    rng = np.random.default_rng(seed)
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    for i in range(len(paths), count):
        c0, c1 = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
        t = ((xx / w) * rng.uniform(0.3, 1) + (yy / h) * rng.uniform(0.3, 1))[..., None] / 2
        img = c0 * (1 - t) + c1 * t
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(h / 8, h / 3)
        disk = ((xx - cx) ** 2 + (yy - cy) ** 2 < r * r)[..., None]
        img = np.where(disk, rng.uniform(0, 255, 3), img)
        img += rng.normal(0, 6, (h, w, 3)).astype(np.float32)
        Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(folder / f"IMG_{i:04d}.jpg", quality=90)
    return sorted(folder.glob("*.jpg"))[:count]


def naive(paths: list[Path], emb: Embedder, batch: int) -> float:
    start = time.perf_counter()
    for i in range(0, len(paths), batch):
        pixels = []
        for p in paths[i : i + batch]:
            with Image.open(p) as im:
                pixels.append(emb.preprocess(im.convert("RGB")))  # full decode, then resize
        emb.embed_pixels(np.stack(pixels))
    return len(paths) / (time.perf_counter() - start)


def ours(folder: Path, pack: ModelPack, threads: int | None) -> tuple[float, Library]:
    home = Path(tempfile.mkdtemp(prefix="photoseek-bench-"))
    os.environ["PHOTOSEEK_HOME"] = str(home)
    lib = Library(home, model=str(pack.root), threads=threads)
    lib.add_folder(folder)
    start = time.perf_counter()
    r = lib.index()
    rate = r.embedded / (time.perf_counter() - start)
    return rate, lib


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pack", help="model pack folder (default: the built-in pack)")
    ap.add_argument("--count", type=int, default=24, help="photos per size (default 24)")
    ap.add_argument("--threads", type=int, default=None, help="ONNX Runtime threads (default: cores - 1)")
    a = ap.parse_args()
    out = ROOT / "out"
    if a.pack:
        pack = ModelPack.load(a.pack)
    else:
        pack = ModelRegistry(Path(tempfile.mkdtemp())).resolve("basic")
    print(f"model pack: {pack.id} ({pack.embed_dim}-d, input {pack.preprocess.size}), cores: {os.cpu_count()}")
    emb = Embedder(pack, threads=a.threads)
    emb.embed_pixels(np.zeros((1, 3, *pack.preprocess.size), np.float32))  # load + warm up before timing
    for label, size in (("12 MP", (4000, 3000)), ("2 MP", (1600, 1200))):
        folder = out / f"photos-{size[0]}x{size[1]}"
        paths = make_photos(folder, a.count, size, seed=size[0])
        for p in paths:  # same page-cache state for both runs
            p.read_bytes()
        base = naive(paths, emb, 16)
        rate, lib = ours(folder, pack, a.threads)
        print(f"{label:>5} JPEG: ours {rate:6.1f} img/s   naive {base:6.1f} img/s   ratio {rate / base:4.2f}x")
        if label == "2 MP":
            queries = ["a dog on the beach", "sunset over mountains", "birthday cake", "red car in the snow"]
            lib.search(queries[0])  # first query loads the text model
            times = []
            for i in range(40):
                t = time.perf_counter()
                lib.search(queries[i % len(queries)], limit=20)
                times.append((time.perf_counter() - t) * 1000)
            print(f"text query latency: median {statistics.median(times):.1f} ms, "
                  f"p95 {sorted(times)[int(len(times) * 0.95) - 1]:.1f} ms ({len(lib.vindex)} photos indexed)")
        lib.close()
        shutil.rmtree(lib.home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
