"""Downloads of catalog packs from the Hugging Face Hub, or the mirror named by ``HF_ENDPOINT``.

The only code in PhotoSeek that goes online, and only when the user asks for a model. The Hub protocol (URLs,
redirects, ``X-Repo-Commit`` / ``X-Linked-Etag`` / ``X-Linked-Size``, Range requests, retries on a dropped
connection) is ``huggingface_hub``'s: :func:`get_hf_file_metadata` for the HEAD and :func:`http_get` for the GET.
This module adds what an app needs around them:

- a staging folder per pack (``<models>/.downloads/<id>/``, hidden from ``models list``) in which every file grows as
  ``<path>.part`` and is renamed to ``<path>`` only once its size and hash match what the Hub declares (sha256 for
  LFS files, the git blob sha1 for small ones); a file that fails is deleted with a message that says so;
- resume after a cancel, a crash or a lost connection: a later call continues every ``.part`` file with a Range
  request from where it stopped, as long as the repo is still at the same commit (otherwise it starts afresh);
- one progress callback for the whole pack (bytes done / total, rate, ETA) that can stop the download, plus an
  optional :class:`threading.Event`; both are checked after every chunk, so a stop takes effect within ~10 MB;
- errors as one clear line (:class:`NetworkError` when the server cannot be reached or does not answer).

Everything here is blocking and meant for a worker thread; nothing touches Qt.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import json
import logging
import os
import shutil
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from photoseek.core.errors import Cancelled, DownloadError, NetworkError
from photoseek.core.runtime.catalog import CatalogEntry

log = logging.getLogger(__name__)

DEFAULT_ENDPOINT = "https://huggingface.co"
STATE_FORMAT = 1
_STATE = ".state.json"  # dot-file: never part of the pack's manifest
_OFFLINE_TAIL = "PhotoSeek keeps working with the models you have"


class DownloadPhase(enum.StrEnum):
    CONNECTING = "connecting"
    DOWNLOADING = "downloading"
    VERIFYING = "verifying"
    QUANTIZING = "quantizing"
    INSTALLING = "installing"
    DONE = "done"


@dataclass(frozen=True)
class DownloadProgress:
    """Where a download stands. ``rate`` is bytes/s over the last few seconds (0 until known)."""

    phase: DownloadPhase
    done: int
    total: int
    rate: float = 0.0
    file: str = ""

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0

    @property
    def eta_s(self) -> float | None:
        if self.rate <= 0 or self.total <= 0:
            return None
        return max(0.0, (self.total - self.done) / self.rate)


DownloadProgressFn = Callable[[DownloadProgress], bool]  # returns keep_going


def hub_endpoint(endpoint: str | None = None) -> str:
    """The Hub to download from: ``endpoint``, else ``$HF_ENDPOINT`` (mirrors), else huggingface.co."""
    return (endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


@dataclass(frozen=True)
class RemoteFile:
    path: str
    url: str
    size: int
    etag: str  # sha256 (LFS files) or git blob sha1 (small files), as the Hub declares it
    commit: str


class _Stopped(Exception):
    """Raised inside the transfer loop when the caller asks to stop."""


class _Tracker:
    """Aggregates bytes over all files of a pack; calls the progress callback at most every 0.1 s."""

    def __init__(self, total: int, done: int, progress: DownloadProgressFn | None, cancel: threading.Event | None):
        self.total, self.done = total, done
        self.progress, self.cancel = progress, cancel
        self.file = ""
        self.phase = DownloadPhase.DOWNLOADING
        self._samples: deque[tuple[float, int]] = deque(maxlen=50)
        self._last = 0.0

    def rate(self) -> float:
        if len(self._samples) < 2:
            return 0.0
        (t0, d0), (t1, d1) = self._samples[0], self._samples[-1]
        return (d1 - d0) / (t1 - t0) if t1 > t0 else 0.0

    def add(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if now - self._last >= 0.1:
            self._samples.append((now, self.done))
            while self._samples and now - self._samples[0][0] > 5.0:
                self._samples.popleft()
            self.emit()

    def emit(self, phase: DownloadPhase | None = None) -> None:
        self._last = time.monotonic()
        if phase is not None:
            self.phase = phase
        keep = True
        if self.progress is not None:
            keep = self.progress(DownloadProgress(self.phase, self.done, self.total, self.rate(), self.file))
        if keep is False or (self.cancel is not None and self.cancel.is_set()):
            raise _Stopped


class _Bar:
    """What ``http_get`` takes as its ``tqdm_class``: forwards byte counts to the tracker."""

    def __init__(self, tracker: _Tracker, **_: Any) -> None:
        self.tracker = tracker

    def __enter__(self) -> _Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int = 1) -> None:
        self.tracker.add(int(n))

    def close(self) -> None:
        return None


def _names(e: BaseException) -> set[str]:
    return {c.__name__ for c in type(e).__mro__}


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


@contextmanager
def _errors(endpoint: str, what: str, timeout: float) -> Iterator[None]:
    """Turn huggingface_hub / httpx / OS errors into one-line PhotoSeek errors."""
    try:
        yield
    except (_Stopped, DownloadError):
        raise
    except Exception as e:
        names = _names(e)
        status = getattr(getattr(e, "response", None), "status_code", None)
        if names & {"TimeoutException", "Timeout", "TimeoutError", "ReadTimeout", "ConnectTimeout"}:
            raise NetworkError(f"cannot reach the model server: {_host(endpoint)} did not answer within "
                               f"{timeout:g} s; {_OFFLINE_TAIL}") from e
        if names & {"ConnectError", "ConnectionError", "NetworkError", "RemoteProtocolError", "OfflineModeIsEnabled"}:
            raise NetworkError(f"cannot reach the model server: {_host(endpoint)}: {e}; {_OFFLINE_TAIL}") from e
        if status == 404 or names & {"EntryNotFoundError", "RepositoryNotFoundError", "RevisionNotFoundError"}:
            raise DownloadError(f"{what} is not on the model server (HTTP {status or 404} from {_host(endpoint)})",
                                hint="The catalog may be out of date: update PhotoSeek.") from e
        if status is not None:
            raise DownloadError(f"the model server answered HTTP {status} for {what}; {_OFFLINE_TAIL}") from e
        if isinstance(e, OSError) and "Consistency check failed" in str(e):  # huggingface_hub: body too short
            raise DownloadError(f"{what}: the server sent fewer bytes than it declared; what arrived is kept",
                                hint="Run the command again to resume.") from e
        if isinstance(e, OSError):
            raise DownloadError(f"could not save {what}: {e.strerror or e}") from e
        raise


def _file_digest(path: Path, algo: str, git_blob: bool = False) -> str:
    h = hashlib.new(algo)
    if git_blob:  # git's object id of a blob: sha1 over "blob <size>\0" + content
        h.update(b"blob %d\0" % path.stat().st_size)
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def check_file(path: Path, remote: RemoteFile) -> str | None:
    """Why ``path`` is not the file the Hub declares (size, then sha256 or git sha1), or None when it is."""
    size = path.stat().st_size
    if size != remote.size:
        return f"{remote.path}: {size} bytes, the server declares {remote.size}"
    etag = remote.etag.lower()
    if len(etag) == 64 and all(c in "0123456789abcdef" for c in etag):
        got = _file_digest(path, "sha256")
    elif len(etag) == 40 and all(c in "0123456789abcdef" for c in etag):
        got = _file_digest(path, "sha1", git_blob=True)
    else:
        log.warning("%s: the server's etag %r is not a content hash; checked the size only", remote.path, etag)
        return None
    if got != etag:
        return f"{remote.path}: content hash {got[:12]}... does not match the server's {etag[:12]}..."
    return None


class HubDownloader:
    """Downloads the files of catalog entries into staging folders under ``downloads_dir``.

    Args:
        downloads_dir: where staging folders live (``<library>/models/.downloads``).
        endpoint: Hub URL (default ``$HF_ENDPOINT`` or huggingface.co).
        timeout: seconds to wait for the server to answer a metadata (HEAD) request. Transfers use
            huggingface_hub's ``HF_HUB_DOWNLOAD_TIMEOUT`` (10 s) and resume by themselves up to 5 times.
    """

    chunk_bytes = 1 << 20  # bytes per read: a cancel takes effect, and a dropped connection loses, at most this much

    def __init__(self, downloads_dir: Path, *, endpoint: str | None = None, timeout: float = 15.0) -> None:
        self.downloads_dir = Path(downloads_dir)
        self.endpoint = hub_endpoint(endpoint)
        self.timeout = timeout

    def staging_dir(self, entry: CatalogEntry) -> Path:
        return self.downloads_dir / entry.id

    def partial_bytes(self, entry: CatalogEntry) -> int:
        """Bytes already downloaded for ``entry`` (kept from a cancelled or interrupted download). No network."""
        stage = self.staging_dir(entry)
        if not stage.is_dir():
            return 0
        return sum(p.stat().st_size for p in stage.rglob("*") if p.is_file() and p.name != _STATE)

    def discard(self, entry: CatalogEntry) -> None:
        """Forget a partial download."""
        shutil.rmtree(self.staging_dir(entry), ignore_errors=True)

    # network ----------------------------------------------------------------------------------------------------
    def resolve(self, entry: CatalogEntry) -> list[RemoteFile]:
        """HEAD every file of ``entry``: its size, hash and the commit; later files are pinned to the first one's
        commit so a push to the repo during the download cannot mix two versions."""
        from huggingface_hub import get_hf_file_metadata, hf_hub_url

        out: list[RemoteFile] = []
        revision = entry.revision
        for f in entry.files:
            what = f"{entry.repo}/{f.path}"
            with _errors(self.endpoint, what, self.timeout):
                url = hf_hub_url(entry.repo, f.path, revision=revision, endpoint=self.endpoint)
                meta = get_hf_file_metadata(url, timeout=self.timeout, token=False, endpoint=self.endpoint)
            if meta.size is None or not meta.etag:
                raise DownloadError(f"the model server sent no size or checksum for {what}",
                                    hint="PhotoSeek only installs files it can verify; try another HF_ENDPOINT.")
            commit = meta.commit_hash or revision
            if not out and meta.commit_hash:
                revision = meta.commit_hash
            out.append(RemoteFile(f.path, meta.location, int(meta.size), meta.etag, commit))
        return out

    def fetch(self, entry: CatalogEntry, *, progress: DownloadProgressFn | None = None,
              cancel: threading.Event | None = None) -> tuple[Path, list[RemoteFile]]:
        """Download (or finish downloading) every file of ``entry``; returns the staging folder and the files.

        Raises:
            Cancelled: ``progress`` returned False or ``cancel`` was set; what was downloaded is kept for a resume.
            NetworkError: the server cannot be reached or does not answer in time (partial data kept).
            DownloadError: HTTP error, a file failed verification (that file is deleted), or the disk is full.
        """
        tracker = _Tracker(0, 0, progress, cancel)
        try:
            tracker.emit(DownloadPhase.CONNECTING)
            remote = self.resolve(entry)
            stage = self._prepare(entry, remote)
            tracker.total = sum(r.size for r in remote)
            tracker.done = sum(_have(stage, r) for r in remote)
            self._check_space(stage, tracker.total - tracker.done + tracker.total)
            tracker.emit(DownloadPhase.DOWNLOADING)
            for r in remote:
                if not (stage / r.path).is_file():
                    self._get(r, stage, tracker)
            tracker.emit(DownloadPhase.VERIFYING)
        except _Stopped:
            raise Cancelled(f"download of {entry.id} stopped; {_mb(self.partial_bytes(entry))} kept",
                            hint=f"Run `photoseek models get {entry.id}` again to resume.") from None
        return stage, remote

    def _prepare(self, entry: CatalogEntry, remote: list[RemoteFile]) -> Path:
        stage = self.staging_dir(entry)
        state = {"format": STATE_FORMAT, "repo": entry.repo, "commit": remote[0].commit}
        try:
            old = json.loads((stage / _STATE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = None
        if old != state and stage.exists():
            log.info("%s: the repo moved to another commit since the last try; starting afresh", entry.id)
            shutil.rmtree(stage)
        try:
            stage.mkdir(parents=True, exist_ok=True)
            (stage / _STATE).write_text(json.dumps(state), encoding="utf-8")
        except OSError as e:
            raise DownloadError(f"cannot create the download folder {stage}: {e.strerror or e}") from e
        return stage

    def _check_space(self, stage: Path, need: int) -> None:
        free = shutil.disk_usage(stage).free
        if free < need:
            raise DownloadError(f"not enough disk space in {stage.parent}: the download needs {_mb(need)} "
                                f"(pack and installed copy), {_mb(free)} is free", hint="Free some space and retry.")

    def _get(self, r: RemoteFile, stage: Path, tracker: _Tracker) -> None:
        from huggingface_hub import constants
        from huggingface_hub.file_download import http_get

        # huggingface_hub reads 10 MB per chunk by default: on a slow line a cancel would wait for up to 10 MB and a
        # drop would lose them. (A module setting of the library; PhotoSeek downloads one file at a time.)
        constants.DOWNLOAD_CHUNK_SIZE = self.chunk_bytes

        final = stage / r.path
        part = final.with_name(final.name + ".part")
        final.parent.mkdir(parents=True, exist_ok=True)
        have = part.stat().st_size if part.is_file() else 0
        if have > r.size:  # cannot be a prefix of this file
            tracker.done -= have
            part.unlink()
            have = 0
        tracker.file = r.path
        what = f"{r.path}"
        with _errors(self.endpoint, what, self.timeout), part.open("ab") as f:
            if have < r.size:
                http_get(r.url, f, resume_size=have, expected_size=r.size, displayed_filename=r.path,
                         tqdm_class=functools.partial(_Bar, tracker))  # type: ignore[arg-type]
        problem = check_file(part, r)
        if problem:
            tracker.done -= part.stat().st_size
            part.unlink()
            raise DownloadError(f"download refused: {problem}; the damaged file was deleted",
                                hint="Run the command again to download it afresh.")
        os.replace(part, final)


def _have(stage: Path, r: RemoteFile) -> int:
    final = stage / r.path
    if final.is_file():
        return final.stat().st_size
    part = final.with_name(final.name + ".part")
    return part.stat().st_size if part.is_file() else 0


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"
