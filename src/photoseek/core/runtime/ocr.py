"""Reading the words in photos, offline: RapidOCR's PP-OCR ONNX models (inside the ``rapidocr`` wheel) on our
onnxruntime.

The text detector runs on every photo; the angle classifier and the recogniser run only on the boxes it finds, and
their sessions are created only the first time a photo has text, so a library of photos without text pays for the
detector alone. Model files are passed by path: RapidOCR never looks for (or downloads) anything else.

:attr:`TextReader.version` names the models and our own post-processing; a photo read by another version is read
again when the OCR pass next runs.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from photoseek.core.errors import ModelError

if TYPE_CHECKING:  # Pillow loads when a photo is read, not when a search imports the library
    from PIL import Image

log = logging.getLogger(__name__)

# Bump when what we keep from RapidOCR's output changes (filters, image size), so stored text is read again.
POSTPROCESS_VERSION = 1

_DET_MODEL = "PP-OCRv6_det_small.onnx"
_REC_MODEL = "PP-OCRv6_rec_small.onnx"
_CLS_MODEL = "ch_ppocr_mobile_v2.0_cls_mobile.onnx"

_WORDISH = re.compile(r"\w", re.UNICODE)


@dataclass(frozen=True)
class TextLine:
    text: str
    score: float  # recogniser confidence, 0..1
    box: tuple[tuple[int, int], ...]  # four corners in the pixels of the image that was read


@dataclass(frozen=True)
class TextReading:
    lines: tuple[TextLine, ...]
    seconds: float

    @property
    def text(self) -> str:
        """The lines, top to bottom as the detector ordered them, one per line."""
        return "\n".join(line.text for line in self.lines)


def _models_dir() -> Path:
    try:
        import rapidocr
    except ImportError as e:  # pragma: no cover - a declared dependency
        raise ModelError("the OCR engine (rapidocr) is not installed", hint="Reinstall PhotoSeek.") from e
    return Path(rapidocr.__file__).resolve().parent / "models"


@functools.cache
def engine_version() -> str:
    """Which OCR models and post-processing produce the stored text (cheap: imports and loads nothing)."""
    ver = _dist_version("rapidocr")
    return f"rapidocr-{ver}:{_DET_MODEL.removesuffix('.onnx')}+{_REC_MODEL.removesuffix('.onnx')}:p{POSTPROCESS_VERSION}"


def _dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:  # pragma: no cover
        return "unknown"


class TextReader:
    """Finds and reads text in images. Thread-safe (one image at a time; callers run it on a worker thread).

    Args:
        threads: onnxruntime intra-op threads (default 1: the OCR pass runs beside the user's other work).
        max_side: images are scaled down to this longest side before detection (small text on big photos stays
            readable at 1024; cost grows with the square of it).
        min_score: lines the recogniser is less sure of are dropped.
        probe_side: the detector first looks at a copy this small; only photos where it finds text get the
            full-size detection and recognition (0: always the full pass).
    """

    def __init__(self, threads: int | None = None, *, max_side: int = 1024, min_score: float = 0.6,
                 use_angle_classifier: bool = True, probe_side: int = 640) -> None:
        self.threads = max(1, int(threads or 1))
        self.max_side = int(max_side)
        self.min_score = float(min_score)
        self.use_angle_classifier = use_angle_classifier
        self.probe_side = int(probe_side)  # 0: no probe, every photo gets the full-size pass
        self._engine: Any = None
        self._lock = threading.Lock()
        self.version = engine_version()

    def _load(self) -> Any:
        if self._engine is not None:
            return self._engine
        root = _models_dir()
        paths = {k: root / f for k, f in (("Det", _DET_MODEL), ("Rec", _REC_MODEL), ("Cls", _CLS_MODEL))}
        missing = [str(p) for p in paths.values() if not p.is_file()]
        if missing:
            raise ModelError(f"the OCR models are missing: {', '.join(missing)}", hint="Reinstall PhotoSeek.")
        try:
            from rapidocr import RapidOCR

            params: dict[str, Any] = {
                "Global.log_level": "error",
                "Global.use_cls": self.use_angle_classifier,
                "Global.text_score": self.min_score,
                "Global.max_side_len": self.max_side,
                "Det.limit_type": "max",  # never upscale small photos to find text (their default is "min")
                "Det.limit_side_len": self.max_side,
                "EngineConfig.onnxruntime.intra_op_num_threads": self.threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            }
            for k, p in paths.items():
                params[f"{k}.model_path"] = str(p)
            self._engine = RapidOCR(params=params)
        except Exception as e:  # RapidOCR raises plain exceptions of many kinds
            raise ModelError(f"the OCR engine could not start: {e}") from e
        return self._engine

    def _has_text(self, engine: Any, img: Image.Image) -> bool:
        """The detector alone on a small copy: most photos have no text, and at ``probe_side`` the detector costs
        a fraction of a full-size pass. Any box found sends the photo through the full pipeline."""
        small = img
        if max(img.size) > self.probe_side:
            small = img.copy()
            from PIL import Image

            small.thumbnail((self.probe_side, self.probe_side), Image.Resampling.BILINEAR)
        probe = np.ascontiguousarray(np.asarray(small)[:, :, ::-1])
        return _boxes(engine(probe, use_det=True, use_cls=False, use_rec=False)) > 0

    @property
    def loaded(self) -> bool:
        """Whether the engine has started (its detector is ready)."""
        return self._engine is not None

    @property
    def recogniser_loaded(self) -> bool:
        """Whether any photo so far had text (the recogniser is created on first need)."""
        return self._engine is not None and getattr(self._engine, "text_rec", None) is not None

    def read(self, image: Image.Image) -> TextReading:
        """Lines of text found in ``image`` (RGB), most confident kept.

        Raises:
            ModelError: the engine cannot load or fails on this image.
        """
        started = time.perf_counter()
        img = image if image.mode == "RGB" else image.convert("RGB")
        if max(img.size) > self.max_side:
            img = img.copy()
            from PIL import Image

            img.thumbnail((self.max_side, self.max_side), Image.Resampling.BILINEAR)
        bgr = np.ascontiguousarray(np.asarray(img)[:, :, ::-1])
        with self._lock:
            engine = self._load()
            try:
                # (a probe only pays on images well above its size)
                if self.probe_side and max(img.size) > self.probe_side * 1.25 and not self._has_text(engine, img):
                    return TextReading((), time.perf_counter() - started)
                # RapidOCR keeps these per call: the probe turned them off
                out = engine(bgr, use_det=True, use_cls=self.use_angle_classifier, use_rec=True)
            except Exception as e:
                raise ModelError(f"text recognition failed: {e}") from e
        lines: list[TextLine] = []
        txts = getattr(out, "txts", None) or ()
        scores = getattr(out, "scores", None) or ()
        boxes = getattr(out, "boxes", None)
        for i, (txt, score) in enumerate(zip(txts, scores, strict=False)):
            text = " ".join(str(txt).split())
            if float(score) < self.min_score or len(_WORDISH.findall(text)) < 2:
                continue  # a stray mark read as "0" or "|" is noise, not words
            box = tuple((int(x), int(y)) for x, y in boxes[i]) if boxes is not None else ()
            lines.append(TextLine(text, float(score), box))
        return TextReading(tuple(lines), time.perf_counter() - started)


def _boxes(out: Any) -> int:
    boxes = getattr(out, "boxes", None)
    return 0 if boxes is None else len(boxes)


def default_threads() -> int:
    """Threads for the OCR pass: half the cores (at least one), so the user's machine stays responsive."""
    return max(1, (os.cpu_count() or 2) // 2)
