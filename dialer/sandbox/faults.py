"""Fault injection and the request log, as one pure-ASGI middleware around every provider route.

A fault matches a provider, a path pattern (fnmatch glob, e.g. ``/api/v1/calls/*``) and optionally a
method. Kinds:

* ``latency``        wait ``latency_ms`` (real milliseconds), then serve normally
* ``error``          answer ``status`` with ``body`` (object -> JSON, string -> text) without running the route
* ``rate_limit``     a burst of 429s (``times`` of them) with ``Retry-After: retry_after``
* ``drop_before``    close the connection without a complete response; the request had no effect
* ``drop_after``     run the route (the call IS placed), then close the connection: the lost response
* ``malformed_json`` run the route, answer 200 with a body that is not JSON
* ``truncated_json`` run the route, answer its status with the body cut in half
* ``slow_body``      run the route, send the body in ``chunk_size`` byte pieces ``chunk_delay_ms`` apart

Every fault may add ``latency_ms`` too. ``times`` (default 1) makes it one-shot / N-shot; ``probability``
(0-1, with ``seed`` for repeatability) makes it random; both together: at most ``times`` random hits.
A dropped connection shows up in httpx as ``httpx.RemoteProtocolError`` (headers with a Content-Length
arrive, then the socket closes before the body).
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .state import SandboxState, iso

KINDS = ("latency", "error", "rate_limit", "drop_before", "drop_after", "malformed_json", "truncated_json",
         "slow_body")
PROVIDERS = ("ringez", "ringcentral", "calledin", "ringostat")
SECRET_HEADERS = {"authorization", "x-session-id", "auth-key", "cookie", "proxy-authorization"}
SECRET_FIELDS = {"api_key", "password", "client_secret", "assertion", "refresh_token", "access_token",
                 "token", "code_verifier", "otp", "secret", "session_id", "code"}
MASK = "***"


class DroppedConnection(Exception):
    """Raised after response headers to make the server close the socket (a simulated network drop)."""


def provider_of(path: str) -> str | None:
    if path.startswith("/api/v1/"):
        return "ringez"
    if path.startswith("/restapi/"):
        return "ringcentral"
    if path.startswith("/api/clicktocall"):
        return "calledin"
    if path.startswith(("/callback/", "/a/v2")):
        return "ringostat"
    return None


@dataclass
class Fault:
    id: int
    kind: str
    provider: str | None = None
    path: str = "*"
    method: str | None = None
    times: int | None = 1
    probability: float | None = None
    seed: int | None = None
    latency_ms: int = 0
    status: int = 500
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    retry_after: int = 1
    chunk_size: int = 8
    chunk_delay_ms: int = 50
    hits: int = 0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    @classmethod
    def from_json(cls, fid: int, data: dict[str, Any]) -> Fault:
        kind = data.get("kind")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        provider = data.get("provider")
        if provider is not None and provider not in PROVIDERS:
            raise ValueError(f"provider must be one of {', '.join(PROVIDERS)}")
        times = data.get("times", None if "probability" in data else 1)
        fault = cls(
            id=fid, kind=kind, provider=provider, path=str(data.get("path", "*")),
            method=(str(data["method"]).upper() if data.get("method") else None),
            times=None if times is None else int(times),
            probability=None if data.get("probability") is None else float(data["probability"]),
            seed=data.get("seed"), latency_ms=int(data.get("latency_ms", 0)),
            status=int(data.get("status", 429 if kind == "rate_limit" else 500)), body=data.get("body"),
            headers={str(k): str(v) for k, v in dict(data.get("headers") or {}).items()},
            retry_after=int(data.get("retry_after", 1)), chunk_size=max(1, int(data.get("chunk_size", 8))),
            chunk_delay_ms=int(data.get("chunk_delay_ms", 50)),
        )
        if kind == "rate_limit" and "times" in data and "count" not in data:
            pass
        if "count" in data:  # alias for a 429 burst of N
            fault.times = int(data["count"])
        fault.rng = random.Random(fault.seed)
        return fault

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "provider": self.provider, "path": self.path,
                "method": self.method, "times": self.times, "probability": self.probability, "seed": self.seed,
                "latency_ms": self.latency_ms, "status": self.status, "body": self.body,
                "retry_after": self.retry_after, "chunk_size": self.chunk_size,
                "chunk_delay_ms": self.chunk_delay_ms, "hits": self.hits}

    def matches(self, provider: str, method: str, path: str) -> bool:
        if self.provider is not None and self.provider != provider:
            return False
        if self.method is not None and self.method != method:
            return False
        return fnmatch.fnmatchcase(path, self.path)

    def fire(self) -> bool:
        """Decide whether this request gets the fault (consumes one shot when it does)."""
        if self.times is not None and self.hits >= self.times:
            return False
        if self.probability is not None and self.rng.random() >= self.probability:
            return False
        self.hits += 1
        return True

    @property
    def spent(self) -> bool:
        return self.times is not None and self.hits >= self.times


class FaultBook:
    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self._next = 1

    def add(self, data: dict[str, Any]) -> Fault:
        fault = Fault.from_json(self._next, data)
        self._next += 1
        self.faults.append(fault)
        return fault

    def pick(self, provider: str, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if not fault.spent and fault.matches(provider, method, path) and fault.fire():
                return fault
        return None

    def reset(self) -> None:
        self.faults.clear()


def _mask_pairs(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, MASK if k.lower() in SECRET_FIELDS and v else v) for k, v in pairs]


def _mask_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: (MASK if k.lower() in SECRET_FIELDS and v not in (None, "") else _mask_json(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_json(v) for v in value]
    return value


def masked_body(content_type: str, raw: bytes) -> Any:
    text = raw.decode("utf-8", "replace")
    if not text:
        return ""
    if "json" in content_type or text.lstrip().startswith("{"):
        try:
            return _mask_json(json.loads(text))
        except ValueError:
            return re.sub(r'("(?:password|client_secret|assertion|token|otp)"\s*:\s*")[^"]*', r"\1" + MASK,
                          text)
    if "x-www-form-urlencoded" in content_type:
        return urlencode(_mask_pairs(parse_qsl(text, keep_blank_values=True)))
    return text


def _problem_body(provider: str, status: int, fault: Fault) -> tuple[bytes, str]:
    if fault.body is not None:
        if isinstance(fault.body, str):
            return fault.body.encode(), "text/plain; charset=utf-8"
        return json.dumps(fault.body).encode(), "application/json"
    if status == 429 and provider == "ringcentral":
        err = {"errorCode": "CMN-301", "message": "Request rate exceeded"}
        return json.dumps({**err, "errors": [err]}).encode(), "application/json"
    if provider == "calledin":
        return b"", "text/plain; charset=utf-8"
    return json.dumps({"error": f"Injected fault: HTTP {status}", "code": "sandbox_fault"}).encode(), \
        "application/json"


class SandboxMiddleware:
    def __init__(self, app: ASGIApp, state: SandboxState, faults: FaultBook) -> None:
        self.app = app
        self.state = state
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        provider = provider_of(path)
        if provider is None:  # /_sandbox and unknown paths: not logged, no faults
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        # Read the body once, log it, and replay it to the route.
        chunks = []
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        raw = b"".join(chunks)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query = scope.get("query_string", b"").decode("latin-1")
        entry = {
            "at": iso(self.state.clock.now()), "provider": provider, "method": method, "path": path,
            "query": urlencode(_mask_pairs(parse_qsl(query, keep_blank_values=True))),
            "headers": {k: (MASK if k in SECRET_HEADERS else v) for k, v in headers.items()},
            "body": masked_body(headers.get("content-type", ""), raw), "status": None, "fault": None,
            "received_monotonic": time.monotonic(),  # real time.monotonic() (not the sandbox clock): benchmarks
        }
        self.state.requests.append(entry)
        fault = self.faults.pick(provider, method, path)
        if fault is not None:
            entry["fault"] = fault.kind
            if fault.latency_ms or fault.kind == "latency":
                await asyncio.sleep(fault.latency_ms / 1000)

        sent_body = False

        async def replay() -> Message:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": raw, "more_body": False}
            return await receive()

        if fault is None or fault.kind == "latency":
            async def logging_send(message: Message) -> None:
                if message["type"] == "http.response.start":
                    entry["status"] = message["status"]
                await send(message)
            await self.app(scope, replay, logging_send)
            return

        if fault.kind in ("error", "rate_limit"):
            problem, ctype = _problem_body(provider, fault.status, fault)
            hdrs = {"content-type": ctype, "content-length": str(len(problem)), **fault.headers}
            if fault.status == 429 or fault.kind == "rate_limit":
                hdrs.setdefault("retry-after", str(fault.retry_after))
            entry["status"] = fault.status
            await send({"type": "http.response.start", "status": fault.status,
                        "headers": [(k.encode(), v.encode()) for k, v in hdrs.items()]})
            await send({"type": "http.response.body", "body": problem})
            return
        if fault.kind == "drop_before":
            await self._drop(send)
            return

        # The remaining kinds run the route first (its effect happens), then spoil the response.
        captured: dict[str, Any] = {"status": 200, "headers": [], "body": b""}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")

        await self.app(scope, replay, capture)
        entry["status"] = captured["status"]
        if fault.kind == "drop_after":
            await self._drop(send)
            return
        keep = [(k, v) for k, v in captured["headers"] if k.lower() not in (b"content-length", b"content-type")]
        body: bytes = captured["body"]
        status: int = captured["status"]
        if fault.kind == "malformed_json":
            body, status = b"{'status': 'ok', call_id: <html>Bad Gateway</html>", 200
        elif fault.kind == "truncated_json":
            body = body[: max(1, len(body) // 2)]
        content_type = next((v for k, v in captured["headers"] if k.lower() == b"content-type"), b"application/json")
        if fault.kind == "malformed_json":
            content_type = b"application/json"
        if fault.kind == "slow_body":
            await send({"type": "http.response.start", "status": status,
                        "headers": [*keep, (b"content-type", content_type), (b"content-length", str(len(body)).encode())]})
            for i in range(0, len(body), fault.chunk_size):
                await send({"type": "http.response.body", "body": body[i:i + fault.chunk_size],
                            "more_body": True})
                await asyncio.sleep(fault.chunk_delay_ms / 1000)
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": status,
                    "headers": [*keep, (b"content-type", content_type), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    async def _drop(send: Send) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")]})
        raise DroppedConnection("sandbox fault: connection dropped")
