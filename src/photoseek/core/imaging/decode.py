"""Decode photos quickly and safely.

Camera RAW files go through :mod:`photoseek.core.imaging.raw` (embedded preview or half-size develop).
JPEGs are decoded at reduced size in the DCT domain (Pillow ``draft``) when only a small image is needed, which is
several times faster than a full decode for camera-sized files. EXIF orientation is applied; EXIF date and camera
are read before any pixels are touched. Every failure becomes a :class:`DecodeError` with a short reason.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from photoseek.core.errors import DecodeError
from photoseek.core.fs import PHOTO_EXTENSIONS, is_photo_path, is_raw_path
from photoseek.core.imaging.raw import decode_raw

__all__ = ["PHOTO_EXTENSIONS", "Decoded", "PhotoMeta", "decode", "is_photo_path", "read_meta"]  # is_photo_path lives in fs

try:  # HEIC/HEIF (and AVIF on older Pillow) come from pillow-heif
    import pillow_heif

    pillow_heif.register_heif_opener()
except Exception:  # pragma: no cover - optional plugin failed to load; those formats then report "unsupported"
    pillow_heif = None  # type: ignore[assignment]

# Photos larger than this many pixels are refused as decompression bombs (a 200 MP camera file still passes).
MAX_PIXELS = 250_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
ImageFile.LOAD_TRUNCATED_IMAGES = False


_EXIF_IFD = 0x8769
_TAG_DATETIME_ORIGINAL = 0x9003
_TAG_DATETIME_DIGITIZED = 0x9004
_TAG_DATETIME = 0x0132
_TAG_MAKE = 0x010F
_TAG_MODEL = 0x0110


@dataclass(frozen=True)
class PhotoMeta:
    width: int  # after EXIF orientation
    height: int
    taken_at: datetime | None
    camera: str | None


@dataclass(frozen=True)
class Decoded:
    image: Image.Image  # RGB, oriented, possibly reduced in size
    meta: PhotoMeta


def _parse_exif_date(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    value = value.strip().rstrip("\x00")
    for fmt in ("%Y:%m:%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y:%m:%d %H:%M", "%Y:%m:%d"):
        try:
            dt = datetime.strptime(value[: len(datetime(2000, 1, 1).strftime(fmt))], fmt)
        except ValueError:
            continue
        if 1826 <= dt.year <= 2200:
            return dt
    return None


def _clean(value: object) -> str:
    return str(value).strip().rstrip("\x00").strip() if value is not None else ""


def read_meta(img: Image.Image) -> PhotoMeta:
    """Size after orientation, date taken and camera from an opened (not yet loaded) image."""
    taken: datetime | None = None
    camera: str | None = None
    orientation = 1
    try:
        exif = img.getexif()
    except Exception:
        exif = None
    if exif:
        orientation = int(exif.get(0x0112, 1) or 1)
        try:
            sub = exif.get_ifd(_EXIF_IFD)
        except Exception:
            sub = {}
        taken = (
            _parse_exif_date(sub.get(_TAG_DATETIME_ORIGINAL))
            or _parse_exif_date(sub.get(_TAG_DATETIME_DIGITIZED))
            or _parse_exif_date(exif.get(_TAG_DATETIME))
        )
        make, model = _clean(exif.get(_TAG_MAKE)), _clean(exif.get(_TAG_MODEL))
        if model and make and model.lower().startswith(make.split()[0].lower()):
            camera = model  # "Canon Canon EOS 5D" reads badly; many cameras repeat the make in the model
        else:
            camera = " ".join(p for p in (make, model) if p) or None
    w, h = img.size
    if orientation in (5, 6, 7, 8):
        w, h = h, w
    return PhotoMeta(width=w, height=h, taken_at=taken, camera=camera)


def decode(path: str | os.PathLike[str], min_side: int | None = None) -> Decoded:
    """Decode ``path`` to an oriented RGB image.

    Args:
        path: image file.
        min_side: when given, the image may come back smaller than the original, but its short side will be at
            least ``min_side`` (or the original's, if smaller). JPEGs then skip most of the decode work.

    Raises:
        DecodeError: the file is empty, unreadable, not an image, truncated, corrupt or a decompression bomb.
    """
    p = Path(path)
    try:
        size = p.stat().st_size
    except FileNotFoundError as e:
        raise DecodeError(f"{p}: file vanished", reason="file not found") from e
    except OSError as e:
        raise DecodeError(f"{p}: {e.strerror}", reason=f"unreadable ({e.strerror})") from e
    if size == 0:
        raise DecodeError(f"{p}: empty file", reason="empty file (0 bytes)")
    if is_raw_path(p):
        r = decode_raw(p, min_side, max_pixels=MAX_PIXELS)
        return Decoded(image=r.image, meta=PhotoMeta(r.width, r.height, _parse_exif_date(r.taken), r.camera))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(p) as img:
                meta = read_meta(img)
                if img.width * img.height > MAX_PIXELS:
                    raise Image.DecompressionBombError("too many pixels")
                if min_side and img.format == "JPEG":
                    # draft() keeps both sides >= the requested box, so the short side stays >= min_side.
                    img.draft("RGB", (min_side, min_side))
                img.seek(0)  # first frame of GIFs and other animations
                img.load()
                out = ImageOps.exif_transpose(img)
                if out.mode != "RGB":
                    out = _to_rgb(out)
                else:
                    out = out.copy() if out is img else out
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise DecodeError(f"{p}: refused, image is too large ({e})", reason="decompression bomb (too many pixels)") from e
    except UnidentifiedImageError as e:
        raise DecodeError(f"{p}: not a recognised image", reason="not an image or unsupported format") from e
    except PermissionError as e:
        raise DecodeError(f"{p}: permission denied", reason="unreadable (permission denied)") from e
    except FileNotFoundError as e:
        raise DecodeError(f"{p}: file vanished", reason="file not found") from e
    except DecodeError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, MemoryError) as e:
        msg = str(e) or e.__class__.__name__
        reason = "truncated file" if "truncated" in msg.lower() else f"corrupt image ({msg[:80]})"
        raise DecodeError(f"{p}: {msg}", reason=reason) from e
    return Decoded(image=out, meta=meta)


def _to_rgb(img: Image.Image) -> Image.Image:
    """Flatten transparency onto white (how a viewer shows it) and convert anything else to RGB."""
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        bg = Image.new("RGB", rgba.size, (255, 255, 255))
        bg.paste(rgba, mask=rgba.getchannel("A"))
        return bg
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit PNG/TIFF: scale to 8 bits instead of clipping
        import numpy as np

        arr = np.asarray(img, dtype=np.float32)
        hi = float(arr.max()) or 1.0
        arr = (arr * (255.0 / (65535.0 if hi > 255 else 255.0))).clip(0, 255).astype("uint8")
        return Image.fromarray(arr, "L").convert("RGB")
    return img.convert("RGB")
