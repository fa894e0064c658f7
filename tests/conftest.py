"""Test-wide setup: offscreen Qt, a private DIALER_HOME per test, an in-memory keyring, no proxies.

Set before anything imports Qt or keyring, so every test is hermetic and order-independent.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")
for _var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
             "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE"):
    os.environ.pop(_var, None)
os.environ["NO_PROXY"] = "127.0.0.1,localhost"
for _var in ("DIALER_RINGEZ_URL", "DIALER_RINGCENTRAL_URL", "DIALER_CALLEDIN_URL", "DIALER_RINGOSTAT_URL",
             "DIALER_SANDBOX_URL"):
    os.environ.pop(_var, None)

from collections.abc import Iterator  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402


class MemoryKeyring:
    """A real keyring backend that keeps secrets in a dict (keyring.set_keyring accepts it)."""

    priority = 1

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        import keyring.errors

        try:
            del self.items[(service, username)]
        except KeyError:
            raise keyring.errors.PasswordDeleteError("not found") from None

    def get_credential(self, service: str, username: str | None):  # pragma: no cover - keyring API
        return None


@pytest.fixture(autouse=True)
def dialer_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own DIALER_HOME: no test sees another's data, and none touches the user's."""
    home = tmp_path / "dialer-home"
    home.mkdir()
    monkeypatch.setenv("DIALER_HOME", str(home))
    # Nor the user's desktop: start-at-login entries go to a temporary config folder, and notifications
    # never reach the developer's real notification server (their tests start a private bus).
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    yield home


# A weekday afternoon in Europe, morning in the Americas, evening in India: no destination the tests dial is
# at night, so no test depends on the hour CI runs at. The night warning has its own tests with their own clock.
DAYTIME = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def daytime_clock(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """Pin the dial guard's clock (the night-time warning) for in-process tests."""
    monkeypatch.setattr("dialer.service.planner.now_utc", lambda: DAYTIME)
    return DAYTIME


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Install an in-memory keyring backend for the test (never the user's real keyring)."""
    import keyring
    from keyring.backend import KeyringBackend

    backend_cls = type("MemoryKeyringBackend", (MemoryKeyring, KeyringBackend), {})
    backend = backend_cls()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
