"""Run the sandbox on a real loopback port: in a background thread (tests, --demo) or in the foreground."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from types import TracebackType
from typing import Any

import uvicorn

from .app import SandboxApp, create_app
from .faults import DroppedConnection
from .server_utils import is_loopback_host

__all__ = ["SandboxServer", "create_app", "is_loopback_host", "start_in_thread"]


class _HideDroppedConnections(logging.Filter):
    """Injected connection drops are on purpose: keep uvicorn from printing a traceback for each."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        while exc is not None:
            if isinstance(exc, DroppedConnection):
                return False
            exc = exc.__cause__ or exc.__context__ or (
                exc.exceptions[0] if isinstance(exc, BaseExceptionGroup) and exc.exceptions else None)
        return True


logging.getLogger("uvicorn.error").addFilter(_HideDroppedConnections())


class SandboxServer:
    """A running sandbox. ``url`` is its base URL; ``stop()`` (or leaving the ``with`` block) ends it."""

    def __init__(self, app: SandboxApp, sock: socket.socket, *, log_level: str = "warning") -> None:
        self.app = app
        self._sock = sock
        host, port = sock.getsockname()[:2]
        self.host, self.port = host, port
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{port}"
        config = uvicorn.Config(app, log_level=log_level, lifespan="on", access_log=False,
                                timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    @property
    def state(self) -> Any:
        return self.app.sandbox

    def _run(self) -> None:
        # An explicit selector loop, not asyncio.new_event_loop(): under qasync the global policy makes
        # Qt event loops, which cannot run in this thread.
        loop = asyncio.SelectorEventLoop()
        self.loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._server.serve(sockets=[self._sock]))
        finally:
            loop.close()

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(target=self._run, name="dialer-sandbox", daemon=True)
        self._thread.start()
        started = threading.Event()

        def poll() -> None:
            while not self._server.started and self._thread is not None and self._thread.is_alive():
                started.wait(0.005)
        poll()
        if not self._server.started:
            raise RuntimeError("the sandbox server did not start")
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._sock.close()

    def __enter__(self) -> SandboxServer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit this: without it h11's separate header/body writes meet delayed ACKs and
    # every request takes ~40 ms.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


def start_in_thread(*, host: str = "127.0.0.1", port: int = 0, speed: float = 1.0, public: bool = False,
                    echo_otp: bool = True, access_token_ttl: int | None = None) -> SandboxServer:
    """Start a sandbox in a daemon thread with its own event loop; returns once it is listening.

    ``echo_otp`` prints each Ringez sign-in code on stdout (they are also in GET /_sandbox/outbox)."""
    app = create_app(speed=speed, public=public, echo_otp=echo_otp, access_token_ttl=access_token_ttl)
    return SandboxServer(app, _bind(host, port)).start()


def serve_forever(*, host: str = "127.0.0.1", port: int = 8765, speed: float = 1.0, public: bool = False) -> None:
    """Run in the foreground until Ctrl+C (the CLI)."""
    app = create_app(speed=speed, public=public, echo_otp=True)
    sock = _bind(host, port)
    server = SandboxServer(app, sock, log_level="info")
    print(f"Sandbox listening on {server.url}", flush=True)
    asyncio.run(server._server.serve(sockets=[sock]))
