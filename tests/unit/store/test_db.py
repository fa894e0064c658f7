from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from dialer import paths
from dialer.store.contacts import Contact, ContactNumber, ContactStore
from dialer.store.db import MIGRATIONS, Database, DatabaseError


def test_opens_in_the_data_dir_with_wal_and_foreign_keys(db: Database) -> None:
    assert db.path == paths.database_path()
    assert db.path is not None and db.path.exists()
    assert db.query_one("PRAGMA journal_mode")[0] == "wal"  # type: ignore[index]
    assert db.query_one("PRAGMA foreign_keys")[0] == 1  # type: ignore[index]
    assert db.query_one("PRAGMA busy_timeout")[0] >= 1000  # type: ignore[index]


def test_empty_database_is_migrated_to_the_latest_version(tmp_path: Path) -> None:
    db = Database.open(tmp_path / "new.sqlite3")
    assert db.version == len(MIGRATIONS)
    tables = {r[0] for r in db.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"contacts", "contact_numbers", "accounts", "settings", "history"} <= tables
    db.close()


def test_reopening_keeps_data_and_does_not_rerun_migrations(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite3"
    db = Database.open(path)
    ContactStore(db).add(Contact(None, "Ada Lovelace", [ContactNumber("", "+442079460958", "+442079460958", True)]))
    db.close()
    again = Database.open(path)
    assert again.version == len(MIGRATIONS)
    assert ContactStore(again).count() == 1
    again.close()


def test_a_later_migration_step_is_applied_on_reopen(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite3"
    Database.open(path).close()
    extra = [*MIGRATIONS, ["CREATE TABLE speed_dials (slot INTEGER PRIMARY KEY, number TEXT)"]]
    db = Database.open(path, migrations=extra)
    assert db.version == len(MIGRATIONS) + 1
    db.execute("INSERT INTO speed_dials VALUES (1, '+15551234567')")
    db.close()


def test_a_failing_migration_step_leaves_the_previous_version(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite3"
    Database.open(path).close()
    broken = [*MIGRATIONS, ["CREATE TABLE half_done (x INTEGER)", "THIS IS NOT SQL"]]
    with pytest.raises(DatabaseError) as failure:  # the user's words, with SQLite's error as the cause
        Database.open(path, migrations=broken)
    assert isinstance(failure.value.__cause__, sqlite3.OperationalError)
    db = Database.open(path)
    assert db.version == len(MIGRATIONS)
    assert db.query_one("SELECT name FROM sqlite_master WHERE name = 'half_done'") is None
    db.close()


def test_a_database_from_a_newer_version_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite3"
    Database.open(path, migrations=[*MIGRATIONS, ["SELECT 1"]]).close()
    with pytest.raises(DatabaseError, match="newer version of dialer"):
        Database.open(path)


def test_transaction_rolls_back_everything_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError), db.transaction() as conn:
        conn.execute("INSERT INTO settings(key, value) VALUES ('a', '1')")
        raise RuntimeError("boom")
    assert db.query_one("SELECT count(*) FROM settings")[0] == 0  # type: ignore[index]


def test_nested_transaction_failure_rolls_back_only_the_inner_block(db: Database) -> None:
    with db.transaction() as conn:
        conn.execute("INSERT INTO settings(key, value) VALUES ('outer', '1')")
        with pytest.raises(ValueError), db.transaction() as inner:
            inner.execute("INSERT INTO settings(key, value) VALUES ('inner', '1')")
            raise ValueError
    assert [r[0] for r in db.query("SELECT key FROM settings")] == ["outer"]


def test_deleting_a_contact_cascades_to_its_numbers(db: Database) -> None:
    store = ContactStore(db)
    cid = store.add(Contact(None, "Grace Hopper", [ContactNumber("work", "+1 202 456 1111", "+12024561111", True)]))
    store.delete(cid)
    assert db.query_one("SELECT count(*) FROM contact_numbers")[0] == 0  # type: ignore[index]
    assert db.query_one("SELECT count(*) FROM contact_words")[0] == 0  # type: ignore[index]
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO contact_numbers(contact_id, raw, digits) VALUES (999, '1', '1')")


def test_the_connection_can_be_used_from_a_worker_thread(db: Database) -> None:
    store = ContactStore(db)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            store.add_many(Contact(None, f"Worker {i}", []) for i in range(50))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    for i in range(50):
        store.add(Contact(None, f"Main {i}", []))
    thread.join()
    assert errors == []
    assert store.count() == 100


def test_reads_are_not_blocked_by_a_long_write_in_another_thread(db: Database) -> None:
    store = ContactStore(db)
    store.add(Contact(None, "Committed Carol", []))
    inside, release = threading.Event(), threading.Event()
    seen_inside: list[int] = []

    def long_import() -> None:
        with db.transaction():
            store.add(Contact(None, "Pending Pat", []))
            seen_inside.append(store.count())  # the importing thread sees its own pending rows
            inside.set()
            release.wait(10)

    worker = threading.Thread(target=long_import)
    worker.start()
    assert inside.wait(10)
    try:
        # While the import is still open, the UI thread searches the last committed state without waiting.
        assert [m.name for m in store.search("pa")] == []
        assert [m.name for m in store.search("carol")] == ["Committed Carol"]
    finally:
        release.set()
        worker.join()
    assert seen_inside == [2]
    assert [m.name for m in store.search("pat")] == ["Pending Pat"]


def test_upgrading_from_schema_1_indexes_existing_contacts_for_multi_word_search(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old = Database.open(path, migrations=MIGRATIONS[:1])
    ContactStore(old).add(Contact(None, "John Smith", [ContactNumber("", "+12024561111", "+12024561111", True)]))
    old.close()
    upgraded = Database.open(path)
    assert upgraded.version == len(MIGRATIONS) >= 2
    store = ContactStore(upgraded)
    assert [m.name for m in store.search("jo smi")] == ["John Smith"]
    store.add(Contact(None, "Joanna Smithers", []))
    assert {m.name for m in store.search("jo smi")} == {"John Smith", "Joanna Smithers"}
    store.delete(1)
    assert [m.name for m in store.search("jo smi")] == ["Joanna Smithers"]
    upgraded.close()


def test_the_database_and_its_wal_are_private_to_the_user(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite3"
    db = Database.open(path)
    ContactStore(db).add(Contact(None, "Ada Lovelace", [ContactNumber("", "+442079460958", "+442079460958", True)]))
    for file in (path, Path(f"{path}-wal")):
        assert file.stat().st_mode & 0o777 == 0o600, file
    db.close()
    path.chmod(0o644)  # written by an older version
    Database.open(path).close()
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_damaged_database_is_moved_aside_with_a_dated_name_and_a_fresh_one_started(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    path = tmp_path / "d.sqlite3"
    db = Database.open(path)
    ContactStore(db).add(Contact(None, "Ada Lovelace", [ContactNumber("", "+442079460958", "+442079460958", True)]))
    db.close()
    damaged = path.read_bytes()
    path.write_bytes(b"this is not a database at all" + damaged[100:])
    fresh = Database.open(path, now=datetime(2026, 12, 1, 3, 0, 5, tzinfo=UTC))
    kept = tmp_path / "d.sqlite3.damaged-20261201-030005"
    assert fresh.recovered_from == kept and kept.read_bytes().startswith(b"this is not a database")
    assert ContactStore(fresh).count() == 0 and fresh.version == len(MIGRATIONS)
    fresh.close()
    again = Database.open(path)
    assert again.recovered_from is None  # the fresh one is healthy: moved once, not at every start
    again.close()


def test_read_only_open_reads_without_writing(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite3"
    db = Database.open(path)
    ContactStore(db).add(Contact(None, "Ada Lovelace", [ContactNumber("", "+442079460958", "+442079460958", True)]))
    db.close()
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    ro = Database.open_read_only(path)
    assert ContactStore(ro).count() == 1
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        ro.execute("DELETE FROM contacts")
    ro.close()
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir() if p.name in before} == before


def test_read_only_open_of_a_missing_database_reads_as_empty_and_creates_nothing(tmp_path: Path) -> None:
    db = Database.open_read_only(tmp_path / "none.sqlite3")
    assert ContactStore(db).count() == 0
    db.close()
    assert not (tmp_path / "none.sqlite3").exists()


@pytest.mark.parametrize(("error", "words"), [
    (sqlite3.OperationalError("database is locked"), "busy"),
    (sqlite3.OperationalError("database or disk is full"), "disk holding"),
    (sqlite3.OperationalError("attempt to write a readonly database"), "cannot be written"),
    (PermissionError(13, "Permission denied"), "cannot be written"),
    (sqlite3.DatabaseError("database disk image is malformed"), "damaged"),
])
def test_each_storage_failure_names_the_file_and_the_fix(error: BaseException, words: str) -> None:
    from dialer.store.db import describe_error

    text = describe_error(error, Path("/home/me/.local/share/dialer/dialer.sqlite3"))
    assert "/home/me/.local/share/dialer/dialer.sqlite3" in text and words in text
