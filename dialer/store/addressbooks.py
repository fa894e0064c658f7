"""CardDAV accounts, their address books and the contacts synced from them (see :mod:`dialer.carddav`).

A synced contact is an ordinary row of ``contacts`` (searchable by name, number and T9 like any other)
that also carries its address book, the card's ``href`` and ``ETag`` on the server and the vCard as
fetched. ``(address_book_id, href)`` is unique, so a full re-sync updates cards in place and never
duplicates one. Each sync is applied in one transaction together with its new sync token: a sync that
fails half-way changes nothing, and the next one starts from the last token that was really applied.

No password is stored here: :class:`dialer.service.addressbooks.AddressBookService` keeps it in the keyring.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dialer.store.contacts import ChildRows, Contact, ContactStore
from dialer.store.db import Database
from dialer.store.importing import ParsedContact, contact_numbers
from dialer.store.text import folded_name


class AddressBookStoreError(ValueError):
    """An address-book account cannot be stored (e.g. its label is taken)."""


@dataclass(frozen=True)
class CardDavAccount:
    id: int
    label: str
    url: str
    username: str
    created_at: str


@dataclass(frozen=True)
class AddressBook:
    id: int
    account_id: int
    account_label: str
    url: str
    name: str
    read_only: bool
    sync_token: str | None
    synced_at: str | None
    last_error: str | None
    contacts: int


@dataclass(frozen=True)
class StoredCard:
    contact_id: int
    address_book_id: int
    href: str
    etag: str | None
    vcard: str | None


@dataclass(frozen=True)
class CardUpdate:
    """A card fetched from the server, parsed and its numbers normalised (in a worker thread), ready to store."""

    href: str
    etag: str | None
    vcard: str
    contact: Contact
    rows: ChildRows | None = None  # the contact's index rows, worked out with the parsing (not in the write)

    @classmethod
    def of(cls, href: str, etag: str | None, vcard: str, parsed: ParsedContact, region: str | None) -> CardUpdate:
        contact = contact_of(parsed, region)
        return cls(href, etag, vcard, contact, ContactStore.child_rows(contact))


@dataclass(frozen=True)
class ApplyCounts:
    added: int = 0
    changed: int = 0
    removed: int = 0


_BOOK_COLUMNS = ("b.id, b.account_id, a.label, b.url, b.name, b.read_only, b.sync_token, b.synced_at, "
                 "b.last_error, (SELECT count(*) FROM contacts c WHERE c.address_book_id = b.id) AS n")


def _book(r: sqlite3.Row) -> AddressBook:
    return AddressBook(int(r[0]), int(r[1]), str(r[2]), str(r[3]), str(r[4]), bool(r[5]), r[6], r[7], r[8],
                       int(r[9]))


class AddressBookStore:
    def __init__(self, db: Database, contacts: ContactStore) -> None:
        self.db = db
        self.contacts = contacts

    # ----------------------------------------------------------------------------------------- accounts

    def add_account(self, label: str, url: str, username: str, books: Sequence[tuple[str, str]],
                    now: str, *, read_only: bool = True) -> int:
        """Store an account and its address books (``(url, name)`` pairs); returns the account id."""
        with self.db.transaction() as conn:
            if conn.execute("SELECT 1 FROM carddav_accounts WHERE label = ?", (label,)).fetchone():
                raise AddressBookStoreError(f"An address book named “{label}” exists already: choose another "
                                            "name (--name LABEL).")
            cur = conn.execute("INSERT INTO carddav_accounts(label, url, username, created_at) VALUES (?, ?, ?, ?)",
                               (label, url, username, now))
            account_id = int(cur.lastrowid or 0)
            conn.executemany("INSERT INTO address_books(account_id, url, name, read_only) VALUES (?, ?, ?, ?)",
                             [(account_id, book_url, name, int(read_only)) for book_url, name in books])
        return account_id

    def accounts(self) -> list[CardDavAccount]:
        return [CardDavAccount(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4])) for r in
                self.db.query("SELECT id, label, url, username, created_at FROM carddav_accounts ORDER BY label")]

    def account(self, account_id: int) -> CardDavAccount | None:
        return next((a for a in self.accounts() if a.id == account_id), None)

    def account_by_label(self, label: str) -> CardDavAccount | None:
        return next((a for a in self.accounts() if a.label == label), None)

    def remove_account(self, account_id: int) -> int:
        """Forget the account, its address books and their contacts (never a local contact).

        Returns how many contacts went with it.
        """
        with self.db.transaction() as conn:
            cur = conn.execute("DELETE FROM contacts WHERE address_book_id IN "
                               "(SELECT id FROM address_books WHERE account_id = ?)", (account_id,))
            removed = cur.rowcount
            conn.execute("DELETE FROM address_books WHERE account_id = ?", (account_id,))
            conn.execute("DELETE FROM carddav_accounts WHERE id = ?", (account_id,))
        return removed

    # ------------------------------------------------------------------------------------ address books

    def books(self, account_id: int | None = None) -> list[AddressBook]:
        where = "" if account_id is None else "WHERE b.account_id = ?"
        params = () if account_id is None else (account_id,)
        return [_book(r) for r in self.db.query(
            f"SELECT {_BOOK_COLUMNS} FROM address_books b JOIN carddav_accounts a ON a.id = b.account_id "
            f"{where} ORDER BY a.label, b.name, b.id", params)]

    def book(self, book_id: int) -> AddressBook | None:
        row = self.db.query_one(
            f"SELECT {_BOOK_COLUMNS} FROM address_books b JOIN carddav_accounts a ON a.id = b.account_id "
            "WHERE b.id = ?", (book_id,))
        return _book(row) if row is not None else None

    def set_read_only(self, book_id: int, read_only: bool) -> None:
        with self.db.transaction() as conn:
            conn.execute("UPDATE address_books SET read_only = ? WHERE id = ?", (int(read_only), book_id))
            conn.execute("UPDATE contacts SET read_only = ? WHERE address_book_id = ?", (int(read_only), book_id))

    def record_error(self, book_id: int, error: str | None) -> None:
        """Remember why the last sync failed (None: it worked); the synced contacts stay as they were."""
        self.db.execute("UPDATE address_books SET last_error = ? WHERE id = ?", (error, book_id))

    def forget_token(self, book_id: int) -> None:
        self.db.execute("UPDATE address_books SET sync_token = NULL WHERE id = ?", (book_id,))

    # -------------------------------------------------------------------------------------------- cards

    def cards(self, book_id: int) -> dict[str, StoredCard]:
        """Every stored card of the address book by href (without the vCard text)."""
        return {str(r[1]): StoredCard(int(r[0]), book_id, str(r[1]), r[2], None) for r in self.db.query(
            "SELECT id, href, etag FROM contacts WHERE address_book_id = ?", (book_id,))}

    def card(self, contact_id: int) -> StoredCard | None:
        row = self.db.query_one("SELECT id, address_book_id, href, etag, vcard FROM contacts "
                                "WHERE id = ? AND address_book_id IS NOT NULL", (contact_id,))
        if row is None:
            return None
        return StoredCard(int(row[0]), int(row[1]), str(row[2]), row[3], row[4])

    def apply(self, book_id: int, updates: Iterable[CardUpdate], removed: Iterable[str], *,
              sync_token: str | None, synced_at: str) -> ApplyCounts:
        """Store one sync's outcome and its new token, all in one transaction."""
        added = changed = gone = 0
        with self.db.transaction() as conn:
            row = conn.execute("SELECT read_only FROM address_books WHERE id = ?", (book_id,)).fetchone()
            if row is None:
                raise AddressBookStoreError("That address book was removed while it synced.")
            read_only = int(row[0])
            known = {str(r[1]): int(r[0]) for r in conn.execute(
                "SELECT id, href FROM contacts WHERE address_book_id = ?", (book_id,))}
            for href in removed:
                contact_id = known.pop(href, None)
                if contact_id is not None:
                    conn.execute("DELETE FROM contacts WHERE id = ?", (contact_id,))
                    gone += 1
            for update in updates:
                contact = update.contact
                contact_id = known.get(update.href)
                if contact_id is None:
                    cur = conn.execute(
                        "INSERT INTO contacts(name, name_folded, favourite, note, created_at, updated_at, "
                        "address_book_id, href, etag, vcard, read_only) VALUES (?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (contact.name, update.rows.folded if update.rows else folded_name(contact.name),
                         contact.note, synced_at, synced_at, book_id,
                         update.href, update.etag, update.vcard, read_only))
                    contact_id = int(cur.lastrowid or 0)
                    ContactStore._write_children(conn, contact_id, contact, update.rows)
                    known[update.href] = contact_id
                    added += 1
                else:
                    self._overwrite(conn, contact_id, contact, synced_at)
                    conn.execute("UPDATE contacts SET etag = ?, vcard = ?, read_only = ? WHERE id = ?",
                                 (update.etag, update.vcard, read_only, contact_id))
                    changed += 1
            conn.execute("UPDATE address_books SET sync_token = ?, synced_at = ?, last_error = NULL WHERE id = ?",
                         (sync_token, synced_at, book_id))
        return ApplyCounts(added, changed, gone)

    def store_card(self, contact_id: int, update: CardUpdate, now: str) -> None:
        """Replace one synced card (after a write-back, or the server's version after a conflict)."""
        with self.db.transaction() as conn:
            self._overwrite(conn, contact_id, update.contact, now)
            conn.execute("UPDATE contacts SET etag = ?, vcard = ? WHERE id = ?",
                         (update.etag, update.vcard, contact_id))

    @staticmethod
    def _overwrite(conn: sqlite3.Connection, contact_id: int, contact: Contact, now: str) -> None:
        """Name, numbers and note from the server; the local favourite star stays."""
        conn.execute("UPDATE contacts SET name = ?, name_folded = ?, note = ?, updated_at = ? WHERE id = ?",
                     (contact.name, folded_name(contact.name), contact.note, now, contact_id))
        conn.execute("DELETE FROM contact_numbers WHERE contact_id = ?", (contact_id,))
        conn.execute("DELETE FROM contact_words WHERE contact_id = ?", (contact_id,))
        ContactStore._write_children(conn, contact_id, contact)


def contact_of(parsed: ParsedContact, region: str | None) -> Contact:
    """The contact a parsed card becomes: numbers normalised, a name even when the card has none."""
    numbers = contact_numbers(parsed, region)
    name = parsed.name or (numbers[0].raw if numbers else "") or "(no name)"
    return Contact(None, name, numbers, favourite=False, note=parsed.note)
