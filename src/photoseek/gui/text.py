"""Human-readable text: errors as a message and a hint, sizes, durations, photo facts and result headers.

Pure functions (no Qt), so every front-end string is tested without a window.
"""

from __future__ import annotations

import html
import os
from datetime import datetime
from pathlib import Path

from photoseek.core.domain import Device, Photo, SearchHit, Sort
from photoseek.core.errors import PhotoSeekError
from photoseek.core.library import DownloadPhase, DownloadProgress
from photoseek.core.reports import DuplicateGroup

PHASE_TEXT = {
    DownloadPhase.CONNECTING: "Connecting to the model server…",
    DownloadPhase.VERIFYING: "Verifying the files…",
    DownloadPhase.QUANTIZING: "Converting to int8 (faster search and indexing)…",
    DownloadPhase.INSTALLING: "Installing…",
    DownloadPhase.DONE: "Installed",
}
DEVICE_TEXT = {
    Device.CPU: "CPU",
    Device.AUTO: "Automatic",
    Device.CUDA: "NVIDIA GPU (CUDA)",
    Device.DIRECTML: "GPU or NPU (DirectML, Windows)",
    Device.COREML: "Apple GPU and Neural Engine (Core ML)",
    Device.OPENVINO: "Intel CPU, GPU or NPU (OpenVINO)",
}
SORT_TEXT = {Sort.RELEVANCE: "best match first", Sort.NEWEST: "newest first", Sort.OLDEST: "oldest first"}


def describe_error(error: BaseException) -> tuple[str, str | None]:
    """A message and a hint for people, never a traceback."""
    if isinstance(error, PhotoSeekError):
        return str(error), error.hint
    if isinstance(error, OSError):
        return f"{error.strerror or error}" + (f": {error.filename}" if error.filename else ""), None
    return f"Something went wrong ({type(error).__name__}: {error})", "Details are in the log."


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} bytes"


def duration(seconds: float) -> str:
    s = int(seconds + 0.5)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    return f"{s // 3600} h {s % 3600 // 60} min"


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'s' if n != 1 else ''}"


def pretty_path(path: str | None) -> str:
    """A path with the home folder written as ``~``."""
    if not path:
        return ""
    home = str(Path.home())
    return "~" + path[len(home):] if path.startswith(home) else path


HIGHLIGHT = "<span style='background-color:#ffd54f; color:#1a1a1a'>{}</span>"


def highlighted(text: str, spans: tuple[tuple[int, int], ...]) -> str:
    """``text`` as HTML with the ``spans`` (start, end) marked, everything escaped."""
    out, pos = [], 0
    for start, end in sorted(spans):
        if start < pos or end > len(text):
            continue
        out.append(html.escape(text[pos:start]))
        out.append(HIGHLIGHT.format(html.escape(text[start:end])))
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


def photo_facts(hit: SearchHit) -> list[tuple[str, str]]:
    """(label, HTML value) pairs for the details pane and the preview: values are escaped."""
    p = hit.photo
    taken = p.taken_at or (datetime.fromtimestamp(p.mtime) if p.mtime else None)
    extra: list[tuple[str, str]] = []
    if hit.text_match:
        extra.append(("Words in photo", highlighted(hit.text_match, hit.text_spans)))
    if hit.raw_sibling:
        extra.append(("RAW + JPEG", html.escape(f"{os.path.basename(p.path)} + {os.path.basename(hit.raw_sibling)}")))
    return extra + [(k, html.escape(v)) for k, v in [
        ("Folder", os.path.dirname(p.path)),
        ("Size", human_size(p.size)),
        ("Dimensions", f"{p.width} × {p.height}" if p.width and p.height else "unknown"),
        ("Taken", (taken.strftime("%d %b %Y, %H:%M") + ("" if p.taken_at else " (file date)")) if taken else "unknown"),
        ("Camera", p.camera or "unknown"),
        ("Score", "none (found by its words)" if hit.text_match and not hit.score else f"{hit.score:.3f}"),
    ]]


