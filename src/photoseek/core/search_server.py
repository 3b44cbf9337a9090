"""A library holder answers the command line's searches: :class:`SearchServer` serves
:func:`~photoseek.core.search_answer.answer` on the library's local endpoint (:mod:`.search_endpoint`).

Replies are the answer (:mod:`.search_answer`), or ``{"format": 1, "error": {"message", "hint"}}`` for a
PhotoSeekError (the asker shows it as its own), or ``{"format": 1, "failed": "..."}`` for anything else (the asker
searches in process).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import struct
import sys
import tempfile
import threading
from multiprocessing.connection import Client, Connection, Listener, answer_challenge, deliver_challenge
from typing import TYPE_CHECKING, Any

from photoseek.core.errors import PhotoSeekError
from photoseek.core.search_answer import answer
from photoseek.core.search_endpoint import MAX_MESSAGE, PROTOCOL, Endpoint

if TYPE_CHECKING:
    from photoseek.core.library import Library

log = logging.getLogger(__name__)

RETRY_S = 5.0  # how often a second holder checks whether the first one has gone, to serve in its place
CLIENT_TIMEOUT_S = 5.0  # a connected asker must finish the handshake and send its request within this
MAX_CLIENTS = 4  # requests answered at once; more wait in the listen backlog


class SearchServer:
    """Serves :func:`answer` for ``lib`` on its endpoint from a background thread until :meth:`stop`.

    Starting never blocks (the endpoint is claimed on the thread). When another process already serves the
    library, this one waits and takes over when that one goes. No Qt: the GUI and ``photoseek watch`` start and
    stop it.
    """

    def __init__(self, lib: Library, *, retry_s: float = RETRY_S, client_timeout_s: float = CLIENT_TIMEOUT_S) -> None:
        self.lib = lib
        self.endpoint = Endpoint(lib.home)
        self.retry_s = retry_s
        self.client_timeout_s = client_timeout_s
        self.serving = threading.Event()  # set while this process answers on the endpoint
        self._stop = threading.Event()
        self._slots = threading.BoundedSemaphore(MAX_CLIENTS)
        self._thread: threading.Thread | None = None
        self._lock_fd: int | None = None
        self._key = b""
        self.answered = 0  # requests answered (tests and logs)
        self._count_lock = threading.Lock()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="photoseek-search-server", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop serving: the endpoint goes away at once; a search being answered gets ``timeout`` to finish."""
        self._stop.set()
        if self.serving.is_set():
            self._wake()
        if self._thread is not None:
            self._thread.join(timeout)

    # the serving loop -----------------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            listener = self._claim()
            if listener is None:
                self._stop.wait(self.retry_s)
                continue
            try:
                self.serving.set()
                log.info("answering searches on %s", self.endpoint.address)
                self._serve(listener)
            finally:
                self.serving.clear()
                self._release(listener)

    def _serve(self, listener: Listener) -> None:
        while not self._stop.is_set():
            try:
                conn = listener.accept()
            except OSError as e:
                if not self._stop.is_set():
                    log.warning("search endpoint failed (%s); searches from the command line run in their own "
                                "process", e)
                    self._stop.set()
                return
            if self._stop.is_set() or not self._slots.acquire(blocking=False):
                conn.close()
                continue
            threading.Thread(target=self._handle, args=(conn,), name="photoseek-search-request", daemon=True).start()

    def _handle(self, conn: Connection) -> None:
        try:
            _read_timeout(conn, self.client_timeout_s)
            deliver_challenge(conn, self._key)
            answer_challenge(conn, self._key)
            if not conn.poll(self.client_timeout_s):
                return
            reply = self._respond(conn.recv_bytes(MAX_MESSAGE))
            with self._count_lock:  # before the answer leaves: whoever reads the count after it sees this one
                self.answered += 1
            conn.send_bytes(json.dumps(reply, ensure_ascii=False).encode("utf-8"))
        except Exception as e:  # a stranger, a dropped or slow asker: it searches by itself
            log.debug("search request dropped: %s", e)
        finally:
            conn.close()
            self._slots.release()

    def _respond(self, raw: bytes) -> dict[str, Any]:
        try:
            req = json.loads(raw.decode("utf-8"))
        except ValueError:
            return {"format": PROTOCOL, "failed": "not JSON"}
        if not isinstance(req, dict) or req.get("format") != PROTOCOL:
            return {"format": PROTOCOL, "failed": "unknown request format"}
        try:
            return answer(self.lib, req)
        except PhotoSeekError as e:
            return {"format": PROTOCOL, "error": {"message": str(e), "hint": e.hint}}
        except Exception as e:
            log.exception("search request failed")
            return {"format": PROTOCOL, "failed": str(e)}

    # the endpoint ---------------------------------------------------------------------------------------------
    def _claim(self) -> Listener | None:
        """Listen on the endpoint, or None while another process serves (or it cannot be set up here)."""
        ep = self.endpoint
        if not self._lock() or not ep.private_dir_ok():
            return None
        try:
            if ep.family == "AF_UNIX" and os.path.lexists(ep.address):
                os.unlink(ep.address)  # left by a holder that died: we hold the lock, so nobody listens there
            listener = Listener(ep.address, family=ep.family, backlog=16)
            if ep.family == "AF_UNIX":
                os.chmod(ep.address, 0o600)
            self._key = secrets.token_hex(32).encode("ascii")
            _write_private(ep.key_path, self._key)
            return listener
        except OSError as e:
            log.info("cannot answer searches on %s: %s", ep.address, e)
            self._unlock()
            return None

    def _release(self, listener: Listener) -> None:
        try:
            listener.close()  # also removes the socket file
        except OSError:
            pass
        try:
            if self.endpoint.read_key() == self._key:
                self.endpoint.key_path.unlink()
        except OSError:
            pass
        self._unlock()

    def _wake(self) -> None:
        """Unblock the thread waiting in accept() (closing a listening socket from another thread does not)."""
        try:
            if self.endpoint.family == "AF_UNIX":
                with socket.socket(socket.AF_UNIX) as s:
                    s.settimeout(1.0)
                    s.connect(self.endpoint.address)
            else:
                Client(self.endpoint.address, family=self.endpoint.family).close()
        except OSError:
            pass

    def _lock(self) -> bool:
        if self._lock_fd is not None:
            return True
        if sys.platform == "win32":  # a named pipe exists only while its server runs: nothing stale to detect
            return True
        import fcntl

        try:
            fd = os.open(self.endpoint.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._lock_fd = fd
        return True

    def _unlock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing drops the flock
            self._lock_fd = None


def _read_timeout(conn: Connection, seconds: float) -> None:
    """Make the connection's blocking reads give up after ``seconds`` (Unix sockets; the handshake has no timeout
    of its own, and a silent asker must not hold a request slot for ever)."""
    if sys.platform == "win32":
        return
    s = socket.socket(fileno=os.dup(conn.fileno()))
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("@ll", int(seconds), 0))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("@ll", int(seconds), 0))
    finally:
        s.close()


def _write_private(path: Any, data: bytes) -> None:
    """Write a file only this user can read, atomically (temp file in the same folder, then rename)."""
    fd, tmp = tempfile.mkstemp(prefix=".search-key.", dir=path.parent)  # mkstemp creates it 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
