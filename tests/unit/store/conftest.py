"""A fresh database per test, in the test's private DIALER_HOME."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dialer.store.contacts import ContactStore
from dialer.store.db import Database
from dialer.store.history import HistoryStore

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "vcards"


@pytest.fixture
def db() -> Iterator[Database]:
    database = Database.open()
    yield database
    database.close()


@pytest.fixture
def contacts(db: Database) -> ContactStore:
    return ContactStore(db)


@pytest.fixture
def history(db: Database) -> HistoryStore:
    return HistoryStore(db)
