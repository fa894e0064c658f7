"""The one SQLite database: connection settings, versioned migrations, transactions.

The asyncio thread and the worker thread that runs heavy jobs (imports, exports) share two connections,
opened with ``check_same_thread=False``: one writer, used by :meth:`Database.transaction` under a
re-entrant lock, and one reader. In WAL mode a reader never waits for a writer, so a search typed while a
50,000-card import runs in the worker thread is answered from the last committed state at once, instead of
blocking the event loop until the import commits. Reads made inside a transaction, by the thread that owns
it, use the writer connection so they see the transaction's own changes. The writer runs in autocommit
mode and ``transaction()`` issues ``BEGIN IMMEDIATE`` itself, so every write is in an explicit transaction
(nested calls become savepoints).

Migrations are a list of steps; ``PRAGMA user_version`` records how many have run. Each step runs in its
own transaction together with the version bump, so a crash mid-migration leaves the previous version.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
last_recovery: Path | None = None  # the last damaged database moved aside in this process (for the CLI)

BUSY_TIMEOUT_MS = 5000

# Each entry is one migration step: a list of SQL statements. Never edit a released step; append a new one.
MIGRATIONS: list[list[str]] = [
    [
        """CREATE TABLE contacts (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            name_folded TEXT NOT NULL,
            favourite INTEGER NOT NULL DEFAULT 0,
            note TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        )""",
        "CREATE INDEX contacts_name_folded ON contacts(name_folded)",
        "CREATE INDEX contacts_favourite ON contacts(favourite) WHERE favourite = 1",
        """CREATE TABLE contact_numbers (
            id INTEGER PRIMARY KEY,
            contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            label TEXT NOT NULL DEFAULT '',
            raw TEXT NOT NULL,
            e164 TEXT,
            valid INTEGER NOT NULL DEFAULT 0,
            digits TEXT NOT NULL,
            position INTEGER NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX contact_numbers_contact ON contact_numbers(contact_id, position)",
        "CREATE INDEX contact_numbers_e164 ON contact_numbers(e164)",
        "CREATE INDEX contact_numbers_digits ON contact_numbers(digits)",
        # Word-prefix search table: kind 'n' = accent/case-folded name word, 't' = the word in dial-pad digits.
        """CREATE TABLE contact_words (
            kind TEXT NOT NULL,
            word TEXT NOT NULL,
            contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            position INTEGER NOT NULL
        )""",
        "CREATE INDEX contact_words_prefix ON contact_words(kind, word, contact_id)",
        "CREATE INDEX contact_words_contact ON contact_words(contact_id, kind, word)",
        # Digit-substring search over numbers (trigram tokenizer, SQLite >= 3.34).
        "CREATE VIRTUAL TABLE number_digits USING fts5(digits, tokenize='trigram')",
        """CREATE TRIGGER contact_numbers_ai AFTER INSERT ON contact_numbers BEGIN
            INSERT INTO number_digits(rowid, digits) VALUES (new.id, new.digits);
        END""",
        """CREATE TRIGGER contact_numbers_ad AFTER DELETE ON contact_numbers BEGIN
            DELETE FROM number_digits WHERE rowid = old.id;
        END""",
        """CREATE TRIGGER contact_numbers_au AFTER UPDATE OF digits ON contact_numbers BEGIN
            UPDATE number_digits SET digits = new.digits WHERE rowid = old.id;
        END""",
        """CREATE TABLE accounts (
            id INTEGER PRIMARY KEY,
            provider TEXT NOT NULL,
            label TEXT NOT NULL,
            settings TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL,
            UNIQUE (provider, label)
        )""",
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE history (
            id INTEGER PRIMARY KEY,
            provider TEXT NOT NULL,
            account_id INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
            provider_call_id TEXT,
            destination TEXT NOT NULL,
            display_name TEXT,
            mode TEXT NOT NULL,
            origin TEXT NOT NULL,
            state TEXT NOT NULL,
            legs TEXT NOT NULL DEFAULT '{}',
            started_us INTEGER NOT NULL,
            answered_us INTEGER,
            ended_us INTEGER,
            duration_s INTEGER,
            cost TEXT,
            currency TEXT,
            error TEXT,
            finished INTEGER NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX history_started ON history(started_us DESC, id DESC)",
        "CREATE INDEX history_provider_started ON history(provider, started_us DESC, id DESC)",
        "CREATE INDEX history_state_started ON history(state, started_us DESC, id DESC)",
        "CREATE INDEX history_unfinished ON history(finished) WHERE finished = 0",
        """CREATE UNIQUE INDEX history_provider_call ON history(provider, provider_call_id)
            WHERE provider_call_id IS NOT NULL""",
    ],
    [
        # Multi-word name queries ("thomas v") intersect per-word prefix matches: FTS5 does that in C over
        # sorted doclists, where the word table needed one EXISTS probe per candidate.
        """CREATE VIRTUAL TABLE contact_names USING fts5(name_folded, content='contacts', content_rowid='id',
            tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')""",
        """CREATE TRIGGER contacts_ai AFTER INSERT ON contacts BEGIN
            INSERT INTO contact_names(rowid, name_folded) VALUES (new.id, new.name_folded);
        END""",
        """CREATE TRIGGER contacts_ad AFTER DELETE ON contacts BEGIN
            INSERT INTO contact_names(contact_names, rowid, name_folded) VALUES ('delete', old.id, old.name_folded);
        END""",
        """CREATE TRIGGER contacts_au AFTER UPDATE OF name_folded ON contacts BEGIN
            INSERT INTO contact_names(contact_names, rowid, name_folded) VALUES ('delete', old.id, old.name_folded);
            INSERT INTO contact_names(rowid, name_folded) VALUES (new.id, new.name_folded);
        END""",
        "INSERT INTO contact_names(contact_names) VALUES ('rebuild')",
    ],
    [
        # CardDAV address books (dialer.carddav): an account is one server sign-in (its password lives in the
        # keyring, never here); each of its address books keeps its own sync token.
        """CREATE TABLE carddav_accounts (
            id INTEGER PRIMARY KEY,
            label TEXT NOT NULL UNIQUE,
            url TEXT NOT NULL,
            username TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""",
        """CREATE TABLE address_books (
            id INTEGER PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES carddav_accounts(id) ON DELETE CASCADE,
            url TEXT NOT NULL,
            name TEXT NOT NULL,
            read_only INTEGER NOT NULL DEFAULT 1,
            sync_token TEXT,
            synced_at TEXT,
            last_error TEXT,
            UNIQUE (account_id, url)
        )""",
        # A synced contact: its address book, the card's href and ETag on the server, the card as fetched
        # (write-back edits it, keeping every field the app does not show) and whether edits are refused.
        "ALTER TABLE contacts ADD COLUMN address_book_id INTEGER REFERENCES address_books(id) ON DELETE CASCADE",
        "ALTER TABLE contacts ADD COLUMN href TEXT",
        "ALTER TABLE contacts ADD COLUMN etag TEXT",
        "ALTER TABLE contacts ADD COLUMN vcard TEXT",
        "ALTER TABLE contacts ADD COLUMN read_only INTEGER NOT NULL DEFAULT 0",
        """CREATE UNIQUE INDEX contacts_card ON contacts(address_book_id, href)
            WHERE address_book_id IS NOT NULL""",
    ],
]


