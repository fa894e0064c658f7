"""Address books (CardDAV) for the UI and the CLI: add, sync, write back, remove.

The password of each address-book account lives only in the secret store (the system keyring) under
``carddav:<account id>``; the database keeps the URL and the user name.

A sync is HTTP on the event loop (httpx, never blocking) and CPU work (parsing thousands of vCards,
writing them) in a worker thread, so neither the window nor a search typed meanwhile waits for it. Each
address book is synced on its own: one that fails records its error and keeps the contacts it had; the
others still sync.
"""

from __future__ import annotations

import asyncio
import builtins
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from dialer import carddav
from dialer.carddav import CardDavClient, CardDavError, EditConflict, SyncTokenExpired, href_key
from dialer.providers.secretstore import SecretStoreLike
from dialer.service.errors import ServiceError
from dialer.service.settings import Settings
from dialer.store.addressbooks import (
    AddressBook,
    AddressBookStore,
    AddressBookStoreError,
    CardDavAccount,
    CardUpdate,
    StoredCard,
)
from dialer.store.contacts import Contact, ReadOnlyContact
from dialer.store.importing import ContactImportError, parse_card

log = logging.getLogger(__name__)

SYNC_INTERVAL_SETTING = "carddav_sync_minutes"
DEFAULT_SYNC_MINUTES = 30
SECRET_NAME = "password"

Progress = Callable[[str, int, int], None]  # (address book name, cards fetched, cards to fetch)


class AddressBookError(ServiceError):
    """Adding, syncing or saving to an address book failed; the message names the cause and the fix."""


class WriteConflict(AddressBookError):
    """Someone else changed the card on the server first: the app now shows their version."""


@dataclass(frozen=True)
class SyncResult:
    """What one sync did to one address book."""

    book_id: int
    account: str
    name: str
    added: int = 0
    changed: int = 0
    removed: int = 0
    full: bool = False  # a full listing (first sync, expired token, no sync-collection)
    error: str | None = None  # the sync failed: nothing changed
    skipped: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (card href, why it was not read)

    def as_dict(self) -> dict[str, object]:
        return {"address_book": self.name, "account": self.account, "added": self.added,
                "changed": self.changed, "removed": self.removed, "full": self.full, "error": self.error,
                "skipped": [{"card": href, "reason": reason} for href, reason in self.skipped]}


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _key(account_id: int) -> str:
    return f"carddav:{account_id}"


