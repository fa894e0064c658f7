"""The hand-off client against a tiny standard-library AF_UNIX server standing in for the running app."""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dialer import paths
from dialer.desktop import handoff

pytestmark = pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="AF_UNIX sockets only")


class StubInstance:
    """Listens on the hand-off socket; records each request line and answers with ``reply(line)``."""

    def __init__(self, path: str, reply: Callable[[bytes], bytes | None]) -> None:
        self.path = path
        self.reply = reply
        self.received: list[dict[str, object]] = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(5)
        self.sock.settimeout(0.05)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(5)
            with conn:
                data = b""
                while not data.endswith(b"\n"):
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                self.received.append(json.loads(data))
                answer = self.reply(data)
                if answer is not None:
                    conn.sendall(answer)
                else:
                    conn.recv(1)  # say nothing until the client gives up

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(5)
        self.sock.close()


@pytest.fixture
def instance() -> Iterator[Callable[[Callable[[bytes], bytes | None]], StubInstance]]:
    started: list[StubInstance] = []

    def start(reply: Callable[[bytes], bytes | None]) -> StubInstance:
        stub = StubInstance(handoff.server_name(), reply)
        started.append(stub)
        return stub

    yield start
    for stub in started:
        stub.close()


def ok(_: bytes) -> bytes:
    return b'{"ok": true}\n'


def test_socket_lives_in_a_private_runtime_dir() -> None:
    path = Path(handoff.server_name())
    assert path.name == "dialer.sock"
    assert path.parent == paths.runtime_dir()
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_link_is_forwarded_as_one_versioned_line(instance, capsys: pytest.CaptureFixture[str]) -> None:
    stub = instance(ok)
    assert handoff.forward(["tel:+12015550123"]) == 0
    assert stub.received == [{"v": 1, "action": "open-uri", "args": {"uri": "tel:+12015550123"},
                              "cwd": os.getcwd()}]
    assert capsys.readouterr().err == ""


def test_untrusted_args_and_quick_call_forms(instance) -> None:
    stub = instance(ok)
    assert handoff.forward(["--untrusted-args", "callto:+442079460000"]) == 0
    assert handoff.forward(["quick-call"]) == 0
    assert handoff.forward(["--untrusted-args"]) == 0  # menu launch: %u expanded to nothing
    assert [(m["action"], m["args"]) for m in stub.received] == [
        ("open-uri", {"uri": "callto:+442079460000"}), ("quick-call", {}), ("show", {})]


def test_none_when_no_instance_runs() -> None:
    assert not Path(handoff.server_name()).exists()
    assert handoff.forward(["tel:+12015550123"]) is None


def test_stale_socket_from_a_crash_counts_as_none_running() -> None:
    # A socket file nobody listens on any more, as a killed instance leaves behind.
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(handoff.server_name())
    dead.close()
    assert Path(handoff.server_name()).exists()
    assert handoff.forward(["tel:+12015550123"]) is None


def test_refusal_is_reported_on_stderr(instance, capsys: pytest.CaptureFixture[str]) -> None:
    instance(lambda _: b'{"ok": false, "error": "not a valid phone link"}\n')
    assert handoff.forward(["tel:+1;$(id)"]) == 1
    assert "refused the request: not a valid phone link" in capsys.readouterr().err


def test_silent_instance_times_out_with_advice(instance) -> None:
    instance(lambda _: None)
    with pytest.raises(handoff.HandoffError, match=r"did not answer within 0\.3 s"):
        handoff.send("show", timeout=0.3)


def test_unreadable_reply_is_an_error(instance) -> None:
    instance(lambda _: b"HTTP/1.1 200 OK\r\n\r\n\n")
    with pytest.raises(handoff.HandoffError, match="unreadable reply"):
        handoff.send("show")


def test_not_a_handoff_is_left_to_the_caller() -> None:
    assert handoff.forward(["contacts", "list"]) is None
    assert handoff.forward(["tel:+12015550123", "--demo"]) is None
    assert handoff.forward([]) is None


def test_untrusted_args_take_exactly_one_link(capsys: pytest.CaptureFixture[str]) -> None:
    assert handoff.forward(["--untrusted-args", "tel:+1", "--yes"]) == 2
    assert "exactly one" in capsys.readouterr().err


def test_a_non_phone_link_is_not_sent(instance, capsys: pytest.CaptureFixture[str]) -> None:
    stub = instance(ok)
    assert handoff.forward(["--untrusted-args", "https://example.com/"]) == 1
    assert stub.received == []
    assert "only tel: and callto:" in capsys.readouterr().err


def test_long_runtime_dir_falls_back_to_a_private_short_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    monkeypatch.setenv("DIALER_HOME", str(deep))
    name = Path(handoff.server_name())
    assert len(str(name)) <= 100
    assert stat.S_IMODE(name.parent.stat().st_mode) == 0o700
    assert name.parent.stat().st_uid == os.getuid()
    assert handoff.server_name() == str(name)  # stable, so client and server meet
    name.parent.rmdir()


def test_client_path_imports_only_the_standard_library() -> None:
    # A link click pays for every import on this path: no Qt, HTTP, keyring or phone-number library.
    code = (
        "import sys\n"
        "from dialer.cli import main\n"
        "from dialer.desktop import handoff\n"
        "assert handoff.forward(['tel:+12015550123']) is None\n"
        "heavy = ('PySide6', 'shiboken6', 'httpx', 'keyring', 'phonenumbers', 'qasync', 'dialer.core',\n"
        "         'dialer.ui', 'dialer.store', 'dialer.service', 'dataclasses', 'typing', 'asyncio')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_inside_flatpak_the_socket_is_in_the_apps_shared_runtime_folder(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Flatpak gives each app $XDG_RUNTIME_DIR/app/$FLATPAK_ID, the one runtime folder all its instances share.
    monkeypatch.delenv("DIALER_HOME")
    runtime = Path(tempfile.mkdtemp(prefix="rt-"))  # short: a socket path has ~100 characters at most
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    monkeypatch.setenv("FLATPAK_ID", "io.github.dialer.Dialer")
    assert Path(handoff.server_name()).parent == runtime / "app" / "io.github.dialer.Dialer"
    monkeypatch.delenv("FLATPAK_ID")
    assert Path(handoff.server_name()).parent == runtime / "dialer"
    shutil.rmtree(runtime)