class DatabaseError(RuntimeError):
    """The database cannot be opened or is from a newer version of dialer."""


def describe_error(exc: BaseException, path: Path | None) -> str:
    """What a failed database operation means to the user: the file, the cause and what to do."""
    where = f"the database {path}" if path is not None else "the database"
    text = str(exc)
    low = text.lower()
    if isinstance(exc, DatabaseError):
        return text
    if "locked" in low or "busy" in low:
        return (f"{where} is busy: another dialer (or an import) is writing to it. Wait a moment and try "
                "again; if it stays busy, quit the other dialer.")
    if "disk is full" in low or "database or disk is full" in low or getattr(exc, "errno", None) == 28:
        return f"The disk holding {where} is full. Free some space, then try again; nothing was lost."
    if "readonly" in low or "read-only" in low or "permission" in low or isinstance(exc, PermissionError):
        return (f"{where} cannot be written (a read-only folder or file). Make its folder writable, or set "
                "DIALER_HOME to a folder you own.")
    if "malformed" in low or "not a database" in low or "corrupt" in low:
        return (f"{where} is damaged. Start dialer again: it moves the damaged file aside (keeping it for "
                "recovery) and starts a fresh one.")
    return f"dialer could not use {where}: {text}."


def _private_file(path: Path) -> None:
    """Create ``path`` 0600 if missing, tighten it if wider: call history and contacts are the user's alone.

    SQLite gives the -wal and -shm files the main file's permissions.
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        os.close(fd)
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
    except OSError:
        pass  # a read-only folder: connect() reports it with the file's name


def _healthy(path: Path) -> bool:
    """``PRAGMA quick_check`` on a separate connection (~0.4 s for 100 MB; run off the GUI thread)."""
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            row = conn.execute("PRAGMA quick_check(1)").fetchone()
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:  # locked or unreadable: not a sign of damage
        log.info("Could not check the database %s (%s)", path, exc)
        return True
    except sqlite3.DatabaseError:  # "file is not a database", "malformed"
        return False
    return row is not None and row[0] == "ok"


def _move_aside(path: Path, now: datetime) -> Path:
    """Rename a damaged database (and its -wal/-shm) to a dated name; returns the new main file's path."""
    stamp = now.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        source = Path(str(path) + suffix)
        if source.exists():
            source.rename(Path(str(target) + suffix))
    return target


