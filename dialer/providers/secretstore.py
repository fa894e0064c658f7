"""The secret-store interface the provider clients code against, and an in-memory one for tests.

``dialer/secrets.py`` (keyring-backed) provides the real ``SecretStore`` with the same four methods; the
providers only depend on this protocol so they never import keyring themselves. Every value a provider
reads from or writes to the store is also registered with :func:`dialer.providers.logmask.register_secret`
so it is masked in every log line.
"""

from __future__ import annotations

from typing import Protocol


class SecretStoreLike(Protocol):
    def get(self, account_key: str, name: str) -> str | None: ...

    def set(self, account_key: str, name: str, value: str) -> None: ...

    def delete(self, account_key: str, name: str) -> None: ...

    def delete_all(self, account_key: str) -> None: ...


class MemorySecretStore:
    """A dict-backed store with the same interface (tests and the sandbox demo)."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], str] = {}

    def get(self, account_key: str, name: str) -> str | None:
        return self.items.get((account_key, name))

    def set(self, account_key: str, name: str, value: str) -> None:
        self.items[(account_key, name)] = value

    def delete(self, account_key: str, name: str) -> None:
        self.items.pop((account_key, name), None)

    def delete_all(self, account_key: str) -> None:
        for key in [k for k in self.items if k[0] == account_key]:
            del self.items[key]
