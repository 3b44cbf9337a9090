"""Turn a decoded image into model input, following the pack's ``preprocess_cfg.json``.

The reference is open_clip's transform (torchvision Resize + CenterCrop + ToTensor + Normalize on a PIL image),
written here with Pillow and numpy alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # Pillow loads when pixels are prepared, not when a pack's config is read for a text search
    from PIL import Image

# interpolation name in preprocess_cfg.json -> member of PIL.Image.Resampling
_INTERP = {
    "bicubic": "BICUBIC",
    "bilinear": "BILINEAR",
    "nearest": "NEAREST",
    "lanczos": "LANCZOS",
    "box": "BOX",
}


@dataclass(frozen=True)
class PreprocessConfig:
    size: tuple[int, int]  # (height, width)
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    interpolation: str = "bicubic"
    resize_mode: str = "shortest"  # "shortest" (resize + center crop), "longest" (fit + pad), "squash"
    fill_color: int = 0

    @property
    def min_side(self) -> int:
        """Smallest short side a decoded image needs so resizing never upsamples."""
        return max(self.size)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PreprocessConfig:
        size = d.get("size", 224)
        if isinstance(size, int | float):
            hw = (int(size), int(size))
        else:
            hw = (int(size[0]), int(size[1]))
        mean = tuple(float(x) for x in d.get("mean", (0.48145466, 0.4578275, 0.40821073)))
        std = tuple(float(x) for x in d.get("std", (0.26862954, 0.26130258, 0.27577711)))
        if len(mean) != 3 or len(std) != 3:
            raise ValueError("mean and std must have three values")
        interp = str(d.get("interpolation", "bicubic")).lower()
        if interp not in _INTERP:
            raise ValueError(f"unknown interpolation {interp!r}")
        mode = str(d.get("resize_mode", "shortest")).lower()
        if mode not in ("shortest", "longest", "squash"):
            raise ValueError(f"unknown resize_mode {mode!r}")
        return cls(
            size=hw,
            mean=mean,  # type: ignore[arg-type]
            std=std,  # type: ignore[arg-type]
            interpolation=interp,
            resize_mode=mode,
            fill_color=int(d.get("fill_color", 0)),
        )

    @classmethod
    def load(cls, path: Path) -> PreprocessConfig:
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))


def _resize_shortest(img: Image.Image, target: int, resample: Image.Resampling) -> Image.Image:
    # torchvision.transforms.Resize(int): short side -> target, long side -> int(target * long / short)
    w, h = img.size
    if w <= h:
        nw, nh = target, int(target * h / w)
    else:
        nw, nh = int(target * w / h), target
    if (nw, nh) == (w, h):
        return img
    return img.resize((nw, nh), resample)


def _center_crop(img: Image.Image, th: int, tw: int, fill: int) -> Image.Image:
    from PIL import Image

    w, h = img.size
    if w < tw or h < th:  # torchvision pads first when the image is smaller than the crop
        canvas = Image.new("RGB", (max(w, tw), max(h, th)), (fill, fill, fill))
        canvas.paste(img, ((max(w, tw) - w) // 2, (max(h, th) - h) // 2))
        img, (w, h) = canvas, canvas.size
    top = int(round((h - th) / 2.0))
    left = int(round((w - tw) / 2.0))
    return img.crop((left, top, left + tw, top + th))


@cache
def _normalisation(mean: tuple[float, ...], std: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    m, sd = np.asarray(mean, dtype=np.float64)[:, None, None], np.asarray(std, dtype=np.float64)[:, None, None]
    return (1.0 / (255.0 * sd)).astype(np.float32), (-m / sd).astype(np.float32)


def to_model_input(img: Image.Image, cfg: PreprocessConfig) -> np.ndarray:
    """RGB PIL image -> float32 array [3, H, W], normalised as the pack says."""
    from PIL import Image

    th, tw = cfg.size
    resample = getattr(Image.Resampling, _INTERP[cfg.interpolation])
    if img.mode != "RGB":
        img = img.convert("RGB")
    if cfg.resize_mode == "squash":
        img = img.resize((tw, th), resample)
    elif cfg.resize_mode == "longest":
        w, h = img.size
        scale = min(tw / w, th / h)
        nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
        img = img.resize((nw, nh), resample)
        canvas = Image.new("RGB", (tw, th), (cfg.fill_color,) * 3)
        canvas.paste(img, ((tw - nw) // 2, (th - nh) // 2))
        img = canvas
    else:
        img = _resize_shortest(img, min(th, tw) if th != tw else th, resample)
        img = _center_crop(img, th, tw, cfg.fill_color)
    # (x / 255 - mean) / std as one multiply-add per pixel, written straight into the [3, H, W] float32 result
    mul, add = _normalisation(cfg.mean, cfg.std)
    out = np.empty((3, th, tw), dtype=np.float32)
    np.multiply(np.asarray(img).transpose(2, 0, 1), mul, out=out, casting="unsafe")
    out += add
    return out
