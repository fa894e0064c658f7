"""Small user preferences as JSON values under string keys (never secrets)."""

from __future__ import annotations

import json
from typing import Any

from dialer.store.db import Database


class SettingsStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, key: str, default: Any = None) -> Any:
        r = self.db.query_one("SELECT value FROM settings WHERE key = ?", (key,))
        return default if r is None else json.loads(r[0])

    def set(self, key: str, value: Any) -> None:
        """Store ``value`` (anything JSON can hold); raises TypeError for anything else."""
        encoded = json.dumps(value)
        self.db.execute("INSERT INTO settings(key, value) VALUES (?, ?) "
                        "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, encoded))

    def delete(self, key: str) -> None:
        self.db.execute("DELETE FROM settings WHERE key = ?", (key,))
