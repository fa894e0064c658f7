"""The only place secrets go: the system keyring, with an in-memory fallback for this run.

Every secret lives in the keyring under the service name ``dialer`` and the user name
``"<account key>/<name>"``. The names stored for each account are kept in an index entry
(``"<account key>/.names"``) so that :meth:`SecretStore.delete_all` can remove them without enumerating the
keyring (which most backends cannot do).

When no usable keyring exists (no backend, or keyring's ``fail``/``null`` backends, or the keyring refuses
to store), secrets are kept in memory for this run only, ``persistent`` is False and ``warning`` says what
to do. Every value set or read is registered with :class:`SecretMaskingFilter`, so logs never show it.

``keyring`` is imported lazily: it costs ~160 ms, too much for the start-up path.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable
from typing import Any

from dialer.i18n import N_, _

SERVICE = "dialer"
NO_KEYRING_WARNING = N_(
    "No system keyring is available: sign-ins will not be remembered after you quit. "
    "Install/unlock a keyring (e.g. GNOME Keyring, KWallet) to keep them."
)
UNENCRYPTED_KEYRING_WARNING = N_(
    "Your keyring is an unencrypted file ({file}): the passwords and tokens dialer keeps there can be read "
    "by any program or person that can read that file. Use a real keyring instead (GNOME Keyring, KWallet, "
    "or KeePassXC's Secret Service), then remove the keyrings.alt package or unset PYTHON_KEYRING_BACKEND."
)
MASK = "********"
_MIN_MASKED_LENGTH = 3  # shorter values (e.g. "1") would mask unrelated text

log = logging.getLogger(__name__)

_registered: set[str] = set()
_registered_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Have :class:`SecretMaskingFilter` mask ``value`` from now on."""
    if value and len(value) >= _MIN_MASKED_LENGTH:
        with _registered_lock:
            _registered.add(value)


def registered_secrets() -> frozenset[str]:
    with _registered_lock:
        return frozenset(_registered)


