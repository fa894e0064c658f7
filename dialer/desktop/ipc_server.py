"""Server side of the single-instance hand-off: the running app listens for links passed by new processes.

A ``QLocalServer`` on :func:`dialer.desktop.handoff.server_name` (a 0600 socket in a 0700 runtime
directory; a per-user pipe on Windows). Each connection carries one request line (see
:mod:`dialer.desktop.protocol`); the server answers one reply line and closes. Anything that is not a
valid request (oversized, not JSON, unknown version or action, a link that is not a phone number) is
logged, answered with an error and otherwise ignored: it never reaches the app and never stops the
server. Valid requests are emitted as :class:`~dialer.desktop.requests.HandoffRequest`; the app fills the
number in and asks for confirmation, it never places a call from a request.

Start-up: :func:`claim_or_connect` makes this process the instance, or hands its own request to the
instance that already runs (also when two start at the same moment).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from dialer.desktop import handoff, protocol, requests
from dialer.i18n import _
from dialer.qt import QtCore, QtNetwork, Signal

log = logging.getLogger(__name__)

CONNECTION_TIMEOUT_MS = 5000
"""A client that has not sent its line by then is dropped (a stuck or hostile peer cannot pile up)."""


CLAIM_REPLY_TIMEOUT_S = 10.0
"""At start-up the other instance may itself be starting (window not shown, loop not running yet): wait
longer for its answer than a link click does."""


class Error(Exception):
    """Base of the hand-off server's errors."""


class ListenError(Error):
    """The server could not listen; the text says why and what to do."""


def handle_line(line: bytes) -> tuple[bytes, requests.HandoffRequest | None]:
    """Validate one request line: the reply to send, and the request when it is valid."""
    try:
        request = requests.decode(line)
    except protocol.ProtocolError as exc:
        log.warning("Hand-off request refused (%d bytes): %s", len(line), exc)
        return protocol.encode_reply(False, str(exc)), None
    except Exception:  # never let one message stop the server
        log.exception("Hand-off request could not be read")
        return protocol.encode_reply(False, "internal error while reading the request"), None
    log.info("Hand-off request: %s", request.action)
    return protocol.encode_reply(True), request


class _Connection(QtCore.QObject):
    """One client connection: collects one line (bounded), answers, closes.

    Holds no Python reference to the server (its parent): a child keeping its parent's wrapper alive
    would let the parent be destroyed from inside the child's own destruction.
    """

    requestDecoded = Signal(object)  # HandoffRequest, emitted after the reply is written

    def __init__(self, socket: QtNetwork.QLocalSocket, parent: QtCore.QObject) -> None:
        super().__init__(parent)
        self._socket = socket
        self._buffer = bytearray()
        self._done = False
        socket.setParent(self)
        socket.readyRead.connect(self._on_ready_read)
        socket.disconnected.connect(self._on_disconnected)
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timeout)
        self._timer.start(CONNECTION_TIMEOUT_MS)

    def _on_ready_read(self) -> None:
        if self._done:
            self._socket.readAll()  # discard anything after the one request
            return
        self._buffer += bytes(self._socket.readAll().data())
        newline = self._buffer.find(b"\n")
        if newline < 0 and len(self._buffer) >= protocol.MAX_MESSAGE_BYTES:
            log.warning("Hand-off message dropped: longer than %d bytes", protocol.MAX_MESSAGE_BYTES)
            self._finish(protocol.encode_reply(False, f"message longer than {protocol.MAX_MESSAGE_BYTES} bytes"))
            return
        if newline < 0:
            return
        line = bytes(self._buffer[: newline + 1])
        self._buffer.clear()
        reply, request = handle_line(line)
        self._finish(reply)
        if request is not None:
            self.requestDecoded.emit(request)

    def _finish(self, reply: bytes) -> None:
        self._done = True
        self._timer.stop()
        if self._socket.state() == QtNetwork.QLocalSocket.LocalSocketState.ConnectedState:
            self._socket.write(reply)
            self._socket.flush()
            self._socket.disconnectFromServer()  # after the pending reply is written
        if self._socket.state() == QtNetwork.QLocalSocket.LocalSocketState.UnconnectedState:
            self.deleteLater()

    def _on_timeout(self) -> None:
        log.info("Hand-off connection dropped: no request within %d ms", CONNECTION_TIMEOUT_MS)
        self._done = True
        self._socket.abort()
        self.deleteLater()

    def _on_disconnected(self) -> None:
        self._timer.stop()
        self.deleteLater()


