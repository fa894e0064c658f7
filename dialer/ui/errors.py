"""The last line of defence: any uncaught exception is logged and shown, never swallowed.

``install()`` replaces ``sys.excepthook`` (qasync routes ``asyncSlot`` failures there too) and sets an
asyncio exception handler for tasks that fail unobserved. The user sees a short message saying what went
wrong and where the full report is; the traceback goes to the log file.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any

from dialer.i18n import _
from dialer.qt import QtCore, QtWidgets

log = logging.getLogger("dialer.ui")

_shown: list[QtWidgets.QMessageBox] = []
_handler: Callable[[str, str], None] | None = None


def user_message(exc: BaseException) -> str:
    """What the user reads: our own errors already carry cause and fix; others get a generic line."""
    from_ours = type(exc).__module__.startswith("dialer.")
    text = str(exc).strip()
    if from_ours and text:
        return text
    name = type(exc).__name__
    return _("Something went wrong inside the app ({error}: {details}). Your calls are not affected. If it "
             "happens again, restart the app and send the log file.").format(error=name,
                                                                            details=text or _("no details"))


def show_error(title: str, text: str, parent: QtWidgets.QWidget | None = None) -> None:
    """Show a non-blocking error box (never exec(): that would nest the event loop inside a task)."""
    if _handler is not None:
        _handler(title, text)
        return
    app = QtWidgets.QApplication.instance()
    if app is None:
        return
    box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Warning, title, text,
                                QtWidgets.QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorBox")
    box.setAccessibleName(title)
    box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
    _shown.append(box)
    box.finished.connect(lambda _r, b=box: _shown.remove(b) if b in _shown else None)
    box.open()


def set_handler(handler: Callable[[str, str], None] | None) -> None:
    """Route errors somewhere else (the main window's banner, or a test's list)."""
    global _handler
    _handler = handler


def _excepthook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    log.error("Uncaught exception:\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
    try:
        show_error(_("Dialer: unexpected error"), user_message(exc))
    except Exception:  # the hook itself must never raise
        sys.__excepthook__(exc_type, exc, tb)


def _asyncio_handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    exc = context.get("exception")
    if isinstance(exc, BaseException) and not isinstance(exc, asyncio.CancelledError):
        _excepthook(type(exc), exc, exc.__traceback__)
    else:
        log.error("asyncio: %s", context.get("message"))


def install(loop: asyncio.AbstractEventLoop | None = None) -> None:
    sys.excepthook = _excepthook
    if loop is not None:
        loop.set_exception_handler(_asyncio_handler)
