#!/usr/bin/env python3
"""Build the tiny random-weight CLIP pack and the PyTorch golden references for tests/integration/test_clip_parity.py.

    /work/buildvenv/bin/python scripts/make_parity_golden.py                      # pack + goldens from tests/data/photos
    /work/buildvenv/bin/python scripts/make_parity_golden.py --skimage-data DIR --mate-backgrounds DIR   # + photos

What it does (see docs/clip-packs.md):

1. registers a scaled-down open_clip config with the same layer types as ViT-B-32 (ViT, patch 32, image 224,
   cls-token pooling, causal text transformer, context 77, vocab 49408; width 128/64, 3 layers), creates it with
   random weights (seed 0) and rounds every weight to float16-representable values, so that the pack can store the
   big tensors as fp16 losslessly (compute stays float32 in both PyTorch and ONNX);
2. exports it with scripts/export_open_clip.py to tests/data/clip_tiny/;
3. computes references with open_clip's own model and tokenizer and CLIP's reference preprocessing (full decode,
   bicubic resize of the short side, centre crop with int(round(...)), /255, normalise), written here with Pillow
   because torchvision is not installed (torchvision's Resize on PIL images calls PIL's bicubic resize);
4. writes tests/data/clip_tiny_golden/{golden.npz,golden.json}.

Needs the build venv (torch, open-clip-torch, ftfy, onnx, tokenizers); the test itself needs none of those.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO / "src"))

import export_open_clip as E  # noqa: E402

ARCH = "PhotoSeek-Tiny-ViT-B-32-arch"
TINY_CFG = {
    "embed_dim": 64,
    "vision_cfg": {"image_size": 224, "layers": 3, "width": 128, "patch_size": 32},
    "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 3},
}
SEED = 0
PACK = REPO / "tests" / "data" / "clip_tiny"
GOLDEN = REPO / "tests" / "data" / "clip_tiny_golden"
PHOTOS = REPO / "tests" / "data" / "photos"

# name -> (source file relative to its package dir, long side to downscale to or None)
SKIMAGE_PHOTOS = {
    "astronaut.jpg": ("astronaut.png", None),
    "coffee.jpg": ("coffee.png", None),
    "chelsea.jpg": ("chelsea.png", None),
    "rocket.jpg": ("rocket.jpg", None),
}
MATE_PHOTOS = {
    "ladybird.jpg": ("nature/LadyBird.jpg", 1600),
    "storm.jpg": ("nature/Storm.jpg", 1500),
}

TEXTS = [
    "a photo of a cat",
    "a dog playing in the snow",
    "sunset over the ocean",
    "an astronaut in a spacesuit",
    "a cup of coffee on a table",
    "a rocket launch at night",
    "a ladybird on a green leaf",
    "dark storm clouds over a field",
    "Birthday party with friends 🎂🎉",
    "Paris, la tour Eiffel sous la pluie",
    "東京の夜景",
    "mountain lake — early morning",
    "my kids at the beach in 2019",
    "Don’t forget the “red” umbrella",
    "receipt from the café & restaurant",
    "",
    "a very long description " * 12,
    "BLUE CAR parked next to a white house",
    "Hund im Schnee, Straße",
    "x-ray of a hand",
]

TOKEN_STRINGS = [
    "a photo of a cat",
    "A PHOTO OF A CAT",
    "",
    "   ",
    "  leading and trailing spaces  ",
    "tabs\tand\nnewlines\r\nmixed   whitespace",
    "naïve café résumé façade",
    "Crème brûlée à la française",
    "Ångström Øresund Ærø",
    "straße Ärger Öl Übermut",
    "İstanbul ıslak",
    "Ελληνικά γράμματα",
    "русский текст, ёлка",
    "東京タワーの夜景",
    "北京烤鸭 和 上海",
    "한국어 텍스트",
    "עברית וערבית العربية",
    "हिन्दी पाठ",
    "ไทย ภาษา",
    "😀😃😄 emoji party 🎉🎂",
    "👨‍👩‍👧‍👦 family emoji ZWJ",
    "flags 🇫🇷🇯🇵 and skin tones 👍🏽",
    "Tom &amp; Jerry",
    "&lt;b&gt;bold&lt;/b&gt; text",
    "fish &amp;amp; chips (double escaped)",
    "AT&T and R&D &copy; 2024",
    "5 &gt; 3 <but this has a tag>",
    "Don’t stop “believing”",
    "‘single’ quotes and „low“ quotes",
    "ﬁnal ﬂight ligatures",
    "ＦＵＬＬＷＩＤＴＨ　ｔｅｘｔ １２３",
    "ｶﾀｶﾅ halfwidth katakana",
    "combining: e\u0301 versus é",
    "zero\u200bwidth\u200bspace and soft\u00adhyphen",
    "non\u00a0breaking\u00a0space",
    "punctuation!!! ??? ... --- ;;; :::",
    "it's we've they're I'm you'll he'd",
    "IT'S WE'VE THEY'RE",
    "numbers 1234567890 3.14159 1,000,000",
    "2019-07-14 12:30:00 IMG_4032.JPG",
    "https://example.com/path?q=1&x=2#frag",
    "email@example.com #hashtag @mention",
    "C++ and C# and F#",
    "$100 €50 £20 ¥1000 ₹500",
    "math: ∑ ∫ √ ∞ ≠ ≤ ≥ π",
    "<start_of_text> literal special tokens <end_of_text>",
    "word " * 100,
    "supercalifragilisticexpialidocious antidisestablishmentarianism " * 8,
    "\u00e9\u0301\u0302 stacked accents",
    "a",
]

assert len(TOKEN_STRINGS) == 50, len(TOKEN_STRINGS)
assert len(TEXTS) == 20, len(TEXTS)


# ---------------------------------------------------------------------------------------------------------------
def prepare_photos(skimage_data: Path | None, mate_dir: Path | None) -> None:
    """Copy/convert the test photos into tests/data/photos (JPEG; PNG sources re-encoded at quality 92)."""
    PHOTOS.mkdir(parents=True, exist_ok=True)
    jobs = []
    if skimage_data:
        jobs += [(skimage_data / src, name, long) for name, (src, long) in SKIMAGE_PHOTOS.items()]
    if mate_dir:
        jobs += [(mate_dir / src, name, long) for name, (src, long) in MATE_PHOTOS.items()]
    for src, name, long in jobs:
        dst = PHOTOS / name
        if src.suffix.lower() in (".jpg", ".jpeg") and long is None:
            dst.write_bytes(src.read_bytes())  # keep the original JPEG bytes
        else:
            im = Image.open(src).convert("RGB")
            if long and max(im.size) > long:
                s = long / max(im.size)
                im = im.resize((round(im.width * s), round(im.height * s)), Image.Resampling.LANCZOS)
            im.save(dst, "JPEG", quality=92)
        print(f"  photo {name}: {Image.open(dst).size}, {dst.stat().st_size} bytes")


def reference_pixels(path: Path, pre: dict) -> np.ndarray:
    """CLIP's eval transform (open_clip image_transform, resize_mode 'shortest') on a fully decoded image."""
    assert pre["resize_mode"] == "shortest" and pre["interpolation"] == "bicubic"
    th, tw = pre["size"]
    assert th == tw
    with Image.open(path) as im:
        im.load()
        img = ImageOps.exif_transpose(im).convert("RGB")
    # torchvision.transforms.Resize(th): short side -> th, long side -> int(th * long / short); PIL bicubic
    w, h = img.size
    nw, nh = (th, int(th * h / w)) if w <= h else (int(th * w / h), th)
    img = img.resize((nw, nh), Image.Resampling.BICUBIC)
    # torchvision.transforms.CenterCrop: top = int(round((h - th) / 2.0))
    top, left = int(round((nh - th) / 2.0)), int(round((nw - tw) / 2.0))
    img = img.crop((left, top, left + tw, top + th))
    x = np.asarray(img, dtype=np.float32) / 255.0  # ToTensor
    x = (x - np.asarray(pre["mean"], np.float32)) / np.asarray(pre["std"], np.float32)  # Normalize
    return x.transpose(2, 0, 1).copy()


