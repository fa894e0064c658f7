"""Shared helpers for the sandbox tests: wait for a call state without fixed sleeps; a callback receiver."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx


def wait_for(check: Callable[[], Any], *, timeout: float = 15.0, interval: float = 0.01) -> Any:
    """Poll ``check`` until it returns something truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s (last value {value!r})")
        time.sleep(interval)


def sandbox_call(client: httpx.Client, call_id: str) -> dict[str, Any]:
    calls = client.get("/_sandbox/calls").json()["calls"]
    return next(c for c in calls if c["id"] == call_id)


def advance(client: httpx.Client, seconds: float) -> None:
    client.post("/_sandbox/clock/advance", json={"seconds": seconds}).raise_for_status()


class Receiver:
    """A tiny HTTP server that records the callbacks it gets."""

    def __init__(self) -> None:
        self.hits: list[dict[str, str]] = []
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlparse(self.path).query, keep_blank_values=True)
                hits.append({k: v[0] for k, v in query.items()} | {"_path": urlparse(self.path).path})
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/called"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