class AddressBookService:
    """The user's CardDAV address books. ``now`` gives the time stamps (tests pin it)."""

    def __init__(self, store: AddressBookStore, secrets: SecretStoreLike, settings: Settings, *,
                 now: Callable[[], datetime] = _utc_now,
                 client_factory: Callable[[str, str, str], CardDavClient] | None = None) -> None:
        self.store = store
        self._secrets = secrets
        self._settings = settings
        self._now = now
        self._client_factory = client_factory or (lambda url, user, password: CardDavClient(url, user, password))
        self._lock = asyncio.Lock()
        self._running: asyncio.Task[object] | None = None
        self.last_results: list[SyncResult] = []

    def _stamp(self) -> str:
        return self._now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    # ------------------------------------------------------------------------------------------- reads

    def accounts(self) -> list[CardDavAccount]:
        return self.store.accounts()

    def books(self) -> list[AddressBook]:
        return self.store.books()

    @property
    def syncing(self) -> bool:
        return self._lock.locked()

    @property
    def sync_minutes(self) -> int:
        """Minutes between automatic syncs (0: only at start and on demand)."""
        value = self._settings.get(SYNC_INTERVAL_SETTING, DEFAULT_SYNC_MINUTES)
        return int(value) if isinstance(value, int) and value >= 0 else DEFAULT_SYNC_MINUTES

    @sync_minutes.setter
    def sync_minutes(self, value: int) -> None:
        if value < 0:
            raise AddressBookError("The sync interval cannot be negative (0 turns automatic sync off).")
        self._settings.set(SYNC_INTERVAL_SETTING, int(value))

    # ----------------------------------------------------------------------------------- add / remove

    async def add(self, url: str, username: str, password: str, *, label: str | None = None,
                  read_only: bool = True) -> builtins.list[AddressBook]:
        """Sign in, discover the address books, remember them (password to the keyring). No sync yet."""
        if not username.strip():
            raise AddressBookError("Enter the user name for the address book (often your e-mail address).")
        if not password:
            raise AddressBookError("Enter the password (or app password) for the address book.")
        try:
            start = carddav.normalise_start_url(url)
            client = self._client_factory(start, username.strip(), password)
        except CardDavError as exc:
            raise AddressBookError(str(exc)) from None
        try:
            found = await client.discover()
        except CardDavError as exc:
            raise AddressBookError(str(exc)) from None
        finally:
            await client.aclose()
        label = (label or "").strip() or _default_label(start, username)
        try:
            account_id = await asyncio.to_thread(
                self.store.add_account, label, start, username.strip(), [(b.url, b.name) for b in found],
                self._stamp(), read_only=read_only)
        except AddressBookStoreError as exc:
            raise AddressBookError(str(exc)) from None
        try:
            await asyncio.to_thread(self._secrets.set, _key(account_id), SECRET_NAME, password)
        except BaseException:
            await asyncio.to_thread(self.store.remove_account, account_id)
            raise
        return self.store.books(account_id)

    async def remove(self, label: str) -> int:
        """Forget an address-book account, its password and its contacts (never local contacts)."""
        account = self.store.account_by_label(label)
        if account is None:
            known = ", ".join(a.label for a in self.store.accounts()) or "none"
            raise AddressBookError(f"No address book named “{label}” (known: {known}).")
        async with self._lock:
            removed = await asyncio.to_thread(self.store.remove_account, account.id)
        await asyncio.to_thread(self._secrets.delete_all, _key(account.id))
        return removed

    def set_read_only(self, book_id: int, read_only: bool) -> None:
        self.store.set_read_only(book_id, read_only)

    # ---------------------------------------------------------------------------------------------- sync

    async def _client(self, account: CardDavAccount) -> CardDavClient:
        password = await asyncio.to_thread(self._secrets.get, _key(account.id), SECRET_NAME)
        if not password:
            raise AddressBookError(f"The password for “{account.label}” is not in the keyring any more: remove "
                                   "the address book and add it again.")
        return self._client_factory(account.url, account.username, password)

    async def sync(self, label: str | None = None, *, region: str | None = None,
                   progress: Progress | None = None) -> builtins.list[SyncResult]:
        """Sync every address book (or those of account ``label``); one failing does not stop the others."""
        async with self._lock:
            self._running = asyncio.current_task()
            try:
                return await self._sync_all(label, region, progress)
            finally:
                self._running = None

    async def aclose(self) -> None:
        """Stop a sync in progress (nothing of it is stored: each book is one transaction at its end)."""
        task = self._running
        if task is not None and not task.done() and task is not asyncio.current_task():
            task.cancel()
            try:
                await task
            except BaseException:  # cancelled, or failed: either way it has stopped
                log.debug("The address-book sync stopped at shutdown.")

    async def _sync_all(self, label: str | None, region: str | None,
                        progress: Progress | None) -> builtins.list[SyncResult]:
        accounts = self.store.accounts()
        if label is not None:
            accounts = [a for a in accounts if a.label == label]
            if not accounts:
                raise AddressBookError(f"No address book named “{label}”.")
        region = region or self._settings.default_region
        results: list[SyncResult] = []
        for account in accounts:
            books = self.store.books(account.id)
            try:
                client = await self._client(account)
            except (AddressBookError, CardDavError) as exc:
                for book in books:
                    self.store.record_error(book.id, str(exc))
                    results.append(SyncResult(book.id, account.label, book.name, error=str(exc)))
                continue
            try:
                for book in books:
                    results.append(await self._sync_book(client, book, region, progress))
            finally:
                await client.aclose()
        self.last_results = results
        return results

    async def _sync_book(self, client: CardDavClient, book: AddressBook, region: str | None,
                         progress: Progress | None) -> SyncResult:
        try:
            stored = await asyncio.to_thread(self.store.cards, book.id)
            by_key = {href_key(href): card for href, card in stored.items()}
            parsing = _ParsePipeline(by_key, region)

            async def arrived(cards: builtins.list[carddav.Card]) -> None:
                await parsing.add([card for card in cards if _needed(by_key, card.href, card.etag)])
                if progress is not None:
                    progress(book.name, parsing.received, 0)  # the total is known once the listing is

            try:
                try:
                    listing = await client.changes(book.url, book.sync_token, cards=arrived)
                except SyncTokenExpired:
                    log.info("Sync token of address book %s expired: syncing in full.", book.id)
                    await parsing.reset()
                    listing = await client.changes(book.url, None, cards=arrived)
                await parsing.finish()
            finally:
                await parsing.cancel()
            present = {href_key(h): etag for h, etag in listing.etags.items()}
            if listing.full:
                removed = [card.href for key, card in by_key.items() if key not in present]
            else:
                removed = [by_key[k].href for k in map(href_key, listing.removed) if k in by_key]
            # Cards the listing streamed in, still present with the same ETag; the rest are fetched.
            updates = [u for u in parsing.updates if present.get(href_key(u.href), "") == u.etag]
            skipped = [(href, why) for href, why in parsing.skipped if href_key(href) in present]
            have = {href_key(u.href) for u in updates} | {href_key(href) for href, _why in skipped}
            wanted = [href for href, etag in listing.etags.items()
                      if href_key(href) not in have and _needed(by_key, href, etag)]
            if progress is not None:
                progress(book.name, len(have), len(have) + len(wanted))
            more, more_skipped, missing = await self._fetch_and_parse(client, book, wanted, by_key, region,
                                                                      progress, len(have))
            updates += more
            skipped += more_skipped
            removed += [by_key[k].href for k in map(href_key, missing) if k in by_key]
            counts = await asyncio.to_thread(self.store.apply, book.id, updates, removed,
                                             sync_token=listing.token, synced_at=self._stamp())
        except CardDavError as exc:
            await asyncio.to_thread(self.store.record_error, book.id, str(exc))
            return SyncResult(book.id, book.account_label, book.name, error=str(exc))
        except AddressBookStoreError as exc:
            return SyncResult(book.id, book.account_label, book.name, error=str(exc))
        if skipped:
            _href, first_reason = skipped[0]
            more_text = f" (and {len(skipped) - 1} more)" if len(skipped) > 1 else ""
            await asyncio.to_thread(self.store.record_error, book.id,
                                    f"{len(skipped)} card(s) could not be read and were left as they were: "
                                    f"{first_reason}{more_text}. Fix the card in your address book.")
        return SyncResult(book.id, book.account_label, book.name, counts.added, counts.changed, counts.removed,
                          full=listing.full, skipped=tuple(skipped))

    @staticmethod
    async def _fetch_and_parse(client: CardDavClient, book: AddressBook, wanted: builtins.list[str],
                               by_key: dict[str, StoredCard], region: str | None, progress: Progress | None,
                               before: int = 0) -> tuple[builtins.list[CardUpdate],
                                                         builtins.list[tuple[str, str]], builtins.list[str]]:
        """Download batch after batch while a worker thread parses the one before (a two-stage pipeline)."""
        parsing = _ParsePipeline(by_key, region)
        missing: list[str] = []
        done = before
        try:
            async for batch in client.fetch_batches(book.url, wanted):
                await parsing.add(batch.cards)
                missing += batch.missing
                done += len(batch.cards) + len(batch.missing)
                if progress is not None:
                    progress(book.name, done, before + len(wanted))
            await parsing.finish()
        finally:
            await parsing.cancel()
        return parsing.updates, parsing.skipped, missing

    # ---------------------------------------------------------------------------------------- write-back

    async def save(self, contact: Contact) -> Contact:
        """Write an edited synced contact back to its server (``If-Match`` on its ETag), then store it.

        :class:`WriteConflict` when someone changed the card on the server first: the server's version is
        fetched and stored (the user sees it) and nothing is overwritten.
        """
        if contact.id is None:
            raise AddressBookError("This contact has not been saved yet.")
        card = self.store.card(contact.id)
        if card is None:
            raise AddressBookError(f"{contact.name} is not from an address book: save it as a local contact.")
        book = self.store.book(card.address_book_id)
        if book is None:
            raise AddressBookError("That address book was removed.")
        if book.read_only:
            raise ReadOnlyContact(f"{contact.name} comes from “{book.name}”, which this app only reads: allow "
                                  "editing for that address book first, or edit the contact there.")
        account = self.store.account(book.account_id)
        assert account is not None
        region = self._settings.default_region
        vcard = edit_vcard(card.vcard or "", contact)
        client = await self._client(account)
        try:
            try:
                etag = await client.put(book.url, card.href, vcard, card.etag)
            except EditConflict:
                theirs = await client.get(book.url, card.href)
                await asyncio.to_thread(self._store_server_card, card, theirs, region)
                raise WriteConflict(
                    f"{contact.name} was changed in “{book.name}” by someone else since the last sync, so your "
                    "change was not saved (nothing was overwritten). The contact now shows their version: make "
                    "your change again if it is still needed.") from None
            if etag is None:  # the server did not say: read the card back for its ETag
                fresh = await client.get(book.url, card.href)
                etag, vcard = fresh.etag, fresh.vcard
        except CardDavError as exc:
            raise AddressBookError(f"Could not save {contact.name} to “{book.name}”: {exc}") from None
        finally:
            await client.aclose()
        parsed = parse_card(vcard, f"the card {card.href}")
        await asyncio.to_thread(self.store.store_card, contact.id,
                                CardUpdate.of(card.href, etag, vcard, parsed, region), self._stamp())
        self.store.contacts.set_favourite(contact.id, contact.favourite)
        saved = self.store.contacts.get(contact.id)
        assert saved is not None
        return saved

    def _store_server_card(self, card: StoredCard, theirs: carddav.Card, region: str | None) -> None:
        try:
            parsed = parse_card(theirs.vcard, f"the card {card.href}")
        except ContactImportError:
            return
        self.store.store_card(card.contact_id, CardUpdate.of(card.href, theirs.etag, theirs.vcard, parsed, region),
                              self._stamp())


