"""Where the app's log goes, and what happens to a crash: files under :func:`dialer.paths.log_dir`, masked.

:func:`configure` sends every log record to a rotating ``dialer.log`` (and warnings to stderr when a person
is watching a terminal). Every handler carries :class:`dialer.secrets.SecretMaskingFilter`, so a token,
session id, key or password that reached a message, its arguments or a traceback is written as
``********``. :func:`install_crash_reporter` writes an uncaught exception (main thread or any other) to
``crash-<timestamp>.txt`` next to the log, masked the same way, then lets the previous hook run.

The level comes from the argument, else ``DIALER_LOG_LEVEL`` (``DEBUG``, ``INFO``...), else INFO. Log files
and crash reports are created 0600 in a 0700 folder: they are the user's, like the database.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import sys
import threading
import traceback
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from dialer import paths
from dialer.secrets import SecretMaskingFilter, mask, registered_secrets

LOG_FILE = "dialer.log"
MAX_LOG_BYTES = 1_000_000
LOG_BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_MARK = "_dialer_handler"  # set on the handlers this module installed, so configure() can replace them

log = logging.getLogger(__name__)


def _level(level: int | str | None) -> int:
    value = level if level is not None else os.environ.get("DIALER_LOG_LEVEL", "INFO")
    if isinstance(value, int):
        return value
    resolved = logging.getLevelName(value.strip().upper())
    return resolved if isinstance(resolved, int) else logging.INFO


def _private(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.chmod(0o600)


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log file readable by its owner only (also after each rotation)."""

    def _open(self):  # type: ignore[no-untyped-def]
        stream = super()._open()
        _private(Path(self.baseFilename))
        return stream


def remove() -> None:
    """Take away the handlers :func:`configure` installed (closing the log file)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _MARK, False):
            root.removeHandler(handler)
            handler.close()


def configure(level: int | str | None = None, *, interactive: bool | None = None) -> Path:
    """Log to ``log_dir()/dialer.log`` (rotating, masked); warnings also to stderr when interactive.

    Safe to call more than once: the handlers of an earlier call are replaced. Returns the log file.
    """
    remove()
    root = logging.getLogger()
    path = paths.log_dir() / LOG_FILE
    handlers: list[logging.Handler] = []
    file_handler = _PrivateRotatingFileHandler(path, maxBytes=MAX_LOG_BYTES, backupCount=LOG_BACKUPS,
                                               encoding="utf-8", delay=False)
    file_handler.setFormatter(logging.Formatter(FORMAT))
    handlers.append(file_handler)
    if interactive is None:
        interactive = bool(getattr(sys.stderr, "isatty", lambda: False)())
    if interactive:
        console = logging.StreamHandler(sys.stderr)
        console.setLevel(logging.WARNING)
        console.setFormatter(logging.Formatter("dialer: %(levelname)s: %(message)s"))
        handlers.append(console)
    from dialer.providers.logmask import SecretMaskFilter as CredentialPatternFilter

    for handler in handlers:
        handler.addFilter(SecretMaskingFilter())
        handler.addFilter(CredentialPatternFilter())  # also "Bearer ...", "api_key=..." never registered
        setattr(handler, _MARK, True)
        root.addHandler(handler)
    root.setLevel(_level(level))
    return path


def write_crash_report(exc_type: type[BaseException], exc: BaseException,
                       tb: TracebackType | None, *, thread: str | None = None) -> Path | None:
    """Write one masked crash report; returns its path (None when it could not be written)."""
    now = datetime.now(UTC)
    text = "".join(traceback.format_exception(exc_type, exc, tb))
    header = f"dialer crash at {now.isoformat()}" + (f" in thread {thread}" if thread else "") + "\n\n"
    body = mask(header + text, registered_secrets())
    try:
        folder = paths.log_dir()
        path = folder / f"crash-{now.strftime('%Y%m%d-%H%M%S-%f')}.txt"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(body)
    except OSError:
        return None
    return path


def install_crash_reporter() -> None:
    """Chain ``sys.excepthook`` and ``threading.excepthook``: report (masked) first, then the previous hook.

    Installing twice does not report twice.
    """
    previous = sys.excepthook
    if getattr(previous, _MARK, False):
        return

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if not issubclass(exc_type, KeyboardInterrupt):
            path = write_crash_report(exc_type, exc, tb)
            log.critical("Uncaught exception; crash report: %s", path, exc_info=(exc_type, exc, tb))
        previous(exc_type, exc, tb)

    setattr(hook, _MARK, True)
    sys.excepthook = hook

    previous_thread = threading.excepthook

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None and not issubclass(args.exc_type, SystemExit):
            name = args.thread.name if args.thread is not None else None
            path = write_crash_report(args.exc_type, args.exc_value, args.exc_traceback, thread=name)
            log.critical("Uncaught exception in thread %s; crash report: %s", name, path,
                         exc_info=(args.exc_type, args.exc_value, args.exc_traceback))
        previous_thread(args)

    threading.excepthook = thread_hook
    enable_faulthandler()


FAULT_FILE = "faults.txt"
_fault_file: Any = None  # kept open for the life of the process: faulthandler writes to its descriptor


def enable_faulthandler() -> Path | None:
    """A hard crash (segfault in Qt, abort) leaves the Python stacks of every thread in ``faults.txt``.

    The file is opened once (append, 0600) and stays open; returns its path, None when it cannot be opened
    or when faulthandler already writes somewhere (``PYTHONFAULTHANDLER``, ``python -X faulthandler``, a test
    runner): that choice is kept.
    """
    global _fault_file
    import faulthandler

    if _fault_file is not None or faulthandler.is_enabled():
        return None
    try:
        path = paths.log_dir() / FAULT_FILE
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        _fault_file = os.fdopen(fd, "a", encoding="utf-8")
    except OSError:
        return None
    faulthandler.enable(file=_fault_file, all_threads=True)
    return path
