"""The one-shot loopback listener for browser sign-in, driven by real HTTP requests on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from dialer.providers.oauth_loopback import BrowserSignInFailed, LoopbackRedirect, authorize_url, new_pkce


def test_pkce_challenge_is_s256_of_the_verifier() -> None:
    pkce = new_pkce()
    assert 43 <= len(pkce.verifier) <= 128 and "=" not in pkce.verifier
    expected = base64.urlsafe_b64encode(hashlib.sha256(pkce.verifier.encode()).digest()).rstrip(b"=").decode()
    assert pkce.challenge == expected and pkce.method == "S256"
    assert new_pkce().verifier != pkce.verifier


def test_authorize_url_carries_every_pkce_parameter() -> None:
    url = authorize_url("https://platform.ringcentral.com", client_id="cid", redirect_uri="http://127.0.0.1:5/callback",
                        state="st", code_challenge="ch")
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert parts.path == "/restapi/oauth/authorize"
    assert query == {"response_type": "code", "client_id": "cid", "redirect_uri": "http://127.0.0.1:5/callback",
                     "state": "st", "code_challenge": "ch", "code_challenge_method": "S256"}


async def _browser_visit(url: str) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.get(url)


def test_the_right_state_yields_the_code_and_the_listener_closes() -> None:
    async def go() -> None:
        listener = LoopbackRedirect()
        redirect = await listener.start()
        assert redirect.startswith("http://127.0.0.1:") and redirect.endswith("/callback")
        page = await _browser_visit(f"{redirect}?code=abc123&state={listener.state}")
        assert page.status_code == 200 and "close this tab" in page.text
        assert await listener.wait_for_code(5) == "abc123"
        with pytest.raises(httpx.ConnectError):  # exactly one redirect: nothing listens any more
            await _browser_visit(f"{redirect}?code=other&state={listener.state}")

    asyncio.run(go())


def test_a_wrong_state_is_refused_with_a_page_and_an_error() -> None:
    async def go() -> None:
        listener = LoopbackRedirect(provider="RingCentral")
        redirect = await listener.start()
        page = await _browser_visit(f"{redirect}?code=evil&state=forged")
        assert page.status_code == 400 and "state mismatch" in page.text
        with pytest.raises(BrowserSignInFailed, match="state mismatch"):
            await listener.wait_for_code(5)

    asyncio.run(go())


def test_missing_code_and_provider_errors_fail_clearly() -> None:
    async def go(query: str) -> str:
        listener = LoopbackRedirect(provider="RingCentral")
        redirect = await listener.start()
        await _browser_visit(f"{redirect}?state={listener.state}{query}")
        with pytest.raises(BrowserSignInFailed) as info:
            await listener.wait_for_code(5)
        return str(info.value)

    assert "did not send a sign-in code" in asyncio.run(go(""))
    assert "access_denied" in asyncio.run(go("&error=access_denied"))


def test_other_paths_do_not_consume_the_one_shot() -> None:
    async def go() -> None:
        listener = LoopbackRedirect()
        redirect = await listener.start()
        base = redirect.rsplit("/", 1)[0]
        assert (await _browser_visit(f"{base}/favicon.ico")).status_code == 404
        await _browser_visit(f"{redirect}?code=c1&state={listener.state}")
        assert await listener.wait_for_code(5) == "c1"

    asyncio.run(go())


def test_timeout_when_the_user_never_finishes() -> None:
    async def go() -> None:
        listener = LoopbackRedirect(provider="RingCentral")
        await listener.start()
        with pytest.raises(BrowserSignInFailed, match="not finished within"):
            await listener.wait_for_code(0.05)

    asyncio.run(go())


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_a_fixed_redirect_uri_is_listened_on_exactly() -> None:
    """RingCentral matches the registered redirect URI exactly: same host, port and path."""
    async def go() -> None:
        uri = f"http://localhost:{_free_port()}/rc/back"
        listener = LoopbackRedirect(redirect_uri=uri, provider="RingCentral")
        assert await listener.start() == uri
        other_path = await _browser_visit(uri.replace("/rc/back", "/callback") + f"?code=c&state={listener.state}")
        assert other_path.status_code == 404
        page = await _browser_visit(f"{uri}?code=c0de&state={listener.state}")
        assert page.status_code == 200
        assert await listener.wait_for_code(5) == "c0de"

    asyncio.run(go())


@pytest.mark.parametrize(("uri", "why"), [
    ("https://127.0.0.1:53682/callback", "http://"),
    ("http://example.com:53682/callback", "127.0.0.1, localhost or [::1]"),
    ("http://127.0.0.1/callback", "port"),
    ("http://127.0.0.1:53682", "path"),
    ("http://127.0.0.1:53682/callback?x=1", "path"),
])
def test_unusable_redirect_uris_are_refused_with_the_reason(uri: str, why: str) -> None:
    with pytest.raises(BrowserSignInFailed, match="cannot be used") as caught:
        LoopbackRedirect(redirect_uri=uri)
    assert why in str(caught.value) and "http://127.0.0.1:53682/callback" in str(caught.value)


def test_a_busy_redirect_port_is_explained() -> None:
    import socket

    async def go() -> None:
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            listener = LoopbackRedirect(redirect_uri=f"http://127.0.0.1:{port}/callback")
            with pytest.raises(BrowserSignInFailed, match=f"port {port} on this computer is in use"):
                await listener.start()

    asyncio.run(go())
