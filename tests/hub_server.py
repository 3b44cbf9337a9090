"""A loopback HTTP server that speaks the part of the Hugging Face Hub protocol PhotoSeek's downloader uses.

``HEAD``/``GET /<owner>/<repo>/resolve/<revision>/<path>`` for ``revision`` = a branch name or the commit hash, with
the headers the Hub sends: ``X-Repo-Commit``, ``ETag`` (git blob sha1 for small files, sha256 for LFS files),
``X-Linked-Etag`` + ``X-Linked-Size`` for LFS files, ``Content-Length``, ``Accept-Ranges: bytes``; ``Range:
bytes=N-`` answers ``206`` with ``Content-Range``; unknown repos/revisions/files answer ``404`` with the Hub's
``X-Error-Code``. Faults for tests: drop the connection after N bytes of a file (once), serve a corrupted byte,
or never answer at all. Every request is logged (method, path, Range) so tests can check what was re-sent.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

COMMIT = "4d8a3b2e6f1c0a9b8c7d6e5f4a3b2c1d0e9f8a7b"
LFS_MIN = 10_000  # files at least this big are served as LFS files (sha256 etag), like the Hub's .onnx files


@dataclass
class HubRepo:
    files: dict[str, bytes]
    commit: str = COMMIT
    branches: tuple[str, ...] = ("main",)


@dataclass
class Faults:
    drop_after: dict[str, int] = field(default_factory=dict)  # path -> bytes sent before the connection drops (once)
    corrupt: set[str] = field(default_factory=set)  # paths served with one byte flipped
    hang: bool = False  # accept connections, never answer
    chunk_delay: float = 0.0  # seconds between 64 KB chunks (a slow line, so a test can stop mid-file)


def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()  # noqa: S324 - git's object id


class HubServer:
    def __init__(self, repos: dict[str, HubRepo]) -> None:
        self.repos = repos
        self.faults = Faults()
        self.log: list[tuple[str, str, str | None]] = []
        self.bytes_sent: dict[str, int] = {}
        self._stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                return None

            def do_HEAD(self) -> None:  # noqa: N802
                server._serve(self, body=False)

            def do_GET(self) -> None:  # noqa: N802
                server._serve(self, body=True)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="hub-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> HubServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)

    def gets(self, path: str) -> list[str | None]:
        """The Range header of every GET of ``path`` (None = whole file)."""
        return [rng for m, p, rng in self.log if m == "GET" and p.endswith("/" + path)]

    def _serve(self, h: BaseHTTPRequestHandler, body: bool) -> None:
        rng = h.headers.get("Range")
        self.log.append((h.command, h.path, rng))
        if self.faults.hang:
            self._stop.wait(30)
            return
        parts = h.path.split("?")[0].lstrip("/").split("/", 4)
        if len(parts) < 5 or parts[2] != "resolve":
            return self._error(h, 404, "RepoNotFound")
        repo = self.repos.get(f"{parts[0]}/{parts[1]}")
        if repo is None:
            return self._error(h, 404, "RepoNotFound")
        if parts[3] not in (*repo.branches, repo.commit):
            return self._error(h, 404, "RevisionNotFound")
        path = parts[4]
        data = repo.files.get(path)
        if data is None:
            return self._error(h, 404, "EntryNotFound")
        lfs = len(data) >= LFS_MIN
        sha = hashlib.sha256(data).hexdigest() if lfs else git_blob_sha1(data)
        served = data
        if path in self.faults.corrupt:
            served = data[: len(data) // 2] + bytes([data[len(data) // 2] ^ 0xFF]) + data[len(data) // 2 + 1:]
        start = 0
        if rng and rng.startswith("bytes="):
            start = int(rng[6:].split("-")[0])
        status = 206 if start else 200
        h.send_response(status)
        h.send_header("X-Repo-Commit", repo.commit)
        h.send_header("ETag", f'"{sha}"')
        if lfs:
            h.send_header("X-Linked-Etag", f'"{sha}"')
            h.send_header("X-Linked-Size", str(len(data)))
        h.send_header("Accept-Ranges", "bytes")
        h.send_header("Content-Type", "application/octet-stream")
        h.send_header("Content-Length", str(len(data) - start))
        if start:
            h.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        h.end_headers()
        if not body:
            return
        chunk = served[start:]
        drop = self.faults.drop_after.pop(path, None)
        if drop is not None and drop > start:
            chunk = chunk[: drop - start]
            h.wfile.write(chunk)
            h.wfile.flush()
            self.bytes_sent[path] = self.bytes_sent.get(path, 0) + len(chunk)
            h.close_connection = True
            h.connection.shutdown(2)  # the peer sees the body end early
            return
        for i in range(0, len(chunk), 1 << 16):
            try:
                h.wfile.write(chunk[i:i + (1 << 16)])
            except OSError:  # the client went away (a cancelled download)
                return
            self.bytes_sent[path] = self.bytes_sent.get(path, 0) + len(chunk[i:i + (1 << 16)])
            if self.faults.chunk_delay:
                self._stop.wait(self.faults.chunk_delay)

    @staticmethod
    def _error(h: BaseHTTPRequestHandler, status: int, code: str) -> None:
        body = f'{{"error": "{code}"}}'.encode()
        h.send_response(status)
        h.send_header("X-Error-Code", code)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(body)


def repo_from_folder(root: Path) -> HubRepo:
    return HubRepo({p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()})
