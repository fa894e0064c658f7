"""The one place the app imports Qt from (PySide6), so the binding and its quirks live in one module.

Modules do ``from dialer.qt import QtCore, QtGui, QtWidgets`` (and the few names below). Importing this
module also sets ``QT_API=pyside6`` before anyone imports qasync, so qasync picks PySide6. QtSvg and
QtTest are not imported here (start-up cost): import them through :func:`svg` / where needed.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_API", "pyside6")

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import QTimer, Signal, Slot

__all__ = ["QTimer", "Qt", "QtCore", "QtGui", "QtWidgets", "Signal", "Slot"]

# ``Qt`` (the QtCore.Qt namespace) is looked up on first use (module __getattr__ below): the first touch
# makes PySide build all of its 94 enums (~13 ms), which the first paint does not wait for. Modules on
# the first-paint path write ``QtCore.Qt.X`` inside functions, and set enum-typed Qt properties before the
# paint by name (``widget.setProperty("focusPolicy", "NoFocus")``: Qt converts the text itself).

# QtNetwork: QLocalServer/QLocalSocket for the single-instance hand-off (dialer.desktop.ipc_server).
# Imported on first use (module __getattr__ below): the window paints before it is needed.
TYPE_CHECKING = False  # not typing's: importing typing costs the first paint ~3 ms (dialer.ui docstring)

if TYPE_CHECKING:
    from PySide6 import QtNetwork
    from PySide6.QtCore import Qt

__all__ += ["QtNetwork"]

# qasync after PySide6 (QT_API above): asyncSlot runs a coroutine slot on the qasync loop (dialer.ui views).
if TYPE_CHECKING:  # annotations only (``from __future__ import annotations``)
    from collections.abc import Callable as _Callable
    from collections.abc import Coroutine as _Coroutine
    from typing import Any as _Any
    from typing import ParamSpec as _ParamSpec

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
    if name == "Qt":
        globals()["Qt"] = QtCore.Qt
        return QtCore.Qt
    if name == "QtNetwork":
        from PySide6 import QtNetwork

        globals()["QtNetwork"] = QtNetwork
        return QtNetwork
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _guard_none_refcount() -> bool:
    """Work around PySide6 6.12 dropping a reference to ``None`` on every call of a void Qt method.

    On CPython before 3.12 ``None`` has an ordinary reference count (a few thousand), so after a few
    thousand calls such as ``widget.update()`` or ``timer.stop()`` the interpreter aborts with "Fatal
    Python error: none_dealloc". Measured here, not assumed: if one void call loses a reference, ``None``
    gets a huge count, which is what CPython 3.12+ does itself (immortal ``None``). Returns whether the
    guard was needed.
    """
    import sys

    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    probe = QtCore.QObject()
    before = sys.getrefcount(None)
    for _ in range(8):
        probe.setObjectName("probe")  # a void method
    leaked = sys.getrefcount(None) < before
    del probe
    if leaked:
        import ctypes

        refcount = ctypes.c_ssize_t.from_address(id(None))  # ob_refcnt: the first field of every object
        if refcount.value < 1 << 40:
            refcount.value += 1 << 40
    return leaked


NONE_REFCOUNT_GUARDED = _guard_none_refcount()


def _keep_sources_out_of_memory() -> bool:
    """Stop PySide's ``__feature__`` import hook from keeping the source of every imported module.

    For each module imported after PySide6, the hook asks whether its source mentions ``PySide6``
    (``shibokensupport.feature._mod_uses_pyside``, via ``inspect.getsource``). That leaves every module's
    source, split into lines, in ``linecache`` for the life of the process: ~10 MB over the ~600 modules
    the app imports. Same answer here, read straight from the file and not kept; modules that are not a
    plain ``.py`` file still go to PySide's own check. Returns whether the hook was replaced.
    """
    import linecache
    import sys

    feature = sys.modules.get("shibokensupport.feature")
    original: _Any = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or original is None:
        return False

    def mod_uses_pyside(module: _Any) -> bool:
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and path.endswith(".py"):
            try:
                with open(path, "rb") as fh:
                    return b"PySide6" in fh.read()
            except OSError:  # what PySide's check answers for a module whose source cannot be read
                return False
        return bool(original(module))

    mod_uses_pyside.__wrapped__ = original  # type: ignore[attr-defined]  # PySide's own, for the tests
    setattr(feature, "_mod_uses_pyside", mod_uses_pyside)  # noqa: B010 - a private name of PySide
    linecache.clearcache()  # the sources read while PySide6 itself was imported
    return True


SOURCES_KEPT_OUT = _keep_sources_out_of_memory()