def _parse_cards(cards: Iterable[carddav.Card], by_key: dict[str, StoredCard], region: str | None
                 ) -> tuple[list[CardUpdate], list[tuple[str, str]]]:
    """Parse fetched vCards (in a worker thread); an unreadable card is skipped and named, never stored."""
    updates: list[CardUpdate] = []
    skipped: list[tuple[str, str]] = []
    for card in cards:
        known = by_key.get(href_key(card.href))
        href = known.href if known is not None else card.href  # keep the stored spelling: no duplicate
        try:
            parsed = parse_card(card.vcard, f"the card {card.href}")
        except ContactImportError as exc:
            skipped.append((card.href, str(exc)))
            continue
        updates.append(CardUpdate.of(href, card.etag, card.vcard, parsed, region))
    return updates, skipped


def _needed(by_key: dict[str, StoredCard], href: str, etag: str | None) -> bool:
    """Whether a listed card must be read: new, changed, or with no ETag to compare."""
    known = by_key.get(href_key(href))
    return known is None or etag is None or known.etag != etag


class _ParsePipeline:
    """Cards parsed in a worker thread, one batch at a time, while the next batch downloads."""

    def __init__(self, by_key: dict[str, StoredCard], region: str | None) -> None:
        self._by_key = by_key
        self._region = region
        self._running: asyncio.Future[tuple[list[CardUpdate], list[tuple[str, str]]]] | None = None
        self.updates: list[CardUpdate] = []
        self.skipped: list[tuple[str, str]] = []
        self.received = 0

    async def add(self, cards: list[carddav.Card]) -> None:
        """Start parsing ``cards`` once the batch before is parsed (at most one batch waits)."""
        await self.finish()
        self.received += len(cards)
        if cards:
            self._running = asyncio.ensure_future(asyncio.to_thread(_parse_cards, cards, self._by_key,
                                                                    self._region))

    async def finish(self) -> None:
        if self._running is not None:
            running, self._running = self._running, None
            parsed, bad = await running
            self.updates.extend(parsed)
            self.skipped.extend(bad)

    async def reset(self) -> None:
        """Forget everything (the listing starts again from scratch)."""
        await self.cancel()
        self.updates, self.skipped, self.received = [], [], 0

    async def cancel(self) -> None:
        if self._running is not None and not self._running.done():
            self._running.cancel()
        self._running = None


