from __future__ import annotations

import pytest

from dialer.store.accounts import AccountStore
from dialer.store.db import Database
from dialer.store.settings import SettingsStore


def test_accounts_add_find_update_remove(db: Database) -> None:
    accounts = AccountStore(db)
    acc = accounts.add("ringez", "me@example.com", {"caller_id": "+442079460958"})
    assert accounts.find("ringez", "me@example.com") == acc
    assert accounts.get(acc.id) == acc
    accounts.update_settings(acc.id, {"caller_id": "+15551230000", "mode": "bridge"})
    assert accounts.list()[0].settings == {"caller_id": "+15551230000", "mode": "bridge"}
    again = accounts.add("ringez", "me@example.com", {"mode": "direct"})
    assert again.id == acc.id and len(accounts.list()) == 1
    accounts.remove(acc.id)
    assert accounts.list() == [] and accounts.get(acc.id) is None
    assert acc.key == f"ringez:{acc.id}"


def test_accounts_table_has_no_secret_columns(db: Database) -> None:
    columns = {r["name"] for r in db.query("PRAGMA table_info(accounts)")}
    assert columns == {"id", "provider", "label", "settings", "created_at"}


def test_settings_hold_json_values_across_reopen(db: Database) -> None:
    settings = SettingsStore(db)
    assert settings.get("default_region") is None
    assert settings.get("default_region", "GB") == "GB"
    settings.set("default_region", "US")
    settings.set("window", {"width": 420, "pinned": True, "recent": [1, 2]})
    settings.set("default_region", "FR")
    db.close()
    reopened = SettingsStore(Database.open())
    assert reopened.get("default_region") == "FR"
    assert reopened.get("window") == {"width": 420, "pinned": True, "recent": [1, 2]}
    with pytest.raises(TypeError):
        reopened.set("bad", object())
    reopened.db.close()
