"""Accounts: signing in and out, one provider client per account, balances.

Secrets never pass through here into SQLite: the provider clients write them to the secret store under the
account's ``account_key`` (kept, non-secret, in the account's settings), and the store keeps only the label
and non-secret settings. Clients and their ``httpx.AsyncClient`` are built on first use and closed by
:meth:`AccountService.aclose`.
"""

from __future__ import annotations

import builtins
import logging
import os
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from dialer.core import numbers
from dialer.providers import registry
from dialer.providers.base import (
    Balance,
    CallerIdChoices,
    NumberChoice,
    Provider,
    ProviderError,
    SignInRequired,
)
from dialer.providers.secretstore import SecretStoreLike
from dialer.service.active import AccountView
from dialer.service.errors import AccountError, DialError
from dialer.store.accounts import Account, AccountStore

log = logging.getLogger(__name__)

ACCOUNT_KEY = "account_key"
CALLER_ID = "caller_id"  # the account's default caller ID (E.164), a non-secret account setting
# Credentials that are not secret and that a client needs at construction (kept in account settings).
_PLAIN_SETTINGS = ("client_id", "project_id", "extension", "redirect_uri", "play_prompt")
DEMO_ENV = ("DIALER_RINGEZ_URL", "DIALER_RINGCENTRAL_URL", "DIALER_CALLEDIN_URL", "DIALER_RINGOSTAT_URL")


def set_sandbox_env(sandbox_url: str) -> None:
    """Point every provider client of this process at the sandbox."""
    url = sandbox_url.rstrip("/")
    for name in DEMO_ENV:
        os.environ[name] = url
    os.environ["DIALER_SANDBOX_URL"] = url


def demo_credentials(provider_id: str, creds: Mapping[str, str]) -> dict[str, str]:
    """Pick one sign-in method out of the sandbox's published credentials."""
    if provider_id == "ringez":
        return {"email": creds["email"], "password": creds["password"]}
    if provider_id == "ringcentral":
        return {"client_id": creds["client_id"], "client_secret": creds["client_secret"], "jwt": creds["jwt"]}
    return dict(creds)


