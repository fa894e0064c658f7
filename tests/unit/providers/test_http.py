"""The shared HTTP policy: loopback-only plain http, origins, and the exact retry sequences.

MockTransport is used here because the sandbox cannot show what the client *would* do between attempts
(sleep lengths, how many requests reach the wire for each kind of failure).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest

from dialer.providers.base import OutcomeUnknown, ProviderUnavailable, RateLimited
from dialer.providers.http import (
    InsecureURLError,
    RequestKind,
    RetryPolicy,
    check_url,
    make_client,
    origin_for,
    send,
)

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """Counts requests reaching the transport and records the sleeps between attempts."""

    def __init__(self, script: list[Callable[[httpx.Request], httpx.Response]]) -> None:
        self.script = script
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.script[min(len(self.requests), len(self.script)) - 1]
        return step(request)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def status(code: int, headers: dict[str, str] | None = None) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(code, headers=headers, json={})


def raise_(exc_type: type[httpx.TransportError]) -> Callable[[httpx.Request], httpx.Response]:
    def step(request: httpx.Request) -> httpx.Response:
        raise exc_type("boom", request=request)

    return step


def run_send(rec: Recorder, kind: RequestKind, method: str = "GET") -> httpx.Response:
    async def go() -> httpx.Response:
        async with make_client("https://api.example.test", transport=httpx.MockTransport(rec.handler)) as client:
            return await send(client, method, "/thing?api_key=abc", provider="Example", kind=kind,
                              policy=RetryPolicy(max_attempts=4, base_delay=1.0), sleep=rec.sleep,
                              jitter=lambda: 1.0)

    return asyncio.run(go())


# ------------------------------------------------------------------------------------------ URL policy


@pytest.mark.parametrize("url", ["http://127.0.0.1:8765", "http://127.5.6.7", "http://localhost:1", "http://[::1]:80",
                                 "https://platform.ringcentral.com", "https://10.0.0.1"])
def test_allowed_urls(url: str) -> None:
    assert check_url(url).host


@pytest.mark.parametrize("url", ["http://platform.ringcentral.com", "http://192.168.1.10:8765", "http://10.0.0.1",
                                 "ftp://127.0.0.1", "127.0.0.1:8765"])
def test_plain_http_to_other_hosts_is_refused(url: str) -> None:
    with pytest.raises(InsecureURLError):
        check_url(url)
    with pytest.raises(InsecureURLError):
        make_client(url)


def test_origins_default_to_the_documents_and_follow_the_environment() -> None:
    assert origin_for("ringez", {}) == "https://ringez-api.vercel.app"
    assert origin_for("ringcentral", {}) == "https://platform.ringcentral.com"
    assert origin_for("calledin", {}) == "https://called.in"
    assert origin_for("ringostat", {}) == "https://api.ringostat.net"
    assert origin_for("ringez", {"DIALER_RINGEZ_URL": "http://127.0.0.1:8765/"}) == "http://127.0.0.1:8765"
    with pytest.raises(InsecureURLError):
        origin_for("calledin", {"DIALER_CALLEDIN_URL": "http://called.in"})
    with pytest.raises(InsecureURLError, match="not a path"):
        origin_for("ringez", {"DIALER_RINGEZ_URL": "http://127.0.0.1:8765/api/v1"})


def test_client_verifies_tls_and_does_not_follow_redirects() -> None:
    client = make_client("https://called.in")
    try:
        assert client.follow_redirects is False
        assert client.timeout.connect == 5.0 and client.timeout.read == 15.0
    finally:
        asyncio.run(client.aclose())


# ---------------------------------------------------------------------------------------------- retries


def test_safe_request_retries_5xx_with_exponential_backoff() -> None:
    rec = Recorder([status(502), status(500), status(504), status(200)])
    response = run_send(rec, RequestKind.SAFE)
    assert response.status_code == 200
    assert len(rec.requests) == 4
    assert rec.sleeps == [1.0, 2.0, 4.0]


def test_safe_request_gives_up_after_the_attempt_budget() -> None:
    rec = Recorder([status(503)])
    with pytest.raises(ProviderUnavailable, match="HTTP 503"):
        run_send(rec, RequestKind.SAFE)
    assert len(rec.requests) == 4 and len(rec.sleeps) == 3


def test_retry_after_is_honoured_when_longer_than_the_backoff() -> None:
    rec = Recorder([status(429, {"Retry-After": "7"}), status(200)])
    assert run_send(rec, RequestKind.SAFE).status_code == 200
    assert rec.sleeps == [7.0]


def test_a_long_retry_after_is_handed_to_the_user_not_waited() -> None:
    rec = Recorder([status(429, {"Retry-After": "120"})])
    with pytest.raises(RateLimited) as info:
        run_send(rec, RequestKind.SAFE)
    assert info.value.retry_after == 120.0
    assert len(rec.requests) == 1 and rec.sleeps == []


def test_429_without_retry_after_waits_for_the_ringcentral_window() -> None:
    headers = {"X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Window": "20"}
    rec = Recorder([status(429, headers), status(200)])
    assert run_send(rec, RequestKind.SAFE).status_code == 200
    assert rec.sleeps == [20.0]


def test_client_errors_are_returned_not_retried() -> None:
    rec = Recorder([status(404)])
    assert run_send(rec, RequestKind.SAFE).status_code == 404
    assert len(rec.requests) == 1


def test_connect_error_means_not_placed_even_for_call_creates() -> None:
    rec = Recorder([raise_(httpx.ConnectError)])
    with pytest.raises(ProviderUnavailable, match="Nothing was placed"):
        run_send(rec, RequestKind.CALL_CREATE, "POST")
    assert len(rec.requests) == 4  # nothing reached the server, so re-trying is harmless


@pytest.mark.parametrize("failure", [httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ReadError])
def test_lost_answer_to_a_call_create_is_outcome_unknown_and_never_resent(
        failure: type[httpx.TransportError]) -> None:
    rec = Recorder([raise_(failure), status(200)])
    with pytest.raises(OutcomeUnknown, match="may have been placed"):
        run_send(rec, RequestKind.CALL_CREATE, "POST")
    assert len(rec.requests) == 1


def test_server_error_to_a_call_create_is_outcome_unknown() -> None:
    rec = Recorder([status(500), status(200)])
    with pytest.raises(OutcomeUnknown):
        run_send(rec, RequestKind.CALL_CREATE, "POST")
    assert len(rec.requests) == 1


def test_503_to_a_call_create_is_not_placed() -> None:
    rec = Recorder([status(503)])
    with pytest.raises(ProviderUnavailable):
        run_send(rec, RequestKind.CALL_CREATE, "POST")


def test_idempotent_create_is_resent_after_a_lost_answer() -> None:
    rec = Recorder([raise_(httpx.ReadTimeout), status(500), status(201)])
    assert run_send(rec, RequestKind.IDEMPOTENT_CREATE, "POST").status_code == 201
    assert len(rec.requests) == 3
    assert len({r.content for r in rec.requests}) == 1  # the same request (and key) every time


def test_idempotent_create_that_never_gets_an_answer_is_outcome_unknown() -> None:
    rec = Recorder([raise_(httpx.ReadTimeout)])
    with pytest.raises(OutcomeUnknown):
        run_send(rec, RequestKind.IDEMPOTENT_CREATE, "POST")
    assert len(rec.requests) == 4


def test_unsafe_action_is_not_resent_after_a_lost_answer() -> None:
    rec = Recorder([raise_(httpx.ReadTimeout), status(200)])
    with pytest.raises(ProviderUnavailable, match="did not confirm"):
        run_send(rec, RequestKind.UNSAFE, "POST")
    assert len(rec.requests) == 1


def test_a_loopback_origin_is_reached_directly_never_through_an_environment_proxy(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A plain-http sign-in to the local sandbox must not hand its password to HTTP_PROXY."""
    import asyncio

    from dialer.providers.http import make_client

    async def main() -> tuple[list[bytes], list[bytes]]:
        seen_by_proxy: list[bytes] = []
        seen_by_target: list[bytes] = []

        async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            seen_by_proxy.append(await reader.read(4096))
            writer.close()

        async def target(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            seen_by_target.append(await reader.readuntil(b"\r\n\r\n"))
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
            await writer.drain()
            writer.close()

        proxy_server = await asyncio.start_server(proxy, "127.0.0.1", 0)
        target_server = await asyncio.start_server(target, "127.0.0.1", 0)
        proxy_port = proxy_server.sockets[0].getsockname()[1]
        target_port = target_server.sockets[0].getsockname()[1]
        for variable in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.setenv(variable, f"http://127.0.0.1:{proxy_port}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        async with make_client(f"http://127.0.0.1:{target_port}") as client:
            response = await client.post("/api/v1/auth/login", json={"password": "hunter2-secret"})
        assert response.status_code == 200
        proxy_server.close()
        target_server.close()
        return seen_by_proxy, seen_by_target

    by_proxy, by_target = asyncio.run(main())
    assert by_proxy == [] and len(by_target) == 1
    assert b"POST /api/v1/auth/login" in by_target[0]
