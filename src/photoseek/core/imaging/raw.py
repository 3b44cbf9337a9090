"""Camera RAW files (CR2, CR3, NEF, ARW, DNG, RAF, ORF, RW2, ...) through LibRaw (``rawpy``).

Most RAW files carry a JPEG preview the camera rendered; when it is at least as large as the caller needs (the
model's input size, a thumbnail) it is used as is, which is an order of magnitude faster than developing the sensor
data. Otherwise the sensor data is demosaiced at half size (LibRaw's ``half_size``: one pixel per 2x2 Bayer cell,
no interpolation), which is still several times faster than a full develop. LibRaw's orientation ("flip") is
applied to previews (cameras store them unrotated); LibRaw applies it itself when it develops.

Date taken, camera make and model come from the file's EXIF (``exifread``): ``rawpy`` does not expose make and model,
and gives LibRaw's date only after unpacking the sensor data.
"""

from __future__ import annotations

import io
import logging
import os
import warnings
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from photoseek.core.errors import DecodeError

log = logging.getLogger(__name__)


# LibRaw's ``sizes.flip`` -> the EXIF orientation that shows the image upright.
_FLIP_TO_EXIF = {0: 1, 3: 3, 5: 8, 6: 6}

_TRANSPOSE = {3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_270, 8: Image.Transpose.ROTATE_90}

# With no size asked for (a full view), a preview this large is good enough; else develop at half size.
_FULL_VIEW_SIDE = 1200


class RawSource(StrEnum):
    """Where the pixels of a decoded RAW file came from."""

    PREVIEW = "preview"  # the JPEG (or bitmap) the camera embedded
    DEMOSAIC = "demosaic"  # LibRaw developed the sensor data


@dataclass(frozen=True)
class RawImage:
    image: Image.Image  # RGB, upright
    width: int  # the developed image's full size, upright
    height: int
    taken: str | None  # EXIF date text ("2021:07:04 10:11:12"); the caller parses it like any EXIF date
    camera: str | None
    source: RawSource


def _exif(path: Path) -> tuple[str | None, str | None]:
    """(date taken as EXIF text, 'Make Model') from the RAW's EXIF, read by exifread (TIFF-based formats and most
    others it knows); (None, None) where it cannot. LibRaw knows the date too, but rawpy only gives it after
    unpacking the whole sensor image, which costs more than the preview itself."""
    try:
        import exifread

        with open(path, "rb") as f, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tags = exifread.process_file(f, details=False)
    except Exception:  # exifread raises many kinds on odd files; date and camera are niceties
        return None, None
    taken = next((str(tags[k]) for k in ("EXIF DateTimeOriginal", "EXIF DateTimeDigitized", "Image DateTime")
                  if k in tags), None)
    make = str(tags.get("Image Make", "")).strip().rstrip("\x00").strip()
    model = str(tags.get("Image Model", "")).strip().rstrip("\x00").strip()
    if model and make and model.lower().startswith(make.split()[0].lower()):
        return taken, model  # "Canon Canon EOS R5" reads badly
    return taken, " ".join(p for p in (make, model) if p) or None


def _preview(raw: object, need: int) -> Image.Image | None:
    """The embedded preview when its short side is at least ``need`` pixels, else None."""
    import rawpy

    try:
        thumb = raw.extract_thumb()  # type: ignore[attr-defined]
    except (rawpy.LibRawNoThumbnailError, rawpy.LibRawUnsupportedThumbnailError):
        return None
    except rawpy.LibRawError as e:
        log.debug("RAW preview unreadable: %s", e)
        return None
    img: Image.Image
    if thumb.format == rawpy.ThumbFormat.JPEG:
        try:
            img = Image.open(io.BytesIO(thumb.data))
            if min(img.size) < need:
                return None
            img.draft("RGB", (need, need))
            img.load()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
            log.debug("RAW preview is not a readable JPEG: %s", e)
            return None
    else:  # BITMAP: an RGB array
        if min(thumb.data.shape[:2]) < need:
            return None
        img = Image.fromarray(thumb.data)
    return img if img.mode == "RGB" else img.convert("RGB")


def decode_raw(path: str | os.PathLike[str], min_side: int | None = None, *, max_pixels: int) -> RawImage:
    """Decode a RAW file to an upright RGB image whose short side is at least ``min_side`` where the file allows.

    Raises:
        DecodeError: LibRaw cannot read the file (not a RAW it knows, truncated, corrupt) or it is too large.
    """
    import rawpy

    p = Path(path)
    try:
        raw = rawpy.imread(os.fspath(p))
    except rawpy.LibRawFileUnsupportedError as e:
        raise DecodeError(f"{p}: not a RAW file LibRaw reads", reason="unsupported RAW format") from e
    except (rawpy.LibRawIOError, rawpy.LibRawDataError) as e:
        raise DecodeError(f"{p}: {e}", reason="truncated or corrupt RAW file") from e
    except FileNotFoundError as e:
        raise DecodeError(f"{p}: file vanished", reason="file not found") from e
    except PermissionError as e:
        raise DecodeError(f"{p}: permission denied", reason="unreadable (permission denied)") from e
    except (rawpy.LibRawError, OSError) as e:
        raise DecodeError(f"{p}: {e}", reason=f"corrupt RAW file ({str(e)[:80]})") from e
    try:
        with raw:
            s = raw.sizes
            if s.raw_width * s.raw_height > max_pixels:
                raise DecodeError(f"{p}: refused, sensor image is too large", reason="decompression bomb (too many pixels)")
            orientation = _FLIP_TO_EXIF.get(int(s.flip), 1)
            width, height = (s.height, s.width) if orientation in (6, 8) else (s.width, s.height)
            taken, camera = _exif(p)
            need = min_side if min_side else min(_FULL_VIEW_SIDE, max(1, min(s.width, s.height) // 2))
            img = _preview(raw, need)
            source = RawSource.PREVIEW
            if img is not None:
                if orientation in _TRANSPOSE:
                    img = img.transpose(_TRANSPOSE[orientation])
            else:
                half = min(s.width, s.height) // 2 >= (min_side or 0)
                rgb = raw.postprocess(half_size=half, use_camera_wb=True, output_bps=8)
                img = Image.fromarray(rgb)
                source = RawSource.DEMOSAIC
                if taken is None:  # unpacked now anyway, so LibRaw's own date costs nothing
                    stamp = raw.other.timestamp
                    taken = stamp.strftime("%Y:%m:%d %H:%M:%S") if stamp.year >= 1971 else None
    except DecodeError:
        raise
    except (rawpy.LibRawError, OSError, ValueError, MemoryError) as e:
        msg = str(e) or e.__class__.__name__
        raise DecodeError(f"{p}: {msg}", reason=f"corrupt RAW file ({msg[:80]})") from e
    return RawImage(img, width, height, taken, camera, source)
