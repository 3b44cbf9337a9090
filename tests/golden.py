"""Shared by the parity tests: the PyTorch goldens a make_*_golden.py script wrote, and row-wise cosine."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def load_golden(folder: Path) -> tuple[dict, dict[str, np.ndarray]]:
    meta = json.loads((folder / "golden.json").read_text(encoding="utf-8"))
    with np.load(folder / "golden.npz") as z:
        return meta, {k: z[k] for k in z.files}


def cos_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a / np.linalg.norm(a, axis=1, keepdims=True) * (b / np.linalg.norm(b, axis=1, keepdims=True))).sum(1)


def assert_same_ids(ours: np.ndarray, ref: np.ndarray, strings: list[str]) -> None:
    """Token ids row by row; the message names how many strings differ and the first one."""
    assert ours.shape == ref.shape, (ours.shape, ref.shape)
    bad = [s for i, s in enumerate(strings) if not np.array_equal(ours[i], ref[i])]
    assert not bad, f"{len(bad)} of {len(strings)} strings tokenise differently, first: {bad[0]!r}"
