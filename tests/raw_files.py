"""Real DNG files for tests and benchmarks, written here with ``tifffile``.

No registry package we could find ships small camera RAW files, so we write DNGs the way a camera (or Adobe's
converter) lays them out: IFD0 holds an 8-bit preview (a baseline JPEG, as cameras embed it, or an uncompressed
RGB bitmap) with Make/Model/Orientation/DateTime and the DNG colour tags; SubIFD 0 holds the 12-bit RGGB Bayer
mosaic with black and white levels. The mosaic is made from a real photo (linearised, then sampled per Bayer
site), so LibRaw's demosaic gives back a picture of that photo, not noise. LibRaw reads these files like any DNG.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import tifffile
from PIL import Image

# XYZ (D65) -> linear sRGB: the camera "sees" linear sRGB, so LibRaw's colour pipeline gives sRGB back.
_XYZ_TO_CAM = (3.2406, -1.5372, -0.4986, -0.9689, 1.8758, 0.0415, 0.0557, -0.2040, 1.0570)
_BLACK, _WHITE = 64, 4095


def _srational(values: tuple[float, ...]) -> list[int]:
    out: list[int] = []
    for v in values:
        out += [int(round(v * 10000)), 10000]
    return out


def _jpeg_passthrough(*_: object, **__: object) -> bytes:  # pragma: no cover - never called
    raise RuntimeError("previews are handed to tifffile already JPEG-encoded")


def write_dng(path: Path, source: Path | Image.Image, *, size: tuple[int, int] = (640, 480),
              preview: tuple[int, int] | None = (320, 240), preview_jpeg: bool = True, orientation: int = 1,
              make: str = "PhotoSeek", model: str = "TestCam 1", taken: str | None = "2021:07:04 10:11:12") -> Path:
    """Write a DNG of ``source`` (a photo path or image) with a ``size`` sensor and a ``preview`` (None: none).

    ``orientation`` is the EXIF orientation the camera recorded (6: held rotated 90 degrees clockwise); like a
    camera, the sensor data and preview stay unrotated.
    """
    img = source if isinstance(source, Image.Image) else Image.open(source)
    img = img.convert("RGB")
    w, h = size
    lin = (np.asarray(img.resize((w, h), Image.Resampling.BICUBIC), dtype=np.float32) / 255.0) ** 2.2
    cfa = np.empty((h, w), np.uint16)
    scale = _WHITE - _BLACK
    for ch, (dy, dx) in ((0, (0, 0)), (1, (0, 1)), (1, (1, 0)), (2, (1, 1))):  # RGGB
        cfa[dy::2, dx::2] = (_BLACK + lin[dy::2, dx::2, ch] * scale).astype(np.uint16)
    tags: list[tuple[int, str, int, object, bool]] = [
        (50706, "B", 4, (1, 4, 0, 0), True),  # DNGVersion
        (50707, "B", 4, (1, 1, 0, 0), True),  # DNGBackwardVersion
        (50708, "s", 0, f"{make} {model}", True),  # UniqueCameraModel
        (271, "s", 0, make, True),
        (272, "s", 0, model, True),
        (274, "H", 1, orientation, True),
        (50721, "2i", 9, _srational(_XYZ_TO_CAM), True),  # ColorMatrix1
        (50728, "2I", 3, (1, 1, 1, 1, 1, 1), True),  # AsShotNeutral
        (50778, "H", 1, 21, True),  # CalibrationIlluminant1: D65
    ]
    if taken:
        tags.append((306, "s", 0, taken, True))
    raw_tags = [
        (33421, "H", 2, (2, 2), True),  # CFARepeatPatternDim
        (33422, "B", 4, (0, 1, 1, 2), True),  # CFAPattern: RGGB
        (50714, "H", 1, _BLACK, True),  # BlackLevel
        (50717, "H", 1, _WHITE, True),  # WhiteLevel
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    pw, ph = preview or (w // 8, h // 8)
    small = img.resize((pw, ph), Image.Resampling.BICUBIC)
    codecs = tifffile.TIFF.COMPRESSORS._codecs  # tifffile wants a JPEG encoder even for pre-encoded strips
    with tifffile.TiffWriter(path) as tw:
        if preview is not None and preview_jpeg:
            buf = io.BytesIO()
            small.save(buf, "JPEG", quality=88)
            codecs.setdefault(7, _jpeg_passthrough)
            tw.write(iter([buf.getvalue()]), shape=(ph, pw, 3), dtype="uint8", photometric="ycbcr", compression=7,
                     subsampling=(1, 1), rowsperstrip=ph, subfiletype=1, subifds=1, extratags=tags, metadata=None)
        else:  # an uncompressed bitmap preview (tiny when the camera gave none worth using)
            tw.write(np.asarray(small), photometric="rgb", subfiletype=1, subifds=1, extratags=tags, metadata=None)
        tw.write(cfa, photometric=32803, subfiletype=0, extratags=raw_tags, metadata=None)
    return path