class Database:
    """A shared SQLite connection with a lock, migrations and explicit transactions."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None) -> None:
        self._conn = conn
        self._lock = threading.RLock()
        self._depth = 0
        self._owner: int | None = None  # thread that holds the open transaction
        self._reader: sqlite3.Connection | None = None
        self._reader_lock = threading.Lock()
        self.path = path
        self.recovered_from: Path | None = None  # where a damaged database was moved when this one started

    @classmethod
    def open(cls, path: Path | None = None, migrations: Sequence[Sequence[str]] | None = None, *,
             check: bool = True, now: datetime | None = None) -> Database:
        """Open (creating if needed) and migrate the database. ``path=None`` uses the user's data dir.

        ``check`` runs ``PRAGMA quick_check`` first: a damaged file is moved aside with a dated name
        (``now``, default the current time) and a fresh database is started; ``recovered_from`` then names
        the kept file, and the caller tells the user. Nothing is deleted.
        """
        if path is None:
            from dialer import paths

            path = paths.database_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(describe_error(exc, path)) from None
        recovered: Path | None = None
        if check and path.exists() and not _healthy(path):
            global last_recovery
            recovered = last_recovery = _move_aside(path, now or datetime.now(UTC))
            log.warning("The database %s was damaged; moved it to %s and started a fresh one", path, recovered)
        _private_file(path)
        try:
            conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None,
                                   timeout=BUSY_TIMEOUT_MS / 1000)
        except sqlite3.Error as exc:
            raise DatabaseError(f"Cannot open the database {path}: {exc}. Check the folder's permissions.") from exc
        db = cls(conn, path)
        db.recovered_from = recovered
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            db.migrate(MIGRATIONS if migrations is None else migrations)
            reader = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None,
                                     timeout=BUSY_TIMEOUT_MS / 1000)
            reader.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            reader.execute("PRAGMA query_only = ON")
            reader.execute("PRAGMA foreign_keys = ON")
            db._reader = reader
        except sqlite3.Error as exc:
            conn.close()
            raise DatabaseError(describe_error(exc, path)) from exc
        except BaseException:
            conn.close()
            raise
        return db

    @classmethod
    def open_read_only(cls, path: Path | None = None) -> Database:
        """Open for reading only (``dialer history``, ``contacts list``): works in a read-only data folder.

        No migration, no check, nothing written; a database from an older version is refused with a message,
        and a missing one reads as empty (nothing is created).
        """
        if path is None:
            from dialer import paths

            try:
                path = paths.database_path()
            except OSError as exc:
                raise DatabaseError(describe_error(exc, None)) from None
        if not path.exists():  # nothing saved yet: an empty database in memory answers "nothing yet"
            empty = cls(sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None), None)
            empty.migrate(MIGRATIONS)
            return empty
        conn: sqlite3.Connection | None = None
        for query in ("mode=ro", "mode=ro&immutable=1"):  # immutable: WAL files that cannot be created
            try:
                conn = sqlite3.connect(f"{path.absolute().as_uri()}?{query}", uri=True, check_same_thread=False,
                                       isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                break
            except sqlite3.Error as exc:
                if conn is not None:
                    conn.close()
                conn = None
                error = exc
        if conn is None:
            raise DatabaseError(describe_error(error, path))
        db = cls(conn, path)
        if db.version < len(MIGRATIONS):
            db.close()
            raise DatabaseError(f"The database {path} is from an older version of dialer. Start dialer once "
                                "(with a writable data folder) to update it.")
        return db

    # ------------------------------------------------------------------------------------------ schema

    @property
    def version(self) -> int:
        row = self.query_one("PRAGMA user_version")
        return int(row[0]) if row else 0

    def migrate(self, migrations: Sequence[Sequence[str]]) -> None:
        """Apply every step past ``user_version``, each in its own transaction with the version bump."""
        current = self.version
        if current > len(migrations):
            raise DatabaseError(
                f"The database {self.path} was written by a newer version of dialer (schema {current}, "
                f"this version knows {len(migrations)}). Update dialer to open it."
            )
        for number, step in enumerate(migrations[current:], start=current + 1):
            with self.transaction() as conn:
                for statement in step:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")

    # ------------------------------------------------------------------------------------ transactions

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block in one transaction (``BEGIN IMMEDIATE``); nested blocks become savepoints."""
        with self._lock:
            if self._depth == 0:
                self._conn.execute("BEGIN IMMEDIATE")
                self._owner = threading.get_ident()
                begin, commit, rollback = None, "COMMIT", "ROLLBACK"
            else:
                name = f"sp{self._depth}"
                begin, commit, rollback = f"SAVEPOINT {name}", f"RELEASE {name}", f"ROLLBACK TO {name}"
                self._conn.execute(begin)
            self._depth += 1
            try:
                yield self._conn
            except BaseException:
                self._depth -= 1
                self._conn.execute(rollback)
                if self._depth > 0:
                    self._conn.execute(commit)  # a rolled-back savepoint still has to be released
                else:
                    self._owner = None
                raise
            else:
                self._depth -= 1
                if self._depth == 0:
                    self._owner = None
                self._conn.execute(commit)

    # ------------------------------------------------------------------------------------------ reads

    @contextmanager
    def _read_connection(self) -> Iterator[sqlite3.Connection]:
        """The writer inside this thread's own transaction (to see its changes), else the reader."""
        if self._owner == threading.get_ident() or self._reader is None:
            with self._lock:
                yield self._conn
        else:
            with self._reader_lock:
                yield self._reader

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        with self._read_connection() as conn:
            cur = conn.execute(sql, params)
            cur.row_factory = sqlite3.Row
            return cur.fetchall()

    def query_one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Row | None:
        with self._read_connection() as conn:
            cur = conn.execute(sql, params)
            cur.row_factory = sqlite3.Row
            row: sqlite3.Row | None = cur.fetchone()
            cur.close()  # ends the read transaction, so the reader sees the next commit
            return row

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        """Run one write statement in its own transaction; returns lastrowid."""
        with self.transaction() as conn:
            return conn.execute(sql, params).lastrowid or 0

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self.transaction() as conn:
            conn.executemany(sql, rows)

    def close(self) -> None:
        with self._lock, self._reader_lock:
            if self._reader is not None:
                self._reader.close()
            self._conn.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
