"""The one object the UI and the CLI hold: the database, the accounts, calls, contacts and history.

Open it with ``await DialerService.open()`` on the asyncio loop that will run the calls, and close it with
``await service.aclose()`` before the loop stops (it closes every HTTP client, the poller and the
Called.in callback listener).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from dialer.providers.secretstore import SecretStoreLike
from dialer.service.accounts import AccountService, set_sandbox_env
from dialer.service.active import AccountView
from dialer.service.addressbooks import AddressBookService
from dialer.service.callbacks import CallbackListener
from dialer.service.calls import CallService
from dialer.service.errors import AccountError
from dialer.service.followlimit import FollowLimits
from dialer.service.library import ContactService, HistoryService
from dialer.service.planner import Planner
from dialer.service.settings import Settings
from dialer.store.accounts import AccountStore
from dialer.store.addressbooks import AddressBookStore
from dialer.store.contacts import ContactStore
from dialer.store.db import Database
from dialer.store.history import HistoryStore
from dialer.store.settings import SettingsStore

log = logging.getLogger(__name__)

CALLBACK_PORT_SETTING = "calledin_callback_port"
DEMO_OWN_NUMBER = "+14155550100"  # a sandbox phone that answers (numbers ending 0005 never do)


_FIRST_REQUEST_MODULES = ("anyio._backends._asyncio", "anyio._core._sockets", "anyio._core._tasks",
                          "anyio.streams.tls", "anyio.streams.stapled", "anyio.streams.memory", "anyio.lowlevel",
                          "httpcore._async.connection_pool")


def _warm_up() -> None:
    """Slow one-time work done in a thread so the event loop never waits on it: the provider modules
    (httpx and friends) and the shared TLS context (loading the CA bundle)."""
    from dialer.core import numbers
    from dialer.providers import http, registry

    numbers.describe("+12025550123")  # phonenumbers' metadata
    registry.PROVIDERS  # noqa: B018 - imports the client modules
    http.shared_ssl_context()
    for name in _FIRST_REQUEST_MODULES:  # what httpx imports on its first connection (~30 ms)
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


class DialerService:
    """Everything below the UI, wired together."""

    def __init__(self, *, db: Database, secrets: SecretStoreLike, secrets_warning: str | None = None,
                 demo_sandbox_url: str | None = None, time_scale: float = 1.0,
                 follow_limits: FollowLimits | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.db = db
        self.secrets_warning = secrets_warning
        self.demo_sandbox_url = demo_sandbox_url
        self.settings = Settings(SettingsStore(db))
        self._listener: CallbackListener | None = None
        self._callback_url: str | None = None
        self.accounts = AccountService(store=AccountStore(db), secrets=secrets,
                                       extra_settings=self._extra_settings, after_demo=self._after_demo)
        self.contacts = ContactService(ContactStore(db), self.settings)
        self.address_books = AddressBookService(AddressBookStore(db, self.contacts.store), secrets, self.settings)
        self.history = HistoryService(HistoryStore(db), self.accounts)
        planner = Planner(settings=self.settings, accounts=self.accounts.list,
                          balance_of=self.accounts.last_balance, contact_name=self.contacts.name_for,
                          check_caller_id=self.accounts.check_caller_id, clock=clock)
        self.calls = CallService(history=self.history.store, providers=self.accounts, planner=planner,
                                 callbacks_enabled=lambda: self._callback_url is not None,
                                 time_scale=time_scale, account_view=self.accounts.get,
                                 follow_limits=follow_limits)

    def _extra_settings(self, provider_id: str) -> dict[str, str]:
        if provider_id == "calledin" and self._callback_url is not None:
            return {"callback_url": self.settings.callback_url or self._callback_url}
        return {}

    @classmethod
    async def open(cls, *, home: Path | None = None, secrets: SecretStoreLike | None = None,
                   demo_sandbox_url: str | None = None, time_scale: float = 1.0,
                   follow_limits: FollowLimits | None = None,
                   clock: Callable[[], datetime] | None = None) -> DialerService:
        """Open the database (``home``: a DIALER_HOME-like folder; default: the user's data dir).

        ``time_scale`` shortens poll intervals and post-dial pauses (tests against an accelerated sandbox);
        ``follow_limits`` how long a call is followed before it ends as unknown (default: FollowLimits()).
        ``clock`` (aware UTC datetimes) is what the dial guard's night-time warning reads instead of the
        wall clock (tests and benchmarks pin it).
        """
        if demo_sandbox_url:
            set_sandbox_env(demo_sandbox_url)
        await asyncio.to_thread(_warm_up)
        path = None if home is None else home / "data" / "dialer.sqlite3"
        db = await asyncio.to_thread(Database.open, path)  # creating/migrating the schema takes a while
        await asyncio.to_thread(ContactStore(db).ensure_word_index)  # once, after an upgrade
        warning: str | None = None
        if secrets is None:
            from dialer.secrets import SecretStore

            store = SecretStore()
            warning = await asyncio.to_thread(lambda: store.warning)  # imports and probes keyring (~160 ms)
            secrets = store
        service = cls(db=db, secrets=secrets, secrets_warning=warning, demo_sandbox_url=demo_sandbox_url,
                      time_scale=time_scale, follow_limits=follow_limits, clock=clock)
        try:
            await service._start_callbacks()
        except BaseException:
            await service.aclose()
            raise
        return service

    async def _start_callbacks(self) -> None:
        """Run the Called.in callback listener in demo mode or when a callback URL is configured."""
        if not (self.demo_sandbox_url or self.settings.callback_url):
            return
        port = self.settings.get(CALLBACK_PORT_SETTING, 0)
        listener = CallbackListener(self.calls.handle_calledin_callback,
                                    port=int(port) if isinstance(port, int) else 0)
        try:
            self._callback_url = await listener.start()
        except OSError as exc:
            log.warning("Called.in callback listener could not start: %s", exc)
            return
        self._listener = listener

    async def start_demo(self) -> list[AccountView]:
        """Demo mode: sign in to every sandbox provider and give the user a demo phone number if unset."""
        if not self.demo_sandbox_url:
            raise AccountError("Demo accounts exist only in demo mode (dialer --demo).")
        return await self.accounts.sign_in_demo(self.demo_sandbox_url)

    def _after_demo(self) -> None:
        if self.settings.own_number is None:  # bridge calls need one; the sandbox's phones all answer
            self.settings.own_number = DEMO_OWN_NUMBER

    @property
    def callback_url(self) -> str | None:
        return self._callback_url

    async def aclose(self) -> None:
        await self.address_books.aclose()
        await self.calls.aclose()
        await self.accounts.aclose()
        if self._listener is not None:
            await self._listener.aclose()
            self._listener = None
        self.db.close()

    async def __aenter__(self) -> DialerService:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()
