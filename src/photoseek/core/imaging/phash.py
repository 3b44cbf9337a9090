"""Perceptual hash of a photo: 64 bits that stay (nearly) the same when the photo is resized, recompressed or its
brightness is changed, and differ for a different photo of the same subject.

The DCT hash (pHash): grey levels at 32 x 32, a 2-D DCT, the 8 x 8 lowest frequencies, one bit per coefficient
(above or below their median). Written here rather than taken from ``imagehash`` because that package pulls in
SciPy and PyWavelets for what is one matrix product with NumPy.

A crop moves every low frequency a little, so one hash per photo would call a 10 % crop a different photo (it
measured 18-26 bits away on the bench photos). :func:`image_hash` therefore keeps the hash of the whole photo and of
a few crops of it (centred 95 % and 90 %, and the four corners at 90 %); :func:`distance` compares each photo's
whole hash with the other's crops, so a cropped copy meets its original's crop of about the same frame.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # Pillow loads when a hash is computed, not when the catalog reads stored ones
    from PIL import Image

HASH_VERSION = 2  # stored with every cached hash: a change makes old ones stale (1: the whole photo only)
_SIZE = 32
_LOW = 8
# (left, top, right, bottom) as fractions: the whole photo first, then the crops a copy may have been cut to
CROPS = ((0.0, 0.0, 1.0, 1.0), (0.025, 0.025, 0.975, 0.975), (0.05, 0.05, 0.95, 0.95),
         (0.0, 0.0, 0.9, 0.9), (0.1, 0.0, 1.0, 0.9), (0.0, 0.1, 0.9, 1.0), (0.1, 0.1, 1.0, 1.0))

ImageHash = tuple[int, ...]  # one 64-bit hash per entry of CROPS


@cache
def _dct_matrix(n: int) -> np.ndarray:
    """The orthonormal DCT-II matrix: ``D @ x`` transforms a column vector of ``n`` samples."""
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    d = np.cos(np.pi * (2 * i + 1) * k / (2 * n)) * np.sqrt(2.0 / n)
    d[0] /= np.sqrt(2.0)
    return d.astype(np.float64)


def perceptual_hash(img: Image.Image) -> int:
    """The 64-bit DCT hash of an image (any mode, any size) as an unsigned integer."""
    from PIL import Image

    grey = img if img.mode == "L" else img.convert("L")
    px = np.asarray(grey.resize((_SIZE, _SIZE), Image.Resampling.LANCZOS), dtype=np.float64)
    d = _dct_matrix(_SIZE)
    low = (d @ px @ d.T)[:_LOW, :_LOW].reshape(-1)
    bits = low > np.median(low)
    return int.from_bytes(np.packbits(bits).tobytes(), "big")


def hamming(a: int, b: int) -> int:
    """How many of the 64 bits differ."""
    return (a ^ b).bit_count()


def image_hash(img: Image.Image) -> ImageHash:
    """The hashes of the whole image and of its :data:`CROPS` (about 1 ms for all of them)."""
    grey = img.convert("L")
    if min(grey.size) > 4 * _SIZE:  # the hashes see 32 x 32 anyway: shrink once, not once per crop
        scale = 4 * _SIZE / min(grey.size)
        from PIL import Image

        grey = grey.resize((round(grey.width * scale), round(grey.height * scale)), Image.Resampling.BOX)
    w, h = grey.size
    return tuple(perceptual_hash(grey.crop((round(left * w), round(t * h), round(r * w), round(b * h))))
                 for left, t, r, b in CROPS)


def distance(a: ImageHash, b: ImageHash) -> int:
    """Bits apart, allowing for a crop: the whole of one against the whole or a crop of the other."""
    return min(min(hamming(a[0], y) for y in b), min(hamming(x, b[0]) for x in a))


def to_bytes(h: ImageHash) -> bytes:
    return b"".join(int(x).to_bytes(8, "big") for x in h)


def from_bytes(blob: bytes) -> ImageHash:
    return tuple(int.from_bytes(blob[i : i + 8], "big") for i in range(0, len(blob) - 7, 8))
