"""Where a PhotoSeek process that holds a library answers searches, and how a command-line search asks it.

The holder (the desktop app or ``photoseek watch``, through :class:`~photoseek.core.search_server.SearchServer`)
listens on a local endpoint owned by the user: a Unix domain socket ``search.sock`` in the library folder, mode
0600 (in a private 0700 folder under the temp dir when the library path is too long for a socket address), or a
named pipe on Windows. Every connection authenticates both ways with a random key that the holder writes to
``search.key`` (0600) each time it starts serving (``multiprocessing.connection``'s HMAC challenge), so only
the user's own processes can ask. ``search.lock``, held while serving, says who serves; the OS releases it when
the holder dies, so the next holder knows a socket file left by a crash is stale and replaces it.

Messages are JSON objects with a ``format`` number (:data:`PROTOCOL`); a request or an answer of another format
is not understood and the asker searches in its own process instead.

This module uses the standard library only: the CLI imports it before anything heavy (numpy, onnxruntime,
SQLite) so that asking a running holder costs a few milliseconds. :func:`ask` never raises: None means "nobody
answered, search in process".
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

PROTOCOL = 1  # the request/answer format; bump on any change a reader of the previous one would misread
SOCKET_NAME = "search.sock"
KEY_NAME = "search.key"
LOCK_NAME = "search.lock"
MAX_MESSAGE = 1 << 20  # a request is a few hundred bytes; an answer holds at most a few thousand hits
MAX_SOCKET_PATH = 100  # sun_path holds 108 bytes on Linux, 104 on macOS (with the trailing NUL)
CONNECT_TIMEOUT_S = 1.0  # a holder answers the handshake at once; longer means it is stuck
ANSWER_TIMEOUT_S = 30.0  # its first search may load the text model (a second or two); after that, milliseconds
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_TIME", "LANG")


class Endpoint:
    """The address, key file and lock file of one library's search endpoint."""

    def __init__(self, home: str | os.PathLike[str]) -> None:
        self.home = Path(home)
        self.key_path = self.home / KEY_NAME
        self.lock_path = self.home / LOCK_NAME
        self.family = "AF_PIPE" if sys.platform == "win32" else "AF_UNIX"
        self.private_dir: Path | None = None  # the 0700 folder holding the socket when the library path is long
        if self.family == "AF_PIPE":
            self.address = rf"\\.\pipe\photoseek-search-{self._digest()}"
            return
        path = self.home / SOCKET_NAME
        if len(os.fsencode(path)) > MAX_SOCKET_PATH:
            self.private_dir = Path(tempfile.gettempdir()) / f"photoseek-{os.getuid()}"
            path = self.private_dir / f"{self._digest()}.sock"
        self.address = os.fspath(path)

    def _digest(self) -> str:
        return hashlib.sha256(os.fsencode(self.home)).hexdigest()[:24]

    def read_key(self) -> bytes | None:
        """The key of the holder that serves now, or None when nobody has served this library."""
        try:
            key = self.key_path.read_bytes().strip()
        except OSError:
            return None
        return key or None

    def private_dir_ok(self) -> bool:
        """The long-path socket folder exists, is ours and only ours (created when missing)."""
        d = self.private_dir
        if d is None:
            return True
        try:
            d.mkdir(mode=0o700, exist_ok=True)
            st = d.lstat()
        except OSError:
            return False
        return st.st_uid == os.getuid() and (st.st_mode & 0o077) == 0 and not os.path.islink(d)


def environment_locale() -> str:
    """The locale whose month names and weeks a query's dates use, as Babel reads the environment: the first of
    LANGUAGE (its first entry), LC_ALL, LC_TIME and LANG that is set, e.g. "de_DE.UTF-8" (the date reader drops
    the encoding); C and POSIX are "en_US_POSIX"; "C" when none is set (no locale: English names, weeks from
    Monday). The CLI sends it with every search, in process or to a holder, so both read "März 2019" alike
    whatever the holder's own environment."""
    for name in LOCALE_VARIABLES:
        value = os.environ.get(name, "")
        if name == "LANGUAGE":
            value = value.split(":")[0]
        if value:
            return "en_US_POSIX" if value.split(".")[0] in ("C", "POSIX") else value
    return "C"


def ask(home: str | os.PathLike[str], request: dict[str, Any], *, connect_timeout: float = CONNECT_TIMEOUT_S,
        answer_timeout: float = ANSWER_TIMEOUT_S) -> dict[str, Any] | None:
    """Send one request to the holder of the library at ``home``; its answer, or None when nobody answers in
    time, the answer is not understood or anything else goes wrong (the caller then searches itself)."""
    ep = Endpoint(home)
    key = ep.read_key()
    if key is None or (ep.family == "AF_UNIX" and not os.path.exists(ep.address)):
        return None  # nobody serves (the common case): no socket work at all
    conn = _connect(ep, key, connect_timeout)
    if conn is None:
        return None
    try:
        conn.send_bytes(json.dumps({**request, "format": PROTOCOL}).encode("utf-8"))
        if not conn.poll(answer_timeout):
            return None
        answer = json.loads(conn.recv_bytes(MAX_MESSAGE).decode("utf-8"))
    except (OSError, EOFError, ValueError):
        return None
    finally:
        try:
            conn.close()
        except OSError:
            pass
    if not isinstance(answer, dict) or answer.get("format") != PROTOCOL or "failed" in answer:
        return None
    return answer


def _connect(ep: Endpoint, key: bytes, timeout: float) -> Any:
    """A connection that passed the handshake, or None. The handshake's reads cannot time out by themselves
    (a holder stopped with SIGSTOP accepts and never answers), so it runs on a daemon thread we stop waiting for."""
    from multiprocessing.connection import Client

    box: list[Any] = []

    def connect() -> None:
        try:
            box.append(Client(ep.address, family=ep.family, authkey=key))
        except Exception:  # noqa: S110 - refused, stale socket, wrong key: nobody answers
            pass

    t = threading.Thread(target=connect, name="photoseek-search-connect", daemon=True)
    t.start()
    t.join(timeout)
    return box[0] if box and not t.is_alive() else None
