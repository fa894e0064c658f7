"""Every sandbox test starts from a clean sandbox and gets an httpx client bound to it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from dialer.sandbox import SandboxServer

from .helpers import Receiver


@pytest.fixture(autouse=True)
def _clean(sandbox_reset: SandboxServer) -> None:
    """Autouse: each test here starts from a reset sandbox."""


@pytest.fixture
def client(sandbox_http: httpx.Client) -> Iterator[httpx.Client]:
    """The shared keep-alive client (no cookies are involved, so sharing it is safe)."""
    yield sandbox_http


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A loopback HTTP server recording the GET callbacks it gets (Called.in's callback_url)."""
    r = Receiver()
    yield r
    r.close()
