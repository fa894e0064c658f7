"""A keyring backend that keeps secrets in a JSON file under DIALER_HOME, for CLI subprocess tests.

Each `dialer` command in those tests is a separate process, so the in-memory test keyring cannot carry a
sign-in from `dialer login` to `dialer call`. Selected with
``PYTHON_KEYRING_BACKEND=tests.integration.service.file_keyring.FileKeyring``; never used by the app.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class FileKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    @staticmethod
    def _path() -> Path:
        return Path(os.environ["DIALER_HOME"]) / "test-keyring.json"

    def _load(self) -> dict[str, str]:
        try:
            data: dict[str, str] = json.loads(self._path().read_text())
            return data
        except FileNotFoundError:
            return {}

    def _save(self, data: dict[str, str]) -> None:
        self._path().write_text(json.dumps(data))

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\0{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}\0{username}"] = password
        self._save(data)

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(f"{service}\0{username}", None) is None:
            raise PasswordDeleteError("not found")
        self._save(data)
