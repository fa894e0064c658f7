"""Contacts and call history for the UI: thin, fast wrappers over the store.

Reads and single-row writes run on the caller's thread (they take well under a few milliseconds on an
indexed table); whole-file imports and exports run in a worker thread via ``asyncio.to_thread`` so the
window never freezes.
"""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import Callable
from pathlib import Path

from dialer.providers.base import NotSupported
from dialer.service.accounts import AccountService
from dialer.service.errors import AccountError
from dialer.service.settings import Settings
from dialer.store import exporting, importing
from dialer.store.contacts import Contact, ContactMatch, ContactStore
from dialer.store.history import HistoryFilter, HistoryRow, HistoryStore

SERVER_PAGE = 50
SERVER_MAX_PAGES = 20


class ContactService:
    def __init__(self, store: ContactStore, settings: Settings) -> None:
        self.store = store
        self._settings = settings

    def search(self, query: str, limit: int = 20) -> list[ContactMatch]:
        return self.store.search(query, limit)

    def list(self, limit: int | None = None, offset: int = 0) -> list[Contact]:
        return self.store.list_all(limit, offset)

    def count(self) -> int:
        return self.store.count()

    def get(self, contact_id: int) -> Contact | None:
        return self.store.get(contact_id)

    def add(self, contact: Contact) -> int:
        return self.store.add(contact)

    def update(self, contact: Contact) -> None:
        self.store.update(contact)

    def delete(self, contact_id: int) -> None:
        self.store.delete(contact_id)

    def favourites(self) -> builtins.list[Contact]:
        return self.store.favourites()

    def name_for(self, e164: str) -> str | None:
        contact = self.store.find_by_number(e164)
        return contact.name if contact is not None else None

    async def import_file(self, path: str | Path,
                          progress: Callable[[int, int], None] | None = None) -> importing.ImportReport:
        """Import a vCard or CSV file in a worker thread (``progress(done, total)`` is called from it)."""
        region = self._settings.default_region
        return await asyncio.to_thread(importing.import_file, self.store, Path(path),
                                       default_region=region, progress=progress)

    async def export_vcard(self, path: str | Path) -> int:
        """Write every contact as vCard 3.0; returns how many were written."""
        return await asyncio.to_thread(exporting.export_vcard, self.store, Path(path))


class HistoryService:
    def __init__(self, store: HistoryStore, accounts: AccountService) -> None:
        self.store = store
        self._accounts = accounts

    def count(self, filter: HistoryFilter | None = None) -> int:
        return self.store.count(filter)

    def page(self, offset: int, limit: int, filter: HistoryFilter | None = None) -> builtins.list[HistoryRow]:
        return self.store.page(offset, limit, filter)

    def page_before(self, before: HistoryRow | None, limit: int,
                    filter: HistoryFilter | None = None) -> builtins.list[HistoryRow]:
        """Keyset paging (the rows older than ``before``): as fast a million rows deep as on page one."""
        return self.store.page_before(before, limit, filter)

    def get(self, row_id: int) -> HistoryRow | None:
        return self.store.get(row_id)

    def recent_numbers(self, limit: int = 5) -> builtins.list[str]:
        return self.store.recent_numbers(limit)

    async def export_csv(self, path: str | Path, filter: HistoryFilter | None = None) -> int:
        return await asyncio.to_thread(exporting.export_history_csv, self.store, Path(path), filter)

    async def sync_server_history(self, account_id: int) -> int:
        """Merge the provider's own call list (Ringez) into local history; returns how many were new."""
        view = self._accounts.get(account_id)
        if not view.capabilities.server_history:
            raise AccountError(f"{view.capabilities.display_name} keeps no call history the app can read.")
        client = self._accounts.client(account_id)
        added = 0
        for page_no in range(SERVER_MAX_PAGES):
            try:
                page = await client.server_history(limit=SERVER_PAGE, offset=page_no * SERVER_PAGE)
            except NotSupported as exc:
                raise AccountError(str(exc)) from exc
            added += self.store.merge_server_calls(view.provider_id, account_id, page.calls)
            if not page.has_more or not page.calls:
                break
        return added
