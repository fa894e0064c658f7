"""A tiny loopback HTTP listener for Called.in's end-of-call callback (GET with query parameters).

Called.in reports nothing while a call runs; when a ``callback_url`` is given it opens that URL once the
call ends. The listener binds 127.0.0.1 only (a public callback URL must be forwarded to it by the user's
own tunnel or proxy), reads just the request line, hands the query to a handler that checks the per-call
secret, and always answers ``200 ok`` quickly (a provider may retry on errors; forged or late callbacks are
ignored by the handler, never reported to the sender).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from urllib.parse import parse_qsl, urlsplit

log = logging.getLogger(__name__)

CALLBACK_PATH = "/calledin/callback"
MAX_REQUEST_LINE = 8192
READ_TIMEOUT_S = 5.0

Handler = Callable[[Mapping[str, str]], bool]


class CallbackListener:
    """Serves ``GET /calledin/callback?...`` on 127.0.0.1 and passes the query to ``handler``."""

    def __init__(self, handler: Handler, *, port: int = 0) -> None:
        self._handler = handler
        self._port = port
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the callback listener is not running")
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}{CALLBACK_PATH}"

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self._port)
        return self.url

    async def aclose(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        status = "404 Not Found"
        try:
            line = await asyncio.wait_for(reader.readline(), READ_TIMEOUT_S)
            # Drain the headers (we need none of them).
            while True:
                header = await asyncio.wait_for(reader.readline(), READ_TIMEOUT_S)
                if header in (b"\r\n", b"\n", b""):
                    break
            parts = line[:MAX_REQUEST_LINE].decode("latin-1").split()
            if len(parts) >= 2 and parts[0] in ("GET", "POST"):
                target = urlsplit(parts[1])
                if target.path == CALLBACK_PATH:
                    status = "200 OK"
                    query = dict(parse_qsl(target.query, keep_blank_values=True))
                    try:
                        self._handler(query)
                    except Exception:
                        log.exception("Called.in callback handler failed")
        except (TimeoutError, ConnectionError, UnicodeError):
            status = "400 Bad Request"
        body = b"ok\n" if status.startswith("200") else b""
        with contextlib.suppress(ConnectionError):
            writer.write(f"HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
                         "Connection: close\r\n\r\n".encode() + body)
            await writer.drain()
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
