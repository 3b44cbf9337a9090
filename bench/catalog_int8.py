"""int8 vs fp32 for every architecture family in the model catalog, on random weights of the real size.

    .venv-torch/bin/python scripts/export_open_clip.py ViT-B-32 bench/out/ViT-B-32-random   # once per family
    .venv-torch/bin/python scripts/export_open_clip.py ViT-B-16-SigLIP2 bench/out/ViT-B-16-SigLIP2-random \
        --tokenizer-dir DIR_WITH_ANY_GEMMA_FORMAT_TOKENIZER   # e.g. tests/data/siglip2_tiny/textual
    .venv-torch/bin/python bench/export_xlmr_random.py bench/out/xlm-roberta-base-ViT-B-32-random
    .venv/bin/python bench/catalog_int8.py [--packs bench/out] [--threads N]

For each family in ``src/photoseek/core/runtime/catalog.json`` the pack ``<packs>/<bench_arch>-random`` (exported
by scripts/export_open_clip.py with random weights, since real weights cannot be downloaded here) is installed as
is and converted to int8 exactly as ``models get`` does; the script prints size, images/s and texts/s of both,
the speed-up (same machine, same run) and the minimum cosine between fp32 and int8 embeddings.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent / "src"))
sys.path.insert(0, str(ROOT))

from quantize import measure  # noqa: E402

from photoseek.core.runtime.catalog import load_catalog  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--packs", type=Path, default=ROOT / "out")
    ap.add_argument("--photos", default=str(ROOT.parent / "tests" / "data" / "photos"))
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--family", action="append", help="only this family (repeatable)")
    a = ap.parse_args()
    rows = []
    for family, info in load_catalog().families.items():
        if a.family and family not in a.family:
            continue
        arch = info["bench_arch"]
        pack = a.packs / f"{arch}-random"
        if not pack.is_dir():
            print(f"{family}: {pack} missing; export it with scripts/export_open_clip.py {arch} {pack}")
            continue
        print(f"== {family} ({arch}, random weights)")
        rows.append((family, arch, measure(str(pack), a.photos, a.threads)))
    print("\nfamily        arch               MB fp32->int8  images/s fp32->int8 (x)   texts/s fp32->int8 (x)  cos img/txt")
    for family, arch, m in rows:
        print(f"{family:<13} {arch:<17} {m['mb_fp32']:6.0f} -> {m['mb_int8']:4.0f}  "
              f"{m['img_fp32']:7.1f} -> {m['img_int8']:6.1f} ({m['img_int8'] / m['img_fp32']:.2f}x)  "
              f"{m['txt_fp32']:7.1f} -> {m['txt_int8']:6.1f} ({m['txt_int8'] / m['txt_fp32']:.2f}x)  "
              f"{m['img_cos_min']:.4f}/{m['txt_cos_min']:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
