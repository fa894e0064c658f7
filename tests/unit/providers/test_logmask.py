"""Secrets never reach a log line, whether we log them by mistake or httpx logs a URL with a key in it."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest

from dialer.providers.base import StartCall
from dialer.providers.calledin import CalledInProvider
from dialer.providers.http import make_client
from dialer.providers.logmask import get_logger, mask, register_secret
from dialer.providers.secretstore import MemorySecretStore


def test_registered_secret_is_masked_in_our_log_lines(caplog: pytest.LogCaptureFixture) -> None:
    register_secret("s3cr3t-value-42")
    log = get_logger("dialer.providers.test")
    with caplog.at_level(logging.DEBUG, logger="dialer.providers.test"):
        log.info("token is %s and again %s", "s3cr3t-value-42", "s3cr3t-value-42")
    assert "s3cr3t-value-42" not in caplog.text
    assert "token is ***" in caplog.text


def test_credential_patterns_are_masked_without_registration() -> None:
    text = mask("GET /api/clicktocall/?api_key=abcdef123&x=1 Authorization: Bearer eyJhbGciOi X-Session-ID: sess_zz9")
    assert "abcdef123" not in text and "eyJhbGciOi" not in text and "sess_zz9" not in text


def test_httpx_request_log_does_not_show_the_called_in_api_key(caplog: pytest.LogCaptureFixture) -> None:
    """Called.in sends its api_key in the query string; httpx logs every request URL at INFO."""
    key = "KEY-visible-in-url-123"
    store = MemorySecretStore()
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, text="0")

    async def go() -> None:
        async with make_client("https://called.in", transport=httpx.MockTransport(handler)) as client:
            provider = CalledInProvider(account_key="acc", secrets=store, settings={}, client=client)
            await provider.sign_in({"api_key": key})
            await provider.start_call(StartCall(destination="+442071838750", own_number="+14155550100"))

    with caplog.at_level(logging.DEBUG):
        asyncio.run(go())
    assert key in seen[0]  # it really was in the URL
    assert "HTTP Request" in caplog.text
    assert key not in caplog.text
