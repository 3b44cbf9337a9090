"""One desktop window per library: a second start hands its request to the first window and exits.

The first instance listens on a local socket (QLocalServer; a Unix socket readable only by this user, or a named
pipe on Windows) whose name is derived from the user and the library folder. A later start connects, sends one
JSON line (``{"format": 1, "action": "activate", "images": [...]}``), waits for ``ok`` and exits; the first
window comes to the front (and searches by the images, if any). A lock file next to the socket makes two
starts at the same moment agree on which one is first, and clears itself when its holder died.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, QDir, QLockFile, QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

FORMAT = 1
CONNECT_MS = 1000
REPLY_MS = 5000
STARTING_WAIT_MS = 15000  # how long a start waits for another one that is still starting up


def server_name(home: Path) -> str:
    """Stable per user and library folder, short enough for a Unix socket path."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        user = "user"
    digest = hashlib.sha256(f"{user}\0{home.expanduser().resolve()}".encode()).hexdigest()[:16]
    return f"photoseek-{digest}"


class SingleInstance(QObject):
    """Call :meth:`claim`; if it returns False another window took the request, so exit."""

    activated = Signal(list)  # images (paths) sent by another start; empty: just come to the front

    def __init__(self, home: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = server_name(home)
        self._lock = QLockFile(QDir(QDir.tempPath()).filePath(f"{self.name}.lock"))
        self._lock.setStaleLockTime(0)  # never age out a live holder; a dead one is detected by its pid
        self._server: QLocalServer | None = None

    # the second start ---------------------------------------------------------------------------------------------
    def send(self, images: list[str], connect_ms: int = CONNECT_MS) -> bool:
        """Hand ``images`` to a running instance; True when it confirmed."""
        sock = QLocalSocket()
        sock.connectToServer(self.name)
        if not sock.waitForConnected(connect_ms):
            return False
        payload = json.dumps({"format": FORMAT, "action": "activate", "images": images}) + "\n"
        sock.write(QByteArray(payload.encode("utf-8")))
        sock.flush()
        ok = False
        while sock.waitForReadyRead(REPLY_MS):
            if bytes(sock.readAll().data()).startswith(b"ok"):
                ok = True
                break
        sock.disconnectFromServer()
        return ok

    def claim(self, images: list[str]) -> bool:
        """True: this process is the first and now listens. False: a running instance took ``images``."""
        if self.send(images):
            return False
        if not self._lock.tryLock(0):
            # another start holds the lock: it is opening its window; give it time, then hand over to it
            waited = 0
            while waited < STARTING_WAIT_MS:
                if self.send(images, connect_ms=500):
                    return False
                if self._lock.tryLock(500):
                    break
                waited += 1000
            else:
                log.warning("another PhotoSeek start did not answer; opening a window anyway")
                self._lock.removeStaleLockFile()
                self._lock.tryLock(0)
        self._listen()
        return True

    # the first start ----------------------------------------------------------------------------------------------
    def _listen(self) -> None:
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        QLocalServer.removeServer(self.name)  # a socket file left by a crash; we hold the lock, so it is not live
        if not server.listen(self.name):
            log.warning("cannot listen for other starts (%s); a second window may open", server.errorString())
            return
        server.newConnection.connect(self._accept)
        self._server = server
        log.info("listening for other starts on %s", server.fullServerName())

    def _accept(self) -> None:
        assert self._server is not None
        while (sock := self._server.nextPendingConnection()) is not None:
            sock.readyRead.connect(lambda s=sock: self._read(s))
            sock.disconnected.connect(sock.deleteLater)
            if sock.bytesAvailable():
                self._read(sock)

    def _read(self, sock: QLocalSocket) -> None:
        if not sock.canReadLine():
            return
        line = bytes(sock.readLine().data()).decode("utf-8", "replace")
        try:
            msg = json.loads(line)
            images = [str(p) for p in msg.get("images", [])] if msg.get("format") == FORMAT else []
        except (ValueError, AttributeError, TypeError):
            log.warning("ignoring a malformed request from another start: %r", line[:200])
            sock.write(QByteArray(b"error\n"))
            return
        sock.write(QByteArray(b"ok\n"))
        sock.flush()
        log.info("another start asked for the window%s", f" with {len(images)} image(s)" if images else "")
        self.activated.emit(images)

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._lock.isLocked():
            self._lock.unlock()
