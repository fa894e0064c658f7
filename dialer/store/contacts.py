"""Contacts and their numbers, with per-keystroke search that stays fast at 100,000 contacts.

Search uses three indexes, each read as a bounded range scan so the cost does not grow with the book:

* ``contact_words`` holds every folded name word (kind ``n``) and its dial-pad spelling (kind ``t``),
  indexed by ``(kind, word)``: a name or T9 query is a prefix range on that index.
* ``contacts.name_folded`` is indexed too: a query that is a prefix of the whole name ranks first.
* ``contact_names`` (FTS5, prefix indexes) answers multi-word queries ("thomas v"): every word must
  prefix some word of the name.
* ``number_digits`` is an FTS5 trigram table over each number's digits: a digit query of three or more
  digits is a substring match on it (shorter ones match so many numbers that a plain scan stops at once).

Ranking: favourites, then whole-name / number prefix matches, then word-prefix (name or T9) matches, then
digit-substring matches.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from dialer.core import numbers
from dialer.store.db import Database
from dialer.store.text import folded_name, prefix_upper_bound, words

_DIGIT_QUERY = re.compile(r"^[\d\s+()./-]+$")


@dataclass
class ContactNumber:
    """One phone number of a contact, kept as the user wrote it plus its E.164 form when we have one."""

    label: str
    raw: str
    e164: str | None
    valid: bool

    @classmethod
    def parse(cls, raw: str, label: str = "", region: str | None = None) -> ContactNumber:
        """Normalise ``raw``; a number that does not validate is kept as written with ``valid=False``."""
        raw = raw.strip()
        try:
            e164, valid = numbers.normalize_checked(raw, region)
        except ValueError:
            return cls(label, raw, None, False)
        return cls(label, raw, e164, valid)

    @property
    def display(self) -> str:
        """The number to show and dial: E.164 when known, else as written."""
        return self.e164 or self.raw

    @property
    def search_digits(self) -> str:
        """Digits indexed for substring search: the E.164 digits and, if different, the digits as written."""
        forms: list[str] = []
        for text in (self.e164 or "", self.raw):
            d = numbers.digits_only(text)
            if d and d not in forms:
                forms.append(d)
        return " ".join(forms)


@dataclass
class Contact:
    id: int | None
    name: str
    numbers: list[ContactNumber] = field(default_factory=list)
    favourite: bool = False
    note: str = ""
    address_book_id: int | None = None  # a synced contact's address book (None: a local contact)
    address_book: str = ""  # that address book's name, to mark the contact with
    read_only: bool = False  # synced from an address book that is not written back to


@dataclass(frozen=True)
class ChildRows:
    """A contact's rows in ``contact_numbers`` and ``contact_words``, less the contact's id."""

    name: str  # the name the word rows were made from
    folded: str
    numbers: list[tuple[str, str, str | None, int, str, int]]
    words: list[tuple[str, str, int]]


@dataclass(frozen=True)
class ContactMatch:
    """One search result row: a contact and one of its numbers."""

    contact_id: int
    name: str
    number: str
    label: str
    matched_by: str  # "name" | "number" | "t9"
    address_book: str = ""  # the address book it was synced from ("" for a local contact)


class ReadOnlyContact(ValueError):
    """A change to a contact synced from an address book the app only reads."""


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _word_rows(contact_id: int, name: str) -> list[tuple[str, str, int, int]]:
    rows: list[tuple[str, str, int, int]] = []
    for position, word in enumerate(dict.fromkeys(words(name))):
        rows.append(("n", word, contact_id, position))
        t9 = numbers.t9_digits(word)
        if t9 and t9.isdigit():
            rows.append(("t", t9, contact_id, position))
    return rows


WORD_INDEX_VERSION = 2
"""The dial-pad spelling in ``contact_words``: 2 added Cyrillic keypad letters (contacts saved before had
no T9 words for Cyrillic names). Recorded in ``settings`` under :data:`WORD_INDEX_KEY`."""
WORD_INDEX_KEY = "contact_word_index"


class ContactStore:
    """Contacts in the database. Every write is one transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def ensure_word_index(self) -> int:
        """Bring the T9 words of contacts saved by an older version up to date; returns how many changed.

        Only names with non-ASCII letters can differ, so only those are re-spelled (one transaction).
        """
        row = self.db.query_one("SELECT value FROM settings WHERE key = ?", (WORD_INDEX_KEY,))
        if row is not None and str(row[0]).isdigit() and int(row[0]) >= WORD_INDEX_VERSION:
            return 0
        changed = 0
        with self.db.transaction() as conn:
            for contact_id, name in conn.execute("SELECT id, name FROM contacts").fetchall():
                if str(name).isascii():
                    continue
                conn.execute("DELETE FROM contact_words WHERE contact_id = ?", (contact_id,))
                conn.executemany("INSERT INTO contact_words(kind, word, contact_id, position) VALUES (?, ?, ?, ?)",
                                 _word_rows(contact_id, str(name)))
                changed += 1
            conn.execute("INSERT INTO settings(key, value) VALUES (?, ?) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                         (WORD_INDEX_KEY, str(WORD_INDEX_VERSION)))
        return changed

    # ------------------------------------------------------------------------------------------ writes

    def _insert(self, conn: sqlite3.Connection, contact: Contact, now: str) -> int:
        cur = conn.execute(
            "INSERT INTO contacts(name, name_folded, favourite, note, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (contact.name, folded_name(contact.name), int(contact.favourite), contact.note, now, now),
        )
        contact_id = int(cur.lastrowid or 0)
        self._write_children(conn, contact_id, contact)
        return contact_id

    @staticmethod
    def child_rows(contact: Contact) -> ChildRows:
        """The number and word-index rows of ``contact`` without its id (worked out before a write)."""
        number_rows = [(n.label, n.raw, n.e164, int(n.valid), n.search_digits, i)
                       for i, n in enumerate(contact.numbers)]
        word_rows = [(kind, word, position) for kind, word, _id, position in _word_rows(0, contact.name)]
        return ChildRows(contact.name, folded_name(contact.name), number_rows, word_rows)

    @staticmethod
    def _write_children(conn: sqlite3.Connection, contact_id: int, contact: Contact,
                        rows: ChildRows | None = None) -> None:
        if rows is None or rows.name != contact.name:
            rows = ContactStore.child_rows(contact)
        conn.executemany(
            "INSERT INTO contact_numbers(contact_id, label, raw, e164, valid, digits, position) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", [(contact_id, *row) for row in rows.numbers])
        conn.executemany("INSERT INTO contact_words(kind, word, contact_id, position) VALUES (?, ?, ?, ?)",
                         [(kind, word, contact_id, position) for kind, word, position in rows.words])

    def add(self, contact: Contact) -> int:
        """Insert ``contact`` (its ``id`` is ignored) and return the new id; also sets ``contact.id``."""
        with self.db.transaction() as conn:
            contact.id = self._insert(conn, contact, _now())
        return contact.id

    def add_many(self, contacts: Iterable[Contact]) -> int:
        """Insert many contacts in one transaction (imports, benchmarks). Returns how many were added."""
        now = _now()
        count = 0
        with self.db.transaction() as conn:
            for contact in contacts:
                contact.id = self._insert(conn, contact, now)
                count += 1
        return count

    def update(self, contact: Contact) -> None:
        """Replace the stored contact with ``contact`` (name, numbers, favourite, note).

        A synced contact refuses every change but its (local) favourite star: its address book is the
        place to edit it (a writable one through ``AddressBookService.save``, which writes it back first);
        a local-only edit would silently differ from the server.
        """
        if contact.id is None:
            raise ValueError("This contact has not been saved yet: add it before updating it.")
        stored = self.get(contact.id)
        if stored is not None and stored.address_book_id is not None:
            if (contact.name, contact.numbers, contact.note) != (stored.name, stored.numbers, stored.note):
                if stored.read_only:
                    raise ReadOnlyContact(
                        f"{stored.name} comes from the address book “{stored.address_book}”, which this app "
                        "only reads: edit the contact there (or allow editing for that address book).")
                raise ReadOnlyContact(f"{stored.name} belongs to the address book “{stored.address_book}”: save "
                                      "the change through it (AddressBookService.save), not only here.")
            self.set_favourite(contact.id, contact.favourite)
            return
        self.replace(contact)

    def set_favourite(self, contact_id: int, favourite: bool) -> None:
        """Star or unstar a contact (a local mark, also allowed on read-only synced contacts)."""
        self.db.execute("UPDATE contacts SET favourite = ?, updated_at = ? WHERE id = ?",
                        (int(favourite), _now(), contact_id))

    def replace(self, contact: Contact) -> None:
        """Overwrite name, numbers, favourite and note, read-only or not (sync and write-back use this)."""
        if contact.id is None:
            raise ValueError("This contact has not been saved yet: add it before updating it.")
        with self.db.transaction() as conn:
            cur = conn.execute(
                "UPDATE contacts SET name = ?, name_folded = ?, favourite = ?, note = ?, updated_at = ? "
                "WHERE id = ?",
                (contact.name, folded_name(contact.name), int(contact.favourite), contact.note, _now(),
                 contact.id),
            )
            if cur.rowcount == 0:
                raise KeyError(f"No contact with id {contact.id}: it may have been deleted.")
            conn.execute("DELETE FROM contact_numbers WHERE contact_id = ?", (contact.id,))
            conn.execute("DELETE FROM contact_words WHERE contact_id = ?", (contact.id,))
            self._write_children(conn, contact.id, contact)

    def delete(self, contact_id: int) -> None:
        """Delete a contact; its numbers and search words go with it (foreign-key cascade).

        A synced contact is refused: the next full sync would bring it back; remove it in its address book.
        """
        row = self.db.query_one("SELECT c.name, b.name FROM contacts c JOIN address_books b "
                                "ON b.id = c.address_book_id WHERE c.id = ?", (contact_id,))
        if row is not None:
            raise ReadOnlyContact(f"{row[0]} comes from the address book “{row[1]}”: delete it there, and the "
                                  "next sync removes it here.")
        self.db.execute("DELETE FROM contacts WHERE id = ?", (contact_id,))

    # ------------------------------------------------------------------------------------------- reads

    def _load(self, ids: Sequence[int]) -> dict[int, Contact]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        contacts = {
            int(r["id"]): Contact(int(r["id"]), str(r["name"]), [], bool(r["favourite"]), str(r["note"]),
                                  r["address_book_id"], str(r["book"] or ""), bool(r["read_only"]))
            for r in self.db.query(
                "SELECT c.id, c.name, c.favourite, c.note, c.address_book_id, c.read_only, b.name AS book "
                f"FROM contacts c LEFT JOIN address_books b ON b.id = c.address_book_id WHERE c.id IN ({marks})",
                list(ids))
        }
        for r in self.db.query(
            f"SELECT contact_id, label, raw, e164, valid FROM contact_numbers WHERE contact_id IN ({marks}) "
            "ORDER BY contact_id, position",
            list(ids),
        ):
            contacts[int(r["contact_id"])].numbers.append(
                ContactNumber(str(r["label"]), str(r["raw"]), r["e164"], bool(r["valid"])))
        return contacts

    def get(self, contact_id: int) -> Contact | None:
        return self._load([contact_id]).get(contact_id)

    def list_all(self, limit: int | None = None, offset: int = 0) -> list[Contact]:
        """Contacts in name order."""
        rows = self.db.query("SELECT id FROM contacts ORDER BY name_folded, id LIMIT ? OFFSET ?",
                             (-1 if limit is None else limit, offset))
        ids = [int(r["id"]) for r in rows]
        loaded = self._load(ids)
        return [loaded[i] for i in ids]

    def count(self) -> int:
        row = self.db.query_one("SELECT count(*) FROM contacts")
        return int(row[0]) if row else 0

    def favourites(self) -> list[Contact]:
        ids = [int(r["id"]) for r in
               self.db.query("SELECT id FROM contacts WHERE favourite = 1 ORDER BY name_folded, id")]
        loaded = self._load(ids)
        return [loaded[i] for i in ids]

    def find_by_number(self, e164: str, *, local_only: bool = False) -> Contact | None:
        """The (oldest) contact that has ``e164`` among its numbers (``local_only``: not a synced one)."""
        if local_only:
            row = self.db.query_one(
                "SELECT n.contact_id FROM contact_numbers n JOIN contacts c ON c.id = n.contact_id "
                "WHERE n.e164 = ? AND c.address_book_id IS NULL ORDER BY n.contact_id LIMIT 1", (e164,))
        else:
            row = self.db.query_one(
                "SELECT contact_id FROM contact_numbers WHERE e164 = ? ORDER BY contact_id LIMIT 1", (e164,))
        return self.get(int(row["contact_id"])) if row else None

    # ------------------------------------------------------------------------------------------ search

    def search(self, query: str, limit: int = 20) -> list[ContactMatch]:
        """Contacts matching ``query``: name words by prefix, or digits by number substring and T9."""
        query = query.strip()
        if not query or limit <= 0:
            return []
        if _DIGIT_QUERY.match(query):
            digits = numbers.digits_only(query)
            if digits:
                return self._search_digits(digits, limit)
        tokens = words(query)
        if not tokens:
            return []
        return self._search_words("n", tokens, limit)

    def _word_filter(self, kind: str, tokens: Sequence[str]) -> tuple[str, list[object]]:
        """SQL that is true when every token prefixes some word of contact ``c.id``."""
        clauses: list[str] = []
        params: list[object] = []
        for token in tokens:
            clauses.append("EXISTS (SELECT 1 FROM contact_words x WHERE x.contact_id = c.id AND x.kind = ? "
                           "AND x.word >= ? AND x.word < ?)")
            params += [kind, token, prefix_upper_bound(token)]
        return " AND ".join(clauses), params

    def _search_words(self, kind: str, tokens: Sequence[str], limit: int) -> list[ContactMatch]:
        matched_by = "name" if kind == "n" else "t9"
        ranked: dict[int, str] = {}

        def take(ids: Iterable[int]) -> None:
            for contact_id in ids:
                ranked.setdefault(contact_id, matched_by)

        word_filter, word_params = self._word_filter(kind, tokens)
        take(int(r[0]) for r in self.db.query(
            f"SELECT c.id FROM contacts c WHERE c.favourite = 1 AND {word_filter} ORDER BY c.name_folded LIMIT ?",
            [*word_params, limit]))
        if kind == "n":
            whole = " ".join(tokens)
            take(int(r[0]) for r in self.db.query(
                "SELECT id FROM contacts WHERE name_folded >= ? AND name_folded < ? ORDER BY name_folded LIMIT ?",
                (whole, prefix_upper_bound(whole), limit)))
        if len(ranked) < limit:
            if len(tokens) == 1:
                take(int(r[0]) for r in self.db.query(
                    "SELECT contact_id FROM contact_words WHERE kind = ? AND word >= ? AND word < ? LIMIT ?",
                    (kind, tokens[0], prefix_upper_bound(tokens[0]), limit * 3)))
            else:
                expression = " AND ".join(f'"{t}"*' for t in tokens)
                try:
                    rows = self.db.query("SELECT rowid FROM contact_names WHERE contact_names MATCH ? LIMIT ?",
                                         (expression, limit * 3))
                except sqlite3.OperationalError:  # a token FTS5 cannot parse: no further matches
                    rows = []
                take(int(r[0]) for r in rows)
        return self._expand(ranked, limit)

    def _expand(self, ranked: dict[int, str], limit: int,
                only_numbers: dict[int, list[int]] | None = None) -> list[ContactMatch]:
        """Turn ranked contact ids into result rows, one per number (or per matched number)."""
        ids = list(ranked)[:limit]
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        names: dict[int, str] = {}
        books: dict[int, str] = {}
        for r in self.db.query("SELECT c.id, c.name, b.name FROM contacts c LEFT JOIN address_books b "
                               f"ON b.id = c.address_book_id WHERE c.id IN ({marks})", ids):
            names[int(r[0])] = str(r[1])
            books[int(r[0])] = str(r[2] or "")
        nums: dict[int, list[sqlite3.Row]] = {}
        for r in self.db.query(
            f"SELECT id, contact_id, label, raw, e164 FROM contact_numbers WHERE contact_id IN ({marks}) "
            "ORDER BY contact_id, position", ids):
            nums.setdefault(int(r["contact_id"]), []).append(r)
        out: list[ContactMatch] = []
        for contact_id in ids:
            matched_by = ranked[contact_id]
            rows = nums.get(contact_id, [])
            wanted = (only_numbers or {}).get(contact_id) if matched_by == "number" else None
            if wanted is not None:
                rows = [r for r in rows if int(r["id"]) in wanted]
            if not rows:
                out.append(ContactMatch(contact_id, names[contact_id], "", "", matched_by, books[contact_id]))
            for r in rows:
                out.append(ContactMatch(contact_id, names[contact_id], str(r["e164"] or r["raw"]),
                                        str(r["label"]), matched_by, books[contact_id]))
        return out[:limit]

    def _search_digits(self, digits: str, limit: int) -> list[ContactMatch]:
        ranked: dict[int, str] = {}
        matched_numbers: dict[int, list[int]] = {}

        def take_numbers(rows: Iterable[sqlite3.Row]) -> None:
            for r in rows:
                contact_id = int(r["contact_id"])
                if ranked.setdefault(contact_id, "number") == "number":
                    matched_numbers.setdefault(contact_id, []).append(int(r["id"]))

        def take_t9(ids: Iterable[int]) -> None:
            for contact_id in ids:
                ranked.setdefault(contact_id, "t9")

        upper = prefix_upper_bound(digits)
        # Favourites first: their numbers, then their names in T9.
        take_numbers(self.db.query(
            "SELECT n.id, n.contact_id FROM contacts c JOIN contact_numbers n ON n.contact_id = c.id "
            "WHERE c.favourite = 1 AND instr(n.digits, ?) > 0 ORDER BY c.name_folded LIMIT ?", (digits, limit)))
        t9_filter, t9_params = self._word_filter("t", [digits])
        take_t9(int(r[0]) for r in self.db.query(
            f"SELECT c.id FROM contacts c WHERE c.favourite = 1 AND {t9_filter} ORDER BY c.name_folded LIMIT ?",
            [*t9_params, limit]))
        # Numbers that start with the digits, then names spelled by them, then numbers containing them.
        take_numbers(self.db.query(
            "SELECT id, contact_id FROM contact_numbers WHERE digits >= ? AND digits < ? LIMIT ?",
            (digits, upper, limit)))
        if len(ranked) < limit:
            take_t9(int(r[0]) for r in self.db.query(
                "SELECT contact_id FROM contact_words WHERE kind = 't' AND word >= ? AND word < ? LIMIT ?",
                (digits, upper, limit * 3)))
        if len(ranked) < limit:
            if len(digits) >= 3:
                rows = self.db.query(
                    "SELECT n.id, n.contact_id FROM number_digits f JOIN contact_numbers n ON n.id = f.rowid "
                    "WHERE number_digits MATCH ? LIMIT ?", (f'"{digits}"', limit * 3))
            else:
                rows = self.db.query(
                    "SELECT id, contact_id FROM contact_numbers WHERE instr(digits, ?) > 0 LIMIT ?",
                    (digits, limit * 3))
            take_numbers(rows)
        return self._expand(ranked, limit, matched_numbers)