def mask(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each secret replaced by a mask (longest secrets first)."""
    for secret in sorted({s for s in secrets if s and len(s) >= _MIN_MASKED_LENGTH}, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class SecretMaskingFilter(logging.Filter):
    """A logging filter that masks every registered secret in the message, its arguments and tracebacks."""

    def __init__(self, extra: Iterable[str] = ()) -> None:
        super().__init__()
        self.extra = frozenset(extra)

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = registered_secrets() | self.extra
        if not secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: mask the raw pieces instead
            message = f"{record.msg} {record.args}"
        masked = mask(message, secrets)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text, secrets)
        return True


def unencrypted_file_of(backend: Any) -> str | None:
    """The file behind ``backend`` if it stores secrets unencrypted (base64 is not encryption), else None."""
    if backend is None:
        return None
    inner = getattr(backend, "backends", None)
    if isinstance(inner, list | tuple) and inner:  # a chainer writes to its highest-priority backend
        backend = inner[0]
    if type(backend).__name__ == "PlaintextKeyring":  # keyrings.alt.file (and keyring < 11's own)
        return str(getattr(backend, "file_path", "") or "a file in your home folder")
    return None


class SecretStore:
    """Secrets per account key (e.g. ``"ringez:3"``) in the system keyring."""

    def __init__(self, service: str = SERVICE) -> None:
        self.service = service
        self._lock = threading.RLock()
        self._backend: Any = None
        self._resolved = False
        self._memory: dict[tuple[str, str], str] = {}
        self._warning: str | None = None

    # ----------------------------------------------------------------------------------------- backend

    def _keyring(self) -> Any:
        """The keyring backend to use, or None for the in-memory fallback (resolved once)."""
        with self._lock:
            if not self._resolved:
                self._resolved = True
                self._backend = self._detect()
                if self._backend is None:
                    self._fall_back("no keyring backend")
            return self._backend

    @staticmethod
    def _detect() -> Any:
        try:
            import keyring
            from keyring.backends import chainer, fail, null

            backend = keyring.get_keyring()
        except Exception:  # keyring missing or its configuration broken
            return None
        if isinstance(backend, (fail.Keyring, null.Keyring)):
            return None
        if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
            return None
        return backend

    def _fall_back(self, reason: str) -> None:
        """Switch to memory for the rest of this run, warning once (never with a secret)."""
        self._backend = None
        if self._warning is None:
            self._warning = _(NO_KEYRING_WARNING)
            log.warning("Keeping secrets in memory only (%s). %s", reason, NO_KEYRING_WARNING)

    @property
    def unencrypted_file(self) -> str | None:
        """The file of an unencrypted file keyring in use (keyrings.alt's PlaintextKeyring), else None.

        It keeps working (a headless machine may have nothing better), but every sign-in says so.
        """
        return unencrypted_file_of(self._keyring())

    @property
    def insecure_warning(self) -> str | None:
        """What to tell the user at sign-in when secrets go to an unencrypted file, else None."""
        file = self.unencrypted_file
        return None if file is None else _(UNENCRYPTED_KEYRING_WARNING).format(file=file)

    @property
    def persistent(self) -> bool:
        """Whether secrets survive quitting (a real keyring is in use)."""
        return self._keyring() is not None

    @property
    def warning(self) -> str | None:
        """What to tell the user when secrets cannot be kept, else None."""
        self._keyring()
        return self._warning

    # -------------------------------------------------------------------------------------- primitives

    @staticmethod
    def _user(account_key: str, name: str) -> str:
        return f"{account_key}/{name}"

    def _raw_get(self, user: str) -> str | None:
        backend = self._keyring()
        if backend is not None:
            from keyring.errors import KeyringError

            try:
                value: str | None = backend.get_password(self.service, user)
                return value
            except KeyringError as exc:
                self._fall_back(f"the keyring could not be read: {type(exc).__name__}")
        return self._memory.get((self.service, user))

    def _raw_set(self, user: str, value: str) -> None:
        backend = self._keyring()
        if backend is not None:
            from keyring.errors import KeyringError

            try:
                backend.set_password(self.service, user, value)
                return
            except KeyringError as exc:
                self._fall_back(f"the keyring refused to store: {type(exc).__name__}")
        self._memory[(self.service, user)] = value

    def _raw_delete(self, user: str) -> None:
        self._memory.pop((self.service, user), None)
        backend = self._keyring()
        if backend is not None:
            from keyring.errors import KeyringError, PasswordDeleteError

            try:
                backend.delete_password(self.service, user)
            except PasswordDeleteError:
                pass  # already gone
            except KeyringError as exc:
                log.warning("Could not delete a secret from the keyring (%s).", type(exc).__name__)

    # ------------------------------------------------------------------------------------------- index

    def _names(self, account_key: str) -> list[str]:
        raw = self._raw_get(self._user(account_key, ".names"))
        if not raw:
            return []
        try:
            names = json.loads(raw)
        except ValueError:
            return []
        return [str(n) for n in names] if isinstance(names, list) else []

    def _set_names(self, account_key: str, names: list[str]) -> None:
        user = self._user(account_key, ".names")
        if names:
            self._raw_set(user, json.dumps(sorted(set(names))))
        else:
            self._raw_delete(user)

    # ---------------------------------------------------------------------------------------- public

    def get(self, account_key: str, name: str) -> str | None:
        with self._lock:
            value = self._raw_get(self._user(account_key, name))
        register_secret(value)
        return value

    def set(self, account_key: str, name: str, value: str) -> None:
        if name == ".names":
            raise ValueError("'.names' is reserved for the secret index.")
        register_secret(value)
        with self._lock:
            self._raw_set(self._user(account_key, name), value)
            names = self._names(account_key)
            if name not in names:
                self._set_names(account_key, [*names, name])

    def delete(self, account_key: str, name: str) -> None:
        with self._lock:
            self._raw_delete(self._user(account_key, name))
            names = self._names(account_key)
            if name in names:
                self._set_names(account_key, [n for n in names if n != name])

    def delete_all(self, account_key: str) -> None:
        """Remove every secret stored for ``account_key`` (sign-out, removing the account)."""
        with self._lock:
            for name in self._names(account_key):
                self._raw_delete(self._user(account_key, name))
            self._set_names(account_key, [])
            for service, user in list(self._memory):
                if service == self.service and user.startswith(account_key + "/"):
                    del self._memory[(service, user)]
