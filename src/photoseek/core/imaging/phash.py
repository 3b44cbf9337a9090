"""Perceptual hash of a photo: 64 bits that stay (nearly) the same when the photo is resized, recompressed, lightly
cropped or its brightness is changed, and differ for a different photo of the same subject.

The DCT hash (pHash): grey levels at 32 x 32, a 2-D DCT, the 8 x 8 lowest frequencies, one bit per coefficient
(above or below their median). Written here rather than taken from ``imagehash`` because that package pulls in
SciPy and PyWavelets for what is one matrix product with NumPy.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from PIL import Image

HASH_VERSION = 1  # stored with every cached hash: a change to the algorithm makes old hashes stale
_SIZE = 32
_LOW = 8


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
    grey = img.convert("L").resize((_SIZE, _SIZE), Image.Resampling.LANCZOS)
    px = np.asarray(grey, dtype=np.float64)
    d = _dct_matrix(_SIZE)
    low = (d @ px @ d.T)[:_LOW, :_LOW].reshape(-1)
    bits = low > np.median(low)
    return int.from_bytes(np.packbits(bits).tobytes(), "big")


def hamming(a: int, b: int) -> int:
    """How many of the 64 bits differ."""
    return (a ^ b).bit_count()