class IpcServer(QtCore.QObject):
    """Listens for hand-off requests and emits each valid one as ``requestReceived(HandoffRequest)``."""

    requestReceived = Signal(object)  # dialer.desktop.requests.HandoffRequest

    def __init__(self, name: str | None = None, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._name = name or handoff.server_name()
        self._server = QtNetwork.QLocalServer(self)
        self._server.setSocketOptions(QtNetwork.QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_new_connection)

    @property
    def name(self) -> str:
        """The socket path (POSIX) or pipe name (Windows) this server listens on."""
        return self._name

    def is_listening(self) -> bool:
        return self._server.isListening()

    def listen(self) -> None:
        """Start listening; raises :class:`ListenError` when the name is taken or not usable."""
        if self._server.isListening():
            return
        if not self._server.listen(self._name):
            error = self._server.serverError()
            text = self._server.errorString()
            if error == QtNetwork.QAbstractSocket.SocketError.AddressInUseError:
                raise ListenError(_("Another dialer is already listening on {name}.").format(name=self._name))
            raise ListenError(
                _("Could not open the hand-off socket {name}: {reason}. Links will open new windows "
                  "instead; check that the folder exists and belongs to you.").format(name=self._name, reason=text)
            )
        if sys.platform != "win32":
            with contextlib.suppress(OSError):
                os.chmod(self._name, 0o600)
                os.chmod(Path(self._name).parent, 0o700)
        log.info("Hand-off server listening on %s", self._name)

    def remove_stale(self) -> None:
        """Remove a socket file left by a crashed instance. Only call when nobody answers on it."""
        QtNetwork.QLocalServer.removeServer(self._name)

    def close(self) -> None:
        """Stop listening and remove the socket file."""
        if self._server.isListening():
            self._server.close()
            QtNetwork.QLocalServer.removeServer(self._name)

    def _on_new_connection(self) -> None:
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            if socket is not None:
                connection = _Connection(socket, self)
                # Queued: the app acts on the request after this connection has answered and returned.
                connection.requestDecoded.connect(self.requestReceived, QtCore.Qt.ConnectionType.QueuedConnection)


class UrlOpenFilter(QtCore.QObject):
    """macOS: links arrive as ``QFileOpenEvent`` on the application, not on the command line.

    Install on the QApplication (``app.installEventFilter(UrlOpenFilter(server, app))``); each
    ``tel:``/``callto:`` URL goes through the same validation as a hand-off and comes out of the server's
    ``requestReceived`` signal. Other file-open events pass through untouched.
    """

    def __init__(self, server: IpcServer, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._deliver = server.requestReceived.emit  # no reference to the server wrapper itself

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() != QtCore.QEvent.Type.FileOpen:
            return False
        url = event.url().toString() if hasattr(event, "url") else ""
        if not url.lower().startswith(("tel:", "callto:")):
            return False
        request = request_from_url(url)
        if request is not None:
            self._deliver(request)
        return True


def request_from_url(url: str) -> requests.HandoffRequest | None:
    """A link the OS handed to this process directly, validated like a hand-off (None when refused)."""
    try:
        line = protocol.encode_request(protocol.ACTION_OPEN_URI, {"uri": url})
    except protocol.ProtocolError as exc:
        log.warning("Link refused: %s", exc)
        return None
    _reply, request = handle_line(line)
    return request


def start_request(uri: str | None = None, *, quick_call: bool = False) -> tuple[str, dict[str, str]]:
    """What a starting app asks an already running instance to do (for :func:`claim_or_connect`):
    open its link, show the quick-call popup, or just show the window."""
    if uri:
        return protocol.ACTION_OPEN_URI, {"uri": uri}
    if quick_call:
        return protocol.ACTION_QUICK_CALL, {}
    return protocol.ACTION_SHOW, {}


@contextlib.contextmanager
def _claim_lock() -> Iterator[None]:
    """Serialise "is one running? else remove stale socket and listen" across processes.

    Without it, two instances starting together could both see a stale socket, and the second could
    delete the first one's fresh socket.
    """
    from dialer import paths

    lock_path = paths.runtime_dir() / "dialer.lock"
    with open(lock_path, "a+b") as lock_file:
        if sys.platform == "win32":  # pragma: no cover - Windows only
            import msvcrt

            lock_file.seek(0)
            msvcrt.locking(lock_file.fileno(), msvcrt.LK_LOCK, 1)
            try:
                yield
            finally:
                lock_file.seek(0)
                msvcrt.locking(lock_file.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)


def claim_or_connect(
    server: IpcServer,
    action: str = protocol.ACTION_SHOW,
    args: dict[str, str] | None = None,
    *,
    attempts: int = 3,
    timeout: float = CLAIM_REPLY_TIMEOUT_S,
) -> int | None:
    """Become the single instance, or hand ``action`` to the one already running.

    Returns None when this process now listens (carry on starting the app), or an exit code when the
    request went to (0) or was refused by (1, reason on stderr) the running instance. If listening fails
    because another process won the race, connects to that one as a client. Raises :class:`ListenError`
    when neither works.
    """
    last_error: ListenError | None = None
    with _claim_lock():
        for _attempt in range(max(1, attempts)):
            try:
                handoff.send(action, args, timeout=timeout)
            except handoff.NotRunning:
                pass
            except handoff.HandoffError as exc:
                print(_("dialer: {error}").format(error=exc), file=sys.stderr)
                return 1
            else:
                return 0
            server.remove_stale()  # nobody answered: any socket file there is left from a crash
            try:
                server.listen()
            except ListenError as exc:
                last_error = exc  # lost the bind race: the winner should answer on the next round
                continue
            return None
    raise last_error or ListenError(_("Could not become the single dialer instance."))