def _default_label(url: str, username: str) -> str:
    import httpx

    host = httpx.URL(url).host or url
    return f"{username.strip()} at {host}"


_VCARD_TYPES = {"mobile": "CELL", "work": "WORK", "home": "HOME", "main": "MAIN", "fax": "FAX",
                "pager": "PAGER", "iphone": "IPHONE", "other": "OTHER"}


def edit_vcard(original: str, contact: Contact) -> str:
    """``original`` with the name, numbers and note of ``contact``; every other field kept as it was."""
    import vobject

    card = vobject.readOne(original) if original.strip() else vobject.vCard()
    if "version" not in card.contents:
        card.add("version").value = "3.0"
    old_fn = str(card.fn.value) if "fn" in card.contents else ""
    if "fn" not in card.contents:
        card.add("fn")
    card.fn.value = contact.name
    if "n" not in card.contents or old_fn != contact.name:
        parts = contact.name.split()
        name = vobject.vcard.Name(family=parts[-1] if len(parts) > 1 else contact.name,
                                  given=" ".join(parts[:-1]) if len(parts) > 1 else "")
        if "n" not in card.contents:
            card.add("n")
        card.n.value = name
    old_tels = {str(t.value).strip(): t for t in card.contents.get("tel", [])}
    kept = []
    for number in contact.numbers:
        existing = old_tels.get(number.raw.strip())
        kept.append((number, existing))
    card.contents.pop("tel", None)
    for number, existing in kept:
        if existing is not None:
            card.contents.setdefault("tel", []).append(existing)
            continue
        tel = card.add("tel")
        tel.value = number.e164 or number.raw
        kind = _VCARD_TYPES.get(number.label.lower())
        if kind:
            tel.type_param = kind
    if contact.note:
        if "note" not in card.contents:
            card.add("note")
        card.note.value = contact.note
    else:
        card.contents.pop("note", None)
    text: str = card.serialize()
    return text
