"""What every HTTP provider client shares: construction, the send policy, secret access."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from dialer.providers.base import Provider
from dialer.providers.http import DEFAULT_POLICY, RequestKind, RetryPolicy, Sleep, send
from dialer.providers.logmask import register_secret
from dialer.providers.secretstore import SecretStoreLike


class HttpProvider(Provider):
    """A provider client for one account over an injected ``httpx.AsyncClient`` (owned by the caller)."""

    def __init__(
        self,
        *,
        account_key: str,
        secrets: SecretStoreLike,
        settings: Mapping[str, str],
        client: httpx.AsyncClient,
        sleep: Sleep = asyncio.sleep,
        policy: RetryPolicy = DEFAULT_POLICY,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.account_key = account_key
        self.secrets = secrets
        self.settings = dict(settings)
        self.client = client
        self._sleep = sleep
        self._policy = policy
        self._jitter = jitter

    @property
    def name(self) -> str:
        return self.capabilities.display_name

    async def _send(self, method: str, url: str, kind: RequestKind, **kwargs: Any) -> httpx.Response:
        return await send(
            self.client, method, url, provider=self.name, kind=kind, policy=self._policy,
            sleep=self._sleep, jitter=self._jitter, on_response=self._on_response, **kwargs)

    def _on_response(self, response: httpx.Response) -> None:
        """Hook for providers that read headers of every answer (RingCentral rate limits)."""

    def _secret(self, name: str) -> str | None:
        value = self.secrets.get(self.account_key, name)
        register_secret(value)
        return value

    def _store_secret(self, name: str, value: str) -> None:
        register_secret(value)
        self.secrets.set(self.account_key, name, value)
