"""Browser sign-in and token rotation: PKCE S256, state, a one-shot loopback listener on 127.0.0.1, hostile
redirects, and a refresh-token rotation interrupted between the provider's answer and the store."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import socket
import time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialer.core.calls import CallMode
from dialer.providers import http, oauth_loopback, registry
from dialer.providers.base import SignInRequired, StartCall
from dialer.providers.oauth_loopback import BrowserSignInFailed, LoopbackRedirect
from dialer.providers.secretstore import MemorySecretStore
from dialer.service import DialerService

from . import _report
from ._harness import run
from .conftest import Box

OWN = "+14155559876"


def _table() -> None:
    _report.ensure("OAuth", "cases", "failures")


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


def test_pkce_is_s256_of_a_strong_verifier() -> None:
    _table()
    seen = set()
    for _ in range(200):
        pkce = oauth_loopback.new_pkce()
        assert 43 <= len(pkce.verifier) <= 128
        assert set(pkce.verifier) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        assert pkce.challenge == _s256(pkce.verifier) and pkce.method == "S256"
        seen.add(pkce.verifier)
    assert len(seen) == 200
    _report.add("OAuth", "cases", 200)


async def _raw(port: int, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    data = await reader.read()
    writer.close()
    return data


def _get(path: str, host: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()


async def _refused(port: int) -> bool:
    try:
        _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return True
    writer.close()
    return False


HOSTILE = {
    "wrong state": (lambda st_: {"state": "forged", "code": "c0de"}, None, "state mismatch"),
    "missing code": (lambda st_: {"state": st_}, None, "did not send a sign-in code"),
    "error param": (lambda st_: {"state": st_, "error": "access_denied"}, None, "refused the sign-in"),
    "foreign Host": (lambda st_: {"state": st_, "code": "c0de"}, "evil.example:{port}", "did not give out"),
    "no Host": (lambda st_: {"state": st_, "code": "c0de"}, "", "did not give out"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_redirects_fail_clearly_and_close_the_listener(case: str) -> None:
    _table()
    make_query, host, words = HOSTILE[case]

    async def body() -> tuple[str, bytes, bool, str]:
        listener = LoopbackRedirect(provider="RingCentral")
        uri = await listener.start()
        port = urlsplit(uri).port
        assert port is not None
        # Noise first: other paths and methods get an answer but do not end the sign-in.
        noise = [await _raw(port, _get("/favicon.ico", f"127.0.0.1:{port}")),
                 await _raw(port, b"POST /callback HTTP/1.1\r\nHost: x\r\n\r\n")]
        assert all(b"HTTP/1.1 40" in n for n in noise)
        host_header = (host if host is not None else "127.0.0.1:{port}").format(port=port)
        request = _get(f"/callback?{urlencode(make_query(listener.state))}", host_header)
        if not host_header:
            request = request.replace(b"Host: \r\n", b"")
        waiter = asyncio.ensure_future(listener.wait_for_code(5))
        answer = await _raw(port, request)
        try:
            await waiter
        except BrowserSignInFailed as exc:
            message = str(exc)
        else:
            message = ""
        return message, answer, await _refused(port), listener.state

    message, answer, closed, state = run(body)
    _report.add("OAuth", "cases")
    ok = bool(message) and words in message and b"400 Bad Request" in answer and closed
    _report.add("OAuth", "failures", int(not ok))
    assert words in message, message
    assert "again" in message
    assert b"400 Bad Request" in answer
    assert state not in message
    assert closed, "the listener must stop after one redirect"


def test_random_redirects_never_crash_the_listener() -> None:
    _table()
    keys = st.sampled_from(["state", "code", "error", "error_description", "x", ""])
    values = st.text(max_size=30)

    @settings(max_examples=_report.examples(40, 400), deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.dictionaries(keys, values, max_size=4), st.booleans(), st.sampled_from(["/callback", "/callback", "/callback", "/", "/x"]))
    def check(query: dict[str, str], real_state: bool, path: str) -> None:
        async def body() -> None:
            listener = LoopbackRedirect(provider="RingCentral")
            uri = await listener.start()
            port = urlsplit(uri).port
            assert port is not None
            if real_state:
                query["state"] = listener.state
            waiter = asyncio.ensure_future(listener.wait_for_code(0.2))
            await _raw(port, _get(f"{path}?{urlencode(query)}", f"127.0.0.1:{port}"))
            try:
                code = await waiter
            except BrowserSignInFailed as exc:
                assert "again" in str(exc).lower() or "try" in str(exc).lower()
            else:
                assert path == "/callback" and real_state and code == query.get("code") and code
                assert not query.get("error")
            assert await _refused(port)

        _report.add("OAuth", "cases")
        asyncio.run(body())

    check()


def test_browser_sign_in_binds_loopback_only_and_takes_one_redirect(box: Box,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _table()
    made: list[oauth_loopback.Pkce] = []
    original = oauth_loopback.new_pkce

    def remember() -> oauth_loopback.Pkce:
        made.append(original())
        return made[-1]

    monkeypatch.setattr("dialer.providers.ringcentral.new_pkce", remember)
    seen: dict[str, Any] = {}

    async def browser(url: str) -> None:
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        seen["query"] = query
        redirect = urlsplit(query["redirect_uri"])
        seen["host"], port = redirect.hostname, redirect.port
        assert port is not None
        others = [a for a in {i[4][0] for i in socket.getaddrinfo(socket.gethostname(), None)}
                  if not a.startswith(("127.", "::1"))]
        for address in [*others, "::1"]:
            with contextlib.suppress(OSError), socket.create_connection((address, port), timeout=1):
                seen.setdefault("reachable", []).append(address)
        async with httpx.AsyncClient(follow_redirects=False, timeout=10) as client:
            approved = await client.get(url + "&approve=1")
            seen["location"] = approved.headers["location"]

    async def follow(location: str) -> None:
        async with httpx.AsyncClient(timeout=10) as client:
            await client.get(location)

    async def body() -> tuple[bool, int]:
        service = await DialerService.open(demo_sandbox_url=box.url, time_scale=0.05)
        try:
            creds = (await asyncio.to_thread(box.credentials))["ringcentral"]

            async def open_browser(url: str) -> None:
                await browser(url)
                seen["follow"] = asyncio.ensure_future(follow(seen["location"]))

            view = await service.accounts.sign_in_browser("ringcentral", {"client_id": creds["client_id"]},
                                                          open_browser)
            port = urlsplit(seen["location"]).port
            assert port is not None
            return view.signed_in, port
        finally:
            await service.aclose()

    signed_in, port = run(body)
    query = seen["query"]
    _report.add("OAuth", "cases")
    assert signed_in
    assert query["code_challenge_method"] == "S256" and query["code_challenge"] == _s256(made[-1].verifier)
    assert query["state"] and query["state"] in seen["location"]
    assert seen["host"] == "127.0.0.1" and not seen.get("reachable"), seen.get("reachable")
    assert run(lambda: _refused(port)), "a second redirect must find the listener closed"


class _StoreDies(MemorySecretStore):
    """A secret store that fails (like a crash) when the new token pair is written."""

    armed = False

    def set(self, account_key: str, name: str, value: str) -> None:
        if self.armed and name == "tokens":
            raise OSError("the keyring went away mid-write")
        super().set(account_key, name, value)


@pytest.mark.parametrize("sign_in", ["jwt", "password"])
def test_refresh_rotation_survives_a_crash_before_the_store(box: Box, sign_in: str) -> None:
    _table()
    creds = box.credentials()["ringcentral"]
    if sign_in == "jwt":
        form = {"client_id": creds["client_id"], "client_secret": creds["client_secret"], "jwt": creds["jwt"]}
    else:
        form = {"client_id": creds["client_id"], "client_secret": creds["client_secret"],
                "username": creds["username"], "password": creds["password"]}

    def client(secrets: MemorySecretStore, http_client: httpx.AsyncClient, *, shifted: bool) -> Any:
        provider = registry.create("ringcentral", account_key="rc", secrets=secrets,
                                   settings={"client_id": creds["client_id"]}, client=http_client)
        if shifted:  # a minute before the access token expires: the client renews first
            provider.clock = lambda: time.time() + 3590
        return provider

    async def body() -> tuple[str | None, str | None, bool]:
        store = _StoreDies()
        async with http.make_client(http.origin_for("ringcentral")) as http_client:
            await client(store, http_client, shifted=False).sign_in(form)
            store.armed = True
            with pytest.raises(OSError):
                await client(store, http_client, shifted=True).call_status("1")
            assert store.get("rc", "refresh_started")  # the marker says a renewal was under way
            survivor = MemorySecretStore()
            survivor.items.update(store.items)  # what the keyring held when the app died
            restarted = client(survivor, http_client, shifted=True)
            try:
                status = await restarted.start_call(StartCall(destination="+14155550006", mode=CallMode.BRIDGE,
                                                              own_number=OWN, idempotency_key="k"))
            except SignInRequired as exc:
                return None, str(exc), restarted.is_signed_in()
            return status.call_id, survivor.get("rc", "refresh_started"), True

    result = run(body)
    _report.add("OAuth", "cases")
    if sign_in == "jwt":
        call_id, marker, _ = result
        assert call_id and marker is None  # recovered with the stored JWT; marker cleared
        assert len(box.calls("ringcentral")) == 1
    else:
        call_id, message, signed_in = result
        assert call_id is None and message and "interrupted" in message and "Sign in" in message
        assert not signed_in and box.calls("ringcentral") == []
