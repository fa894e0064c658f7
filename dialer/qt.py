"""The one place the app imports Qt from (PySide6), so the binding and its quirks live in one module.

Modules do ``from dialer.qt import QtCore, QtGui, QtWidgets`` (and the few names below). Importing this
module also sets ``QT_API=pyside6`` before anyone imports qasync, so qasync picks PySide6. QtSvg and
QtTest are not imported here (start-up cost): import them through :func:`svg` / where needed.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_API", "pyside6")

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt, QTimer, Signal, Slot

__all__ = ["QTimer", "Qt", "QtCore", "QtGui", "QtWidgets", "Signal", "Slot"]

# QtNetwork: QLocalServer/QLocalSocket for the single-instance hand-off (dialer.desktop.ipc_server).
# Imported on first use (module __getattr__ below): the window paints before it is needed.
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6 import QtNetwork

__all__ += ["QtNetwork"]

# qasync after PySide6 (QT_API above): asyncSlot runs a coroutine slot on the qasync loop (dialer.ui views).
from collections.abc import Callable as _Callable  # noqa: E402
from collections.abc import Coroutine as _Coroutine  # noqa: E402
from typing import Any as _Any  # noqa: E402
from typing import ParamSpec as _ParamSpec  # noqa: E402

_P = _ParamSpec("_P")


def asyncSlot(*types: _Any, **kwargs: _Any) -> _Callable[
        [_Callable[_P, _Coroutine[_Any, _Any, _Any]]], _Callable[_P, _Any]]:
    """qasync.asyncSlot with types: the decorated ``async def`` becomes a slot that schedules it as a task."""
    decorator: _Callable[[_Callable[_P, _Coroutine[_Any, _Any, _Any]]], _Callable[_P, _Any]]
    import qasync as _qasync  # on first use: asyncio + qasync are not needed for the first paint

    decorator = _qasync.asyncSlot(*types, **kwargs)
    return decorator


__all__ += ["asyncSlot"]


def __getattr__(name: str) -> _Any:
    """Lazy module attributes (PEP 562): ``from dialer.qt import QtNetwork`` imports QtNetwork then."""
    if name == "QtNetwork":
        from PySide6 import QtNetwork

        globals()["QtNetwork"] = QtNetwork
        return QtNetwork
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
