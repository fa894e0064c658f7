"""The text caret stops blinking after a while without input, so an idle window uses no CPU.

A focused line edit blinks its caret twice a second for as long as the window is active, and every blink
repaints it (with a style sheet, its parents too): about 0.1 s of CPU a minute in a window nobody uses.
Like GNOME's ``cursor-blink-timeout`` (10 s), :func:`keep_alive` makes a widget's key presses, clicks and
focus restart the blinking, and 10 s after the last of them the caret stays shown, steady, until the
next input. The flash time is application-wide in Qt, so this is one shared controller.
"""

from __future__ import annotations

from dialer.qt import QtCore, QtWidgets

BLINK_TIMEOUT_MS = 10_000

_WAKING = frozenset({QtCore.QEvent.Type.KeyPress, QtCore.QEvent.Type.FocusIn,
                     QtCore.QEvent.Type.MouseButtonPress, QtCore.QEvent.Type.InputMethod})


class BlinkTimeout(QtCore.QObject):
    """Restores the desktop's flash time on input into a watched widget; sets 0 (steady) when idle."""

    def __init__(self, app: QtWidgets.QApplication, timeout_ms: int = BLINK_TIMEOUT_MS) -> None:
        super().__init__(app)
        self._app = app
        self.flash_ms = app.cursorFlashTime()
        self.steady = False
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(timeout_ms)
        self._timer.timeout.connect(self._stop)
        self._timer.start()

    def watch(self, widget: QtWidgets.QWidget) -> None:
        widget.installEventFilter(self)

    def poke(self) -> None:
        """Input happened: blink again (if stopped) and restart the countdown."""
        if self.steady:
            self.steady = False
            self._app.setCursorFlashTime(self.flash_ms)
        self._timer.start()

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() in _WAKING:
            self.poke()
        return False

    def _stop(self) -> None:
        if self.flash_ms > 0:
            current = self._app.cursorFlashTime()
            if current > 0:
                self.flash_ms = current  # follow a change made in the meantime (desktop settings)
            self.steady = True
            self._app.setCursorFlashTime(0)


_controller: BlinkTimeout | None = None


def keep_alive(widget: QtWidgets.QWidget) -> BlinkTimeout | None:
    """Watch ``widget`` for input (see the module docstring); None without a QApplication."""
    global _controller
    app = QtWidgets.QApplication.instance()
    if not isinstance(app, QtWidgets.QApplication):
        return None
    if _controller is None or _controller.parent() is not app:
        _controller = BlinkTimeout(app)
    _controller.watch(widget)
    return _controller
