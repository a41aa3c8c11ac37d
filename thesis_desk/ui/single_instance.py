"""The Qt half of one-GUI-per-workspace: the running window listens on a local socket,
and a second launch asks it to come to the front instead of opening a second writer."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from thesis_desk.core.instance import server_name

log = logging.getLogger(__name__)

_RAISE = b"raise\n"


class ActivationServer(QObject):
    """Listens while this process holds the workspace lock; calls ``on_activate`` when a
    second launch knocks."""

    def __init__(self, data_dir: Path, on_activate: Callable[[], None],
                 parent: QObject | None = None):
        super().__init__(parent)
        self.on_activate = on_activate
        self.server = QLocalServer(self)
        name = server_name(data_dir)
        # We hold the workspace lock, so a socket of that name is a crashed holder's.
        QLocalServer.removeServer(name)
        if not self.server.listen(name):
            log.warning("cannot listen on %s: %s", name, self.server.errorString())
        self.server.newConnection.connect(self._accept)

    def _accept(self) -> None:
        while self.server.hasPendingConnections():
            sock = self.server.nextPendingConnection()
            sock.readyRead.connect(lambda s=sock: self._read(s))
            sock.disconnected.connect(sock.deleteLater)

    def _read(self, sock: QLocalSocket) -> None:
        if bytes(sock.readAll().data()).startswith(_RAISE.strip()):
            self.on_activate()
        sock.disconnectFromServer()

    def close(self) -> None:
        self.server.close()


def ask_running_window(data_dir: Path, timeout_ms: int = 2000) -> bool:
    """Ask the GUI that holds this workspace to come to the front; True if it heard.
    A GUI still starting (it listens once its window has painted) is given until
    ``timeout_ms`` to begin listening."""
    import time

    deadline = time.monotonic() + timeout_ms / 1000
    sock = QLocalSocket()
    while True:
        sock.connectToServer(server_name(data_dir))
        if sock.waitForConnected(max(1, int((deadline - time.monotonic()) * 1000))):
            break
        if time.monotonic() >= deadline:
            return False
        sock.abort()
        time.sleep(0.05)
    sock.write(_RAISE)
    ok = sock.waitForBytesWritten(timeout_ms)
    sock.disconnectFromServer()
    return ok