def cos_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(1)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--skimage-data", type=Path, help="skimage/data folder (from the scikit-image wheel)")
    ap.add_argument("--mate-backgrounds", type=Path, help="usr/share/backgrounds/mate of the mate-backgrounds .deb")
    args = ap.parse_args()
    if args.skimage_data or args.mate_backgrounds:
        prepare_photos(args.skimage_data, args.mate_backgrounds)
    photos = sorted(PHOTOS.glob("*.jpg"))
    assert photos, f"no photos in {PHOTOS}"

    import ftfy
    import torch

    open_clip = E.import_open_clip()
    from open_clip.tokenizer import SimpleTokenizer

    with tempfile.TemporaryDirectory() as td:
        (Path(td) / f"{ARCH}.json").write_text(json.dumps(TINY_CFG), encoding="utf-8")
        open_clip.add_model_config(td)
    model = E.create_model(open_clip, ARCH, None, SEED)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.half().float())  # fp16-representable weights: fp16 storage in the pack is then lossless

    manifest = E.export_pack(
        open_clip,
        model,
        ARCH,
        PACK,
        pack_id="clip-tiny-random",
        name="Tiny random-weight CLIP (ViT-B-32 layer types) for parity tests",
        license="MIT",
        source=f"scripts/make_parity_golden.py: open_clip {open_clip.__version__} {ARCH}, random init seed {SEED}",
        fp16_min_elements=1 << 14,
        extra_manifest={"open_clip_version": open_clip.__version__, "torch_version": torch.__version__},
    )
    pre = json.loads((PACK / "visual" / "preprocess_cfg.json").read_text())

    tok = SimpleTokenizer(context_length=TINY_CFG["text_cfg"]["context_length"])
    pixels = np.stack([reference_pixels(p, pre) for p in photos])
    with torch.no_grad():
        img_emb = model.encode_image(torch.from_numpy(pixels), normalize=True).numpy()
        txt_ids = tok(TEXTS)
        txt_emb = model.encode_text(txt_ids, normalize=True).numpy()
    token_ids = tok(TOKEN_STRINGS).numpy()

    # how much the random model notices preprocessing mistakes (for the record; the test checks pixels too)
    sens = {}
    with torch.no_grad():

        def emb(x: np.ndarray) -> np.ndarray:
            return model.encode_image(torch.from_numpy(np.ascontiguousarray(x)), normalize=True).numpy()

        mean, std = np.asarray(pre["mean"], np.float32)[:, None, None], np.asarray(pre["std"], np.float32)[:, None, None]
        raw = pixels * std + mean
        sens["bgr"] = float(cos_rows(img_emb, emb((raw[:, ::-1] - mean) / std)).min())
        sens["no_normalize"] = float(cos_rows(img_emb, emb(raw)).min())
        sens["shift_1px"] = float(cos_rows(img_emb, emb(np.roll(pixels, 1, axis=3))).min())
    GOLDEN.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        GOLDEN / "golden.npz",
        image_embeddings=img_emb.astype(np.float32),
        text_embeddings=txt_emb.astype(np.float32),
        text_token_ids=txt_ids.numpy().astype(np.int32),
        token_ids=token_ids.astype(np.int32),
        reference_pixels=pixels.astype(np.float16),
    )
    meta = {
        "generator": "scripts/make_parity_golden.py",
        "arch": ARCH,
        "arch_config": TINY_CFG,
        "seed": SEED,
        "open_clip_version": open_clip.__version__,
        "torch_version": torch.__version__,
        "ftfy_version": ftfy.__version__,
        "pack_manifest_files": manifest["files"],
        "photos": [p.name for p in photos],
        "texts": TEXTS,
        "token_strings": TOKEN_STRINGS,
        "sensitivity_min_cosine": sens,
    }
    (GOLDEN / "golden.json").write_text(json.dumps(meta, indent=1, ensure_ascii=True) + "\n", encoding="utf-8")
    print(json.dumps({"photos": meta["photos"], "sensitivity": sens}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