def results_header(matches: int, weaker: int, label: str, sort: Sort, limit: int) -> str:
    """``3 matches (58 weaker) for “red car” · best match first`` (``12 photos for …`` when every hit is a match),
    with a note when the result limit cut the list."""
    more = " (limit reached)" if matches + weaker >= limit else ""
    if not weaker:
        count = plural(matches, "photo")
    else:
        found = f"{matches:,} match{'es' if matches != 1 else ''}" if matches else "No matches"
        count = f"{found} ({weaker:,} weaker)"
    return f"{count} for {label} · {SORT_TEXT.get(sort, '')}{more}"


def stacked_note(copies: int) -> str:
    """`` · 2 copies stacked``: why the grid shows fewer tiles than the header counts matches ("" for none)."""
    return f" · {copies:,} {'copies' if copies != 1 else 'copy'} stacked" if copies else ""


def offline_message(paths: list[str]) -> tuple[str, str]:
    """Message and hint when library folders cannot be reached (an unplugged drive)."""
    more = f" (+{len(paths) - 1} more)" if len(paths) > 1 else ""
    return f"Folder not found: {paths[0]}{more}", "Its photos are kept; reconnect the drive or remove the folder in Folders…"


def photo_lines(p: Photo) -> tuple[str, str]:
    """``("4032 × 3024 · 2.1 MB", "taken 12 May 2019")``; the file's date when the photo has no date taken."""
    dims = f"{p.width} × {p.height}" if p.width and p.height else "size unknown"
    if p.taken_at:
        return f"{dims} · {human_size(p.size)}", f"taken {p.taken_at.strftime('%d %b %Y')}"
    return f"{dims} · {human_size(p.size)}", f"file date {datetime.fromtimestamp(p.mtime).strftime('%d %b %Y')}"


def duplicates_header(groups: list[DuplicateGroup]) -> str:
    """What the Duplicates view found, and that it deletes nothing."""
    if not groups:
        return "No near-duplicates found: no photo has a resized, recompressed or lightly cropped copy."
    copies = sum(len(g.photos) - 1 for g in groups)
    spare = sum(g.extra_bytes for g in groups)
    return (f"{plural(len(groups), 'group')} of near-duplicates · {copies:,} extra cop{'ies' if copies != 1 else 'y'} "
            f"taking {human_size(spare)} · the best copy (largest, then oldest) comes first. Nothing is deleted: you "
            f"decide.")


def download_text(p: DownloadProgress) -> str:
    """``123.4 MB of 580.0 MB · 5.2 MB/s · about 2 min left`` while bytes flow; the phase otherwise."""
    if p.phase != DownloadPhase.DOWNLOADING:
        return PHASE_TEXT[p.phase]
    rate = f" · {human_size(int(p.rate))}/s" if p.rate > 0 else ""
    eta = f" · about {duration(p.eta_s)} left" if p.eta_s is not None and p.done < p.total else ""
    return f"{human_size(p.done)} of {human_size(p.total)}{rate}{eta}"


def languages_text(languages: tuple[str, ...]) -> str:
    """``English`` for an English-only model, ``Many languages`` when the model reads about any language."""
    if "mul" in languages or len(languages) > 3:
        return "Many languages"
    names = {"en": "English", "de": "German", "fr": "French", "es": "Spanish", "ja": "Japanese", "zh": "Chinese"}
    return ", ".join(names.get(code, code) for code in languages)


def cores_text(auto: int, usable: int) -> str:
    """What the automatic core budget of the app means on this machine."""
    if usable == 1:
        return "Automatic: the one core this computer has; indexing runs at low priority so the desktop comes first."
    return (f"Automatic: {auto} of {usable} cores, one stays free so the window and other programs keep up. "
            "Indexing runs at low priority either way.")
