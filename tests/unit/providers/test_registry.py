"""The registry: truthful capabilities without importing httpx, and clients created by id."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import httpx
import pytest

from dialer.core.calls import CallMode
from dialer.providers import registry
from dialer.providers.base import HangupSupport, LegReporting, NotSupported, Provider
from dialer.providers.http import make_client
from dialer.providers.secretstore import MemorySecretStore


def test_capability_lookup_does_not_import_httpx() -> None:
    code = ("import sys; from dialer.providers.registry import capabilities_of; "
            "c = capabilities_of('ringcentral'); assert 'httpx' not in sys.modules, 'httpx imported'; print(c.hangup)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "before-connect"


def test_declared_capabilities_match_the_documents() -> None:
    ringez = registry.capabilities_of("ringez")
    assert ringez.modes == {CallMode.BRIDGE, CallMode.DIRECT} and ringez.dtmf and ringez.balance
    assert ringez.wallet_url == "https://ringez.com/wallet"
    rc = registry.capabilities_of("ringcentral")
    assert rc.leg_status is LegReporting.TWO_LEGS and rc.hangup is HangupSupport.BEFORE_CONNECT
    assert rc.hangup_note == "An answered RingOut is ended from your phone."
    assert registry.capabilities_of("calledin").leg_status is LegReporting.CALLBACK_ONLY
    ringostat = registry.capabilities_of("ringostat")
    assert ringostat.leg_status is LegReporting.NONE and ringostat.hangup is HangupSupport.NEVER
    with pytest.raises(registry.UnknownProvider):
        registry.capabilities_of("skype")


@pytest.mark.parametrize("provider_id", registry.PROVIDER_IDS)
def test_create_builds_each_client_and_unsupported_actions_say_so(provider_id: str) -> None:
    async def go() -> None:
        async with make_client("https://example.test", transport=httpx.MockTransport(lambda r: httpx.Response(500))) as client:
            provider = registry.create(provider_id, account_key="a1", secrets=MemorySecretStore(), settings={},
                                       client=client)
            assert isinstance(provider, Provider)
            assert isinstance(provider, registry.PROVIDERS[provider_id])
            assert provider.capabilities is registry.capabilities_of(provider_id)
            assert not provider.is_signed_in()
            if not provider.capabilities.dtmf:
                with pytest.raises(NotSupported):
                    await provider.send_dtmf("x", "1")
            if provider.capabilities.hangup is HangupSupport.NEVER:
                with pytest.raises(NotSupported):
                    await provider.hang_up("x")

    asyncio.run(go())