class AccountService:
    """The accounts the user signed in with, and a live client for each."""

    def __init__(self, *, store: AccountStore, secrets: SecretStoreLike,
                 extra_settings: Callable[[str], Mapping[str, str]] = lambda _pid: {},
                 after_demo: Callable[[], None] | None = None) -> None:
        self._after_demo = after_demo
        self._store = store
        self._secrets = secrets
        self._extra_settings = extra_settings
        self._clients: dict[int, Provider] = {}
        self._http: list[Any] = []
        self.balances: dict[int, Balance] = {}

    # -------------------------------------------------------------------------------------- clients

    def _build(self, provider_id: str, account_key: str, settings: Mapping[str, str]) -> Provider:
        from dialer.providers import http

        client = http.make_client(http.origin_for(provider_id))
        self._http.append(client)
        merged = {**settings, **self._extra_settings(provider_id)}
        return registry.create(provider_id, account_key=account_key, secrets=self._secrets, settings=merged,
                               client=client)

    def _account(self, account_id: int) -> Account:
        account = self._store.get(account_id)
        if account is None:
            raise DialError("That account is not known any more; choose another account or sign in again.")
        return account

    @staticmethod
    def _key(account: Account) -> str:
        return account.settings.get(ACCOUNT_KEY) or account.key

    def client(self, account_id: int) -> Provider:
        """The live client of an account (built on first use)."""
        cached = self._clients.get(account_id)
        if cached is not None:
            return cached
        account = self._account(account_id)
        try:
            client = self._build(account.provider, self._key(account), account.settings)
        except ValueError as exc:  # InsecureURLError: a DIALER_*_URL that would send secrets in clear
            raise DialError(str(exc)) from exc
        self._clients[account_id] = client
        return client

    def _view(self, account: Account) -> AccountView:
        caps = registry.capabilities_of(account.provider)
        detail, first = "", None
        try:
            client = self.client(account.id)
            signed_in = client.is_signed_in()
            detail, first = client.describe_account(), client.rings_first()
        except (ProviderError, DialError) as exc:
            log.info("account %s: %s", account.id, exc)
            signed_in = False
        return AccountView(id=account.id, provider_id=account.provider, label=account.label,
                           capabilities=caps, signed_in=signed_in, detail=detail, rings_first=first,
                           caller_id=account.settings.get(CALLER_ID) or None if caps.caller_id else None)

    # --------------------------------------------------------------------------------------- public

    def list(self) -> list[AccountView]:
        return [self._view(a) for a in self._store.list()]

    def get(self, account_id: int) -> AccountView:
        return self._view(self._account(account_id))

    def find(self, provider_id: str) -> builtins.list[AccountView]:
        return [v for v in self.list() if v.provider_id == provider_id]

    async def ringez_check_email(self, email: str) -> str:
        """``"new_user"`` (sign in with an e-mailed code) or ``"existing_user"`` (sign in with password)."""
        client = self._build("ringez", f"ringez:pending-{uuid.uuid4().hex[:8]}", {})
        result: str = await client.check_email(email)  # type: ignore[attr-defined]
        return result

    async def ringez_send_otp(self, email: str) -> None:
        """Ask Ringez to e-mail a sign-in code."""
        client = self._build("ringez", f"ringez:pending-{uuid.uuid4().hex[:8]}", {})
        await client.send_otp(email)  # type: ignore[attr-defined]

    async def sign_in(self, provider_id: str, credentials: Mapping[str, str], *,
                      label: str | None = None) -> AccountView:
        """Sign in (checks the credentials with the provider where it can) and remember the account."""
        registry.capabilities_of(provider_id)
        key = f"{provider_id}:{uuid.uuid4().hex[:12]}"
        settings = {k: str(credentials[k]) for k in _PLAIN_SETTINGS if credentials.get(k)}
        client = self._build(provider_id, key, settings)
        return await self._complete(provider_id, key, settings, client,
                                    lambda: client.sign_in(credentials), label)

    async def sign_in_browser(self, provider_id: str, settings: Mapping[str, str],
                              open_browser: Callable[[str], Awaitable[None] | None]) -> AccountView:
        """RingCentral: authorization code + PKCE in the user's browser (loopback redirect).

        ``settings`` carries the app's ``client_id`` (else DIALER_RINGCENTRAL_CLIENT_ID is used), optionally
        its ``client_secret`` (kept in the secret store, sent with the code exchange) and the registered
        ``redirect_uri`` (default http://127.0.0.1:53682/callback); ``open_browser(url)`` shows the page.
        """
        key = f"{provider_id}:{uuid.uuid4().hex[:12]}"
        plain = {k: str(v) for k, v in settings.items() if k in _PLAIN_SETTINGS}
        client = self._build(provider_id, key, plain)
        method = getattr(client, "sign_in_browser", None)
        if method is None:
            raise AccountError(f"{client.capabilities.display_name} has no browser sign-in; use its "
                               "credentials instead.")
        secret = str(settings.get("client_secret") or "")
        return await self._complete(provider_id, key, plain, client,
                                    lambda: method(open_browser, client_secret=secret or None), None)

    async def _complete(self, provider_id: str, key: str, settings: Mapping[str, str], client: Provider,
                        attempt: Callable[[], Awaitable[Any]], label: str | None) -> AccountView:
        try:
            info = await attempt()
        except BaseException:
            self._secrets.delete_all(key)
            raise
        final_label = label or info.label
        existing = self._store.find(provider_id, final_label)
        if existing is not None:
            self._secrets.delete_all(self._key(existing))
            self._clients.pop(existing.id, None)
        account = self._store.add(provider_id, final_label, {**settings, **info.settings, ACCOUNT_KEY: key})
        self._clients[account.id] = client
        return self._view(account)

    async def sign_out(self, account_id: int) -> None:
        """Forget the account's secrets (revoking where the provider can) and the account itself."""
        account = self._account(account_id)
        try:
            await self.client(account_id).sign_out()
        except ProviderError as exc:
            log.info("sign-out of account %s at the provider failed: %s", account_id, exc)
        self._secrets.delete_all(self._key(account))
        self._clients.pop(account_id, None)
        self.balances.pop(account_id, None)
        self._store.remove(account_id)

    async def balance(self, account_id: int) -> Balance:
        account = self._account(account_id)
        if not registry.capabilities_of(account.provider).balance:
            raise AccountError(f"{registry.capabilities_of(account.provider).display_name} does not report a "
                               "balance.")
        value = await self.client(account_id).balance()
        self.balances[account_id] = value
        return value

    def last_balance(self, account_id: int) -> Balance | None:
        return self.balances.get(account_id)

    # ---------------------------------------------------------------------------------- caller ID

    def _caller_id_provider(self, account_id: int) -> Provider:
        client = self.client(account_id)
        if not client.capabilities.caller_id:
            raise AccountError(f"{client.capabilities.display_name} cannot choose the caller ID the person you "
                               "call sees.")
        return client

    async def caller_ids(self, account_id: int) -> CallerIdChoices:
        """The caller IDs the account may show (a list from the provider, or free entry)."""
        return await self._caller_id_provider(account_id).caller_ids()

    async def own_numbers(self, account_id: int) -> builtins.list[NumberChoice]:
        """The account's numbers that may be rung first (RingCentral: the forwarding numbers)."""
        return list(await self.client(account_id).own_numbers())

    def check_caller_id(self, account_id: int, caller_id: str, own_number: str | None) -> None:
        """Raise the provider's error when it cannot send ``caller_id`` (E.164) with this own number."""
        self._caller_id_provider(account_id).check_caller_id(caller_id, own_number)

    def checked_caller_id(self, account_id: int, number: str | None, *, region: str | None = None,
                          own_number: str | None = None) -> str | None:
        """``number`` as E.164 once the provider accepts it (``None`` for ""/None: the provider's default);
        raises :class:`AccountError` naming the problem. Saves nothing."""
        text = (number or "").strip()
        if not text:
            return None
        self._caller_id_provider(account_id)
        try:
            e164 = numbers.normalize(text, region)
        except numbers.InvalidNumber as exc:
            raise AccountError(f"The caller ID is not a valid phone number: {exc}") from exc
        try:
            self.check_caller_id(account_id, e164, own_number)
        except ProviderError as exc:
            raise AccountError(exc.user_message) from exc
        return e164

    def set_caller_id(self, account_id: int, number: str | None, *, region: str | None = None,
                      own_number: str | None = None) -> str | None:
        """Save the account's default caller ID (``None`` or "": the provider's default). Returns the E.164
        number saved; raises :class:`AccountError` naming the problem (then nothing is saved)."""
        account = self._account(account_id)
        e164 = self.checked_caller_id(account_id, number, region=region, own_number=own_number)
        settings = dict(account.settings)
        if e164 is None:
            settings.pop(CALLER_ID, None)
        else:
            settings[CALLER_ID] = e164
        self._store.update_settings(account_id, settings)
        return e164

    def wallet_url(self, account_id: int) -> str | None:
        return registry.capabilities_of(self._account(account_id).provider).wallet_url

    async def sign_in_demo(self, sandbox_url: str) -> builtins.list[AccountView]:
        """Sign in to every provider of the sandbox with the credentials it publishes."""
        import httpx

        set_sandbox_env(sandbox_url)
        async with httpx.AsyncClient(timeout=10, trust_env=False) as http:  # loopback: never via a proxy
            response = await http.get(f"{sandbox_url.rstrip('/')}/_sandbox/credentials")
            response.raise_for_status()
            published: dict[str, dict[str, str]] = response.json()
        views = []
        for provider_id in registry.PROVIDER_IDS:
            creds = published.get(provider_id)
            if creds is None:
                continue
            views.append(await self.sign_in(provider_id, demo_credentials(provider_id, creds)))
        if self._after_demo is not None:
            self._after_demo()
        return views

    async def aclose(self) -> None:
        for client in list(self._clients.values()):
            try:
                await client.aclose()
            except Exception:
                log.exception("closing a provider client failed")
        self._clients.clear()
        for http in self._http:
            await http.aclose()
        self._http.clear()


__all__ = ["AccountService", "SignInRequired", "demo_credentials", "set_sandbox_env"]
