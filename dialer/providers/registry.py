"""Provider lookup by id.

``capabilities_of`` is light (no httpx import): the UI can call it at start-up. ``PROVIDERS`` and
``create`` import the client modules (and httpx) on first use.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from dialer.providers.base import Capabilities, Provider
from dialer.providers.capabilities import CAPABILITIES

if TYPE_CHECKING:
    import httpx

    from dialer.providers._common import HttpProvider
    from dialer.providers.secretstore import SecretStoreLike

    PROVIDERS: dict[str, type[Provider]]

PROVIDER_IDS = tuple(CAPABILITIES)


class UnknownProvider(KeyError):
    """A provider id the app does not know."""

    def __str__(self) -> str:
        return f"Unknown provider {self.args[0]!r}; known: {', '.join(PROVIDER_IDS)}."


def capabilities_of(provider_id: str) -> Capabilities:
    try:
        return CAPABILITIES[provider_id]
    except KeyError:
        raise UnknownProvider(provider_id) from None


def _load_providers() -> dict[str, type[HttpProvider]]:
    from dialer.providers.calledin import CalledInProvider
    from dialer.providers.ringcentral import RingCentralProvider
    from dialer.providers.ringez import RingezProvider
    from dialer.providers.ringostat import RingostatProvider

    return {
        "ringez": RingezProvider,
        "ringcentral": RingCentralProvider,
        "calledin": CalledInProvider,
        "ringostat": RingostatProvider,
    }


def __getattr__(name: str) -> Any:
    if name == "PROVIDERS":
        providers = _load_providers()
        as_base: dict[str, type[Provider]] = dict(providers)
        globals()["PROVIDERS"] = as_base
        return as_base
    raise AttributeError(name)


def create(
    provider_id: str,
    *,
    account_key: str,
    secrets: SecretStoreLike,
    settings: Mapping[str, str],
    client: httpx.AsyncClient,
    sleep: Any = asyncio.sleep,
) -> Provider:
    """A client for one account. ``client`` comes from ``http.make_client(http.origin_for(provider_id))``."""
    capabilities_of(provider_id)
    cls = _load_providers()[provider_id]
    return cls(account_key=account_key, secrets=secrets, settings=settings, client=client, sleep=sleep)
