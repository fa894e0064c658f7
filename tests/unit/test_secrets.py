from __future__ import annotations

import logging
from collections.abc import Iterator

import keyring
import keyring.backends.fail
import keyring.backends.null
import pytest

from dialer.secrets import NO_KEYRING_WARNING, SecretMaskingFilter, SecretStore, mask
from tests.conftest import MemoryKeyring


def test_secrets_go_to_the_keyring_under_the_dialer_service(memory_keyring: MemoryKeyring) -> None:
    store = SecretStore()
    store.set("ringez:1", "api_key", "rk_live_abcdef123456")
    assert store.get("ringez:1", "api_key") == "rk_live_abcdef123456"
    assert memory_keyring.items[("dialer", "ringez:1/api_key")] == "rk_live_abcdef123456"
    assert store.persistent and store.warning is None
    # A new store (the next run) reads it back.
    assert SecretStore().get("ringez:1", "api_key") == "rk_live_abcdef123456"
    assert store.get("ringez:1", "missing") is None


def test_delete_and_delete_all_remove_every_secret_of_an_account(memory_keyring: MemoryKeyring) -> None:
    store = SecretStore()
    store.set("rc:2", "access_token", "at-1111")
    store.set("rc:2", "refresh_token", "rt-2222")
    store.set("rc:3", "access_token", "other-3333")
    store.delete("rc:2", "access_token")
    assert store.get("rc:2", "access_token") is None
    store.delete("rc:2", "never-set")  # not an error
    store.set("rc:2", "access_token", "at-4444")
    SecretStore().delete_all("rc:2")  # a fresh store finds the names through the keyring's index
    assert [k for k in memory_keyring.items if k[1].startswith("rc:2/")] == []
    assert store.get("rc:3", "access_token") == "other-3333"


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


@pytest.mark.usefixtures("no_keyring")
def test_without_a_keyring_secrets_live_in_memory_and_the_user_is_told(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    store = SecretStore()
    assert not store.persistent
    assert store.warning == NO_KEYRING_WARNING
    store.set("ringez:1", "api_key", "s3cr3t-value")
    store.set("ringez:1", "pin", "987654")
    assert store.get("ringez:1", "api_key") == "s3cr3t-value"
    store.delete_all("ringez:1")
    assert store.get("ringez:1", "pin") is None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "s3cr3t" not in caplog.text
    # Nothing is remembered by the next run.
    store.set("ringez:1", "api_key", "s3cr3t-value")
    assert SecretStore().get("ringez:1", "api_key") is None


def test_the_null_backend_is_never_used() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.null.Keyring())
    try:
        store = SecretStore()
        store.set("a:1", "token", "tok-123456")
        assert store.get("a:1", "token") == "tok-123456"
        assert not store.persistent
    finally:
        keyring.set_keyring(previous)


def test_a_keyring_that_refuses_to_store_falls_back_to_memory(memory_keyring: MemoryKeyring) -> None:
    import keyring.errors

    def refuse(service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("locked")

    memory_keyring.set_password = refuse  # type: ignore[method-assign]
    store = SecretStore()
    store.set("rc:1", "refresh_token", "rt-locked-1")
    assert store.get("rc:1", "refresh_token") == "rt-locked-1"
    assert not store.persistent and store.warning == NO_KEYRING_WARNING


def test_mask_hides_every_secret_longest_first() -> None:
    text = "key=abcdef123 and abcdef123456 and short=ab"
    assert mask(text, ["abcdef123", "abcdef123456", "ab", ""]) == "key=******** and ******** and short=ab"


def test_logging_filter_masks_secrets_the_store_has_seen(caplog: pytest.LogCaptureFixture) -> None:
    store = SecretStore()
    store.set("ringez:9", "api_key", "rk_live_zzz999")
    logger = logging.getLogger("dialer.test.masking")
    masking = SecretMaskingFilter()
    logger.addFilter(masking)
    try:
        with caplog.at_level(logging.INFO, logger="dialer.test.masking"):
            logger.info("calling with key %s", "rk_live_zzz999")
            try:
                raise ValueError("bad key rk_live_zzz999")
            except ValueError:
                logger.exception("request failed")
    finally:
        logger.removeFilter(masking)
    assert "rk_live_zzz999" not in caplog.text
    assert "calling with key ********" in caplog.text
    assert "bad key ********" in caplog.text


class PlaintextKeyring(keyring.backend.KeyringBackend):
    """Like keyrings.alt.file.PlaintextKeyring: secrets base64-encoded in a file, i.e. not encrypted."""

    priority = 0.5  # type: ignore[assignment]

    def __init__(self, file_path: str) -> None:
        super().__init__()
        self.file_path = file_path

    def _read(self) -> dict[str, str]:
        import json
        import os

        if not os.path.exists(self.file_path):
            return {}
        with open(self.file_path, encoding="utf-8") as handle:
            return dict(json.load(handle))

    def get_password(self, service: str, username: str) -> str | None:
        import base64

        value = self._read().get(f"{service}/{username}")
        return None if value is None else base64.b64decode(value).decode()

    def set_password(self, service: str, username: str, password: str) -> None:
        import base64
        import json

        data = self._read()
        data[f"{service}/{username}"] = base64.b64encode(password.encode()).decode()
        with open(self.file_path, "w", encoding="utf-8") as handle:
            json.dump(data, handle)

    def delete_password(self, service: str, username: str) -> None:
        data = self._read()
        data.pop(f"{service}/{username}", None)


def test_an_unencrypted_file_keyring_keeps_working_but_is_named_with_the_fix(tmp_path: object) -> None:
    from pathlib import Path

    file = Path(str(tmp_path)) / "keyring_pass.cfg"
    keyring.set_keyring(PlaintextKeyring(str(file)))
    store = SecretStore()
    store.set("ringez:1", "password", "s3cret-value")
    assert store.get("ringez:1", "password") == "s3cret-value" and store.persistent  # it still works
    assert "s3cret-value" not in file.read_text(encoding="utf-8")  # base64 hides it from grep, not from anyone
    warning = store.insecure_warning
    assert warning is not None and str(file) in warning and "unencrypted" in warning
    assert "GNOME Keyring" in warning and "keyrings.alt" in warning


def test_a_real_keyring_gives_no_insecure_warning(memory_keyring: MemoryKeyring) -> None:
    assert SecretStore().insecure_warning is None
