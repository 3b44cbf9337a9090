from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).parent))

# first, as the `photoseek` command does: its package keeps numpy's BLAS on one thread (set before numpy loads)
import photoseek  # noqa: E402,F401

# isort: split
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from tiny_pack import COLORS, build_tiny_pack  # noqa: E402


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of built-in packs holding the tiny test pack."""
    root = tmp_path_factory.mktemp("builtin-models")
    build_tiny_pack(root / "tiny")
    return root


@pytest.fixture
def home(tmp_path: Path, tiny_models: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty library folder whose default model is the tiny pack."""
    h = tmp_path / "library"
    monkeypatch.setenv("PHOTOSEEK_HOME", str(h))
    monkeypatch.setenv("PHOTOSEEK_BUILTIN_MODELS", str(tiny_models))
    h.mkdir()
    # read_text off: only the tests of the OCR pass pay for it (they turn it on)
    (h / "config.toml").write_text('model = "tiny"\nbatch_size = 8\nread_text = false\n')
    return h


def photo(path: Path, color: str | tuple[int, int, int], size: tuple[int, int] = (320, 240), *, seed: int = 0,
          exif_date: str | None = None, camera: tuple[str, str] | None = None, fmt: str | None = None,
          orientation: int | None = None) -> Path:
    """Write a photo-like image: a colour with a gradient and noise (so JPEG has something to code)."""
    rgb = COLORS[color] if isinstance(color, str) else color
    w, h = size
    rng = np.random.default_rng(seed)
    base = np.asarray(rgb, dtype=np.float32)[None, None, :]
    grad = np.linspace(-20, 20, w, dtype=np.float32)[None, :, None]
    arr = np.clip(base + grad + rng.normal(0, 8, (h, w, 3)), 0, 255).astype(np.uint8)
    img = Image.fromarray(arr, "RGB")
    exif = Image.Exif()
    if exif_date:
        exif.get_ifd(0x8769)[0x9003] = exif_date
    if camera:
        exif[0x010F], exif[0x0110] = camera
    if orientation:
        exif[0x0112] = orientation
    path.parent.mkdir(parents=True, exist_ok=True)
    kwargs = {"exif": exif.tobytes()} if (exif_date or camera or orientation) else {}
    img.save(path, format=fmt, **kwargs)
    return path


@pytest.fixture
def make_photo():
    return photo
