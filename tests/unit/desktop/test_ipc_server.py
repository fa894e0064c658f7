"""The running app's hand-off server (real QLocalServer, offscreen) fed by real socket clients."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import stat
import threading
from concurrent.futures import Future
from pathlib import Path

import pytest

from dialer.desktop import handoff, ipc_server, protocol
from dialer.desktop.ipc_server import IpcServer
from dialer.desktop.requests import HandoffRequest

pytestmark = pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="AF_UNIX sockets only")


def exchange_in_thread(path: str, payload: bytes) -> Future[bytes]:
    """Send raw bytes from another thread (the Qt loop must keep running to answer); the reply line."""
    result: Future[bytes] = Future()

    def run() -> None:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(10)
                sock.connect(path)
                # The server may hang up on an oversized message before reading it all.
                with contextlib.suppress(BrokenPipeError):
                    sock.sendall(payload)
                data = b""
                while not data.endswith(b"\n"):
                    chunk = sock.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                result.set_result(data)
        except Exception as exc:
            result.set_exception(exc)

    threading.Thread(target=run, daemon=True).start()
    return result


@pytest.fixture
def server(qtbot) -> IpcServer:
    srv = IpcServer()
    srv.listen()
    yield srv
    srv.close()


def reply_of(qtbot, future: Future[bytes]) -> tuple[bool, str]:
    qtbot.waitUntil(future.done, timeout=10_000)
    return protocol.decode_reply(future.result().strip())


def test_link_from_the_stdlib_client_arrives_as_a_request(qtbot, server: IpcServer) -> None:
    line = protocol.encode_request("open-uri", {"uri": "tel:+1-201-555-0123"})
    with qtbot.waitSignal(server.requestReceived, timeout=10_000) as signal:
        future = exchange_in_thread(server.name, line)
    request = signal.args[0]
    assert isinstance(request, HandoffRequest)
    assert (request.action, request.number_text) == ("open-uri", "+12015550123")
    assert reply_of(qtbot, future) == (True, "")


def test_forward_from_a_client_thread(qtbot, server: IpcServer) -> None:
    codes: list[int | None] = []
    with qtbot.waitSignal(server.requestReceived, timeout=10_000) as signal:
        threading.Thread(target=lambda: codes.append(handoff.forward(["quick-call"])), daemon=True).start()
    assert signal.args[0].action == "quick-call"
    qtbot.waitUntil(lambda: codes == [0], timeout=10_000)


HOSTILE = [
    pytest.param(b"not json\n", "not valid JSON", id="not-json"),
    pytest.param(b"[1,2]\n", "JSON object", id="not-object"),
    pytest.param(b'{"v":99,"action":"show"}\n', "supported: 1", id="unknown-version"),
    pytest.param(b'{"v":1,"action":"call","args":{"number":"--yes"}}\n', "not a phone number", id="injected-option"),
    pytest.param(b'{"v":1,"action":"open-uri","args":{"uri":"tel:+1;$(reboot)"}}\n', "not a valid phone link",
                 id="shell-metacharacters"),
    pytest.param(b'{"v":1,"action":"open-uri","args":{"uri":"tel:+1\\u0000"}}\n', "control characters",
                 id="escaped-nul"),
    pytest.param(b'{"v":1,"action":"show"}\x00\n', "NUL", id="raw-nul"),
    pytest.param(b"\xff\xfe\xfd\n", "not valid JSON", id="not-utf8"),
    pytest.param(b"x" * (protocol.MAX_MESSAGE_BYTES + 10), "longer than 16384 bytes", id="oversized"),
]


@pytest.mark.parametrize(("payload", "reason"), HOSTILE)
def test_hostile_input_gets_an_error_reply_and_no_request(qtbot, server: IpcServer, payload: bytes,
                                                          reason: str, caplog: pytest.LogCaptureFixture) -> None:
    emitted: list[object] = []
    server.requestReceived.connect(emitted.append)
    with caplog.at_level(logging.WARNING, logger="dialer.desktop.ipc_server"):
        ok, error = reply_of(qtbot, exchange_in_thread(server.name, payload))
    assert not ok and reason in error
    assert any("refused" in r.getMessage() or "dropped" in r.getMessage() for r in caplog.records)
    # The server is still there and still works for the next, valid request.
    with qtbot.waitSignal(server.requestReceived, timeout=10_000):
        future = exchange_in_thread(server.name, protocol.encode_request("show"))
    assert reply_of(qtbot, future) == (True, "")
    assert [r.action for r in emitted] == ["show"]


def test_silent_client_is_dropped(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ipc_server, "CONNECTION_TIMEOUT_MS", 100)
    srv = IpcServer()
    srv.listen()
    try:
        future = exchange_in_thread(srv.name, b"")  # connects, sends nothing
        qtbot.waitUntil(future.done, timeout=10_000)
        assert future.result() == b""  # hung up without a reply
    finally:
        srv.close()


def test_socket_is_private(server: IpcServer) -> None:
    path = Path(server.name)
    assert stat.S_ISSOCK(path.stat().st_mode)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.stat().st_uid == os.getuid()


def test_close_removes_the_socket(qtbot) -> None:
    srv = IpcServer()
    srv.listen()
    assert Path(srv.name).exists()
    srv.close()
    assert not Path(srv.name).exists()


def test_claim_removes_a_stale_socket_and_listens(qtbot) -> None:
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(handoff.server_name())  # what a crashed instance leaves
    stale.close()
    srv = IpcServer()
    try:
        assert ipc_server.claim_or_connect(srv) is None
        assert srv.is_listening()
        with qtbot.waitSignal(srv.requestReceived, timeout=10_000):
            exchange_in_thread(srv.name, protocol.encode_request("show"))
    finally:
        srv.close()


def test_claim_hands_over_to_the_running_instance(qtbot) -> None:
    # Another process is the instance: a plain socket server stands in for it (this thread's Qt loop
    # cannot answer itself while it waits for the reply).
    received: list[bytes] = []
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(handoff.server_name())
    listener.listen(1)

    def answer() -> None:
        conn, _ = listener.accept()
        with conn:
            received.append(conn.recv(4096))
            conn.sendall(b'{"ok": true}\n')

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    srv = IpcServer()
    try:
        code = ipc_server.claim_or_connect(srv, "open-uri", {"uri": "tel:+12015550123"})
        thread.join(5)
        assert code == 0
        assert not srv.is_listening()
        assert protocol.decode_request(received[0]).args == {"uri": "tel:+12015550123"}
        assert Path(handoff.server_name()).exists()  # the other instance's socket was left alone
    finally:
        listener.close()


def test_macos_link_open_event_goes_through_the_same_validation(qtbot) -> None:
    from dialer.qt import QtCore, QtGui

    srv = IpcServer()
    received: list[HandoffRequest] = []
    srv.requestReceived.connect(received.append)
    target = QtCore.QObject()
    url_filter = ipc_server.UrlOpenFilter(srv)
    target.installEventFilter(url_filter)

    def send(url: str) -> None:
        QtCore.QCoreApplication.sendEvent(target, QtGui.QFileOpenEvent(QtCore.QUrl(url)))

    send("tel:+1-201-555-0123")
    send("tel:+1;$(reboot)")  # refused: never becomes a request
    send("file:///Users/me/notes.txt")  # not a link: left to the app
    assert [(r.action, r.number_text) for r in received] == [("open-uri", "+12015550123")]


@pytest.mark.parametrize(
    ("uri", "quick", "expected"),
    [("tel:+12015550123", False, ("open-uri", {"uri": "tel:+12015550123"})),
     (None, True, ("quick-call", {})), (None, False, ("show", {}))],
)
def test_start_request_passes_the_starting_app_s_link_on(uri: str | None, quick: bool, expected: object) -> None:
    assert ipc_server.start_request(uri, quick_call=quick) == expected
