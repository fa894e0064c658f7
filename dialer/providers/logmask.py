"""Keep secrets out of log lines.

Two layers, because one is not enough:

* our own log calls never format secrets on purpose (requests are logged as method + path, never the
  query string: Called.in puts its api_key there), and
* :class:`SecretMaskFilter` rewrites every record of the loggers it is attached to (ours plus ``httpx`` and
  ``httpcore``, which log full URLs): every value registered with :func:`register_secret` and every
  credential-looking pattern (``api_key=...``, ``Bearer ...``, ``sess_...``) becomes ``***``.

Python applies a logger's filters only to records created on that very logger, so every provider module
gets its logger through :func:`get_logger`, which attaches the filter.
"""

from __future__ import annotations

import logging
import re
import threading

MASK = "***"
_MIN_SECRET_LEN = 4  # shorter values would mask ordinary words

_lock = threading.Lock()
_secrets: set[str] = set()

_PATTERNS = [
    re.compile(r"(?i)((?:api_key|auth_key|secret|password|otp|token|assertion|code|code_verifier|"
               r"refresh_token|access_token|client_secret)=)[^&\s'\"]+"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"(?i)(basic\s+)[A-Za-z0-9+/=]+"),
    re.compile(r"(?i)((?:x-session-id|auth-key|authorization)['\"]?\s*[:=]\s*['\"]?)[^'\",\s}]+"),
    re.compile(r"()\bsess_[A-Za-z0-9_-]+"),
]


def register_secret(value: str | None) -> None:
    """Mask ``value`` wherever it appears in a log line from now on."""
    if value and len(value) >= _MIN_SECRET_LEN:
        with _lock:
            _secrets.add(value)
        from dialer import secrets as app_secrets  # light: keyring is imported lazily there

        app_secrets.register_secret(value)  # the app-wide handler filter masks it too


def mask(text: str) -> str:
    """``text`` with every registered secret and credential-looking pattern replaced by ``***``."""
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for value in known:
        if value in text:
            text = text.replace(value, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


class SecretMaskFilter(logging.Filter):
    """Rewrites a record's message (after %-formatting) so no handler ever sees a secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the raw template, masked
            message = str(record.msg)
        masked = mask(message)
        record.msg = masked
        record.args = None
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        return True


_FILTER = SecretMaskFilter()


def _attach(logger: logging.Logger) -> logging.Logger:
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return logger


def get_logger(name: str) -> logging.Logger:
    """A logger whose records are masked; also masks the third-party HTTP loggers once."""
    for third_party in ("httpx", "httpcore", "httpcore.connection", "httpcore.http11", "httpcore.http2",
                        "httpcore.proxy"):
        _attach(logging.getLogger(third_party))
    return _attach(logging.getLogger(name))
