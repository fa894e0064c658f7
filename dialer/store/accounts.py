"""Provider accounts the user signed in with: non-secret facts only (label, settings).

Passwords, tokens and API keys never come here: they go to :mod:`dialer.secrets` (the system keyring).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from dialer.store.db import Database


@dataclass
class Account:
    id: int
    provider: str
    label: str
    settings: dict[str, str]
    created_at: datetime

    @property
    def key(self) -> str:
        """The name this account's secrets are filed under in the keyring."""
        return f"{self.provider}:{self.id}"


def _account(r: sqlite3.Row) -> Account:
    return Account(int(r["id"]), str(r["provider"]), str(r["label"]), dict(json.loads(r["settings"])),
                   datetime.fromisoformat(str(r["created_at"])))


class AccountStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def list(self) -> list[Account]:
        return [_account(r) for r in self.db.query("SELECT * FROM accounts ORDER BY id")]

    def add(self, provider: str, label: str, settings: dict[str, str] | None = None) -> Account:
        """Add an account; adding the same provider and label again updates its settings instead."""
        existing = self.find(provider, label)
        if existing is not None:
            self.update_settings(existing.id, settings or {})
            refreshed = self.get(existing.id)
            assert refreshed is not None
            return refreshed
        created = datetime.now(UTC)
        account_id = self.db.execute(
            "INSERT INTO accounts(provider, label, settings, created_at) VALUES (?, ?, ?, ?)",
            (provider, label, json.dumps(settings or {}, sort_keys=True), created.isoformat()))
        return Account(account_id, provider, label, dict(settings or {}), created)

    def get(self, account_id: int) -> Account | None:
        r = self.db.query_one("SELECT * FROM accounts WHERE id = ?", (account_id,))
        return _account(r) if r else None

    def find(self, provider: str, label: str) -> Account | None:
        r = self.db.query_one("SELECT * FROM accounts WHERE provider = ? AND label = ?", (provider, label))
        return _account(r) if r else None

    def update_settings(self, account_id: int, settings: dict[str, str]) -> None:
        self.db.execute("UPDATE accounts SET settings = ? WHERE id = ?",
                        (json.dumps(settings, sort_keys=True), account_id))

    def remove(self, account_id: int) -> None:
        """Forget an account (its history rows stay, detached). Delete its secrets via SecretStore too."""
        self.db.execute("DELETE FROM accounts WHERE id = ?", (account_id,))
