"""Typed access to the user's preferences (the store keeps JSON values under string keys)."""

from __future__ import annotations

from typing import Any

from dialer.core.calls import CallMode
from dialer.store.settings import SettingsStore

OWN_NUMBER = "own_number"
DEFAULT_REGION = "default_region"
DEFAULT_ACCOUNT = "default_account_id"
DEFAULT_MODE = "default_mode"
CONFIRM_ALL = "confirm_all"
MAX_MINUTES = "max_minutes"
THEME = "theme"
START_MINIMIZED = "start_minimized"
NOTIFICATIONS = "notifications"
CALLBACK_URL = "calledin_callback_url"


class Settings:
    """The settings store with typed helpers; ``get``/``set`` stay available for anything else."""

    def __init__(self, store: SettingsStore) -> None:
        self.store = store

    def get(self, key: str, default: Any = None) -> Any:
        return self.store.get(key, default)

    def set(self, key: str, value: Any) -> None:
        if value is None:
            self.store.delete(key)
        else:
            self.store.set(key, value)

    def _str(self, key: str) -> str | None:
        value = self.store.get(key)
        return str(value) if value not in (None, "") else None

    @property
    def own_number(self) -> str | None:
        return self._str(OWN_NUMBER)

    @own_number.setter
    def own_number(self, value: str | None) -> None:
        self.set(OWN_NUMBER, value)

    @property
    def default_region(self) -> str | None:
        return self._str(DEFAULT_REGION)

    @default_region.setter
    def default_region(self, value: str | None) -> None:
        self.set(DEFAULT_REGION, value.upper() if value else None)

    @property
    def default_account_id(self) -> int | None:
        value = self.store.get(DEFAULT_ACCOUNT)
        return int(value) if isinstance(value, int | str) and str(value).isdigit() else None

    @default_account_id.setter
    def default_account_id(self, value: int | None) -> None:
        self.set(DEFAULT_ACCOUNT, value)

    @property
    def default_mode(self) -> CallMode | None:
        value = self.store.get(DEFAULT_MODE)
        try:
            return CallMode(value) if value else None
        except ValueError:
            return None

    @default_mode.setter
    def default_mode(self, value: CallMode | None) -> None:
        self.set(DEFAULT_MODE, value.value if value else None)

    @property
    def confirm_all(self) -> bool:
        return bool(self.store.get(CONFIRM_ALL, False))

    @confirm_all.setter
    def confirm_all(self, value: bool) -> None:
        self.set(CONFIRM_ALL, bool(value))

    @property
    def max_minutes(self) -> int | None:
        value = self.store.get(MAX_MINUTES)
        return int(value) if isinstance(value, int) and value > 0 else None

    @max_minutes.setter
    def max_minutes(self, value: int | None) -> None:
        self.set(MAX_MINUTES, value)

    @property
    def theme(self) -> str:
        return str(self.store.get(THEME, "system"))

    @theme.setter
    def theme(self, value: str) -> None:
        self.set(THEME, value)

    @property
    def start_minimized(self) -> bool:
        return bool(self.store.get(START_MINIMIZED, False))

    @start_minimized.setter
    def start_minimized(self, value: bool) -> None:
        self.set(START_MINIMIZED, bool(value))

    @property
    def notifications(self) -> bool:
        """Desktop notifications when a call ends (or the balance runs low) while the window is elsewhere."""
        return bool(self.store.get(NOTIFICATIONS, True))

    @notifications.setter
    def notifications(self, value: bool) -> None:
        self.set(NOTIFICATIONS, bool(value))

    @property
    def callback_url(self) -> str | None:
        """Where Called.in should call back (a public URL forwarded to the loopback listener)."""
        return self._str(CALLBACK_URL)
