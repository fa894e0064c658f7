"""The twelve-key dial pad: clicks type into the number field, or send tones (DTMF) during a call.

A long press on 0 types "+" (as on a phone); the letters under each digit show the T9 spelling that the
contact suggestions match against.
"""

from __future__ import annotations

from dialer.i18n import _
from dialer.qt import QtCore, QtWidgets

KEYS = (
    ("1", ""), ("2", "ABC"), ("3", "DEF"),
    ("4", "GHI"), ("5", "JKL"), ("6", "MNO"),
    ("7", "PQRS"), ("8", "TUV"), ("9", "WXYZ"),
    ("*", ""), ("0", "+"), ("#", ""),
)
LONG_PRESS_MS = 500


class DialPad(QtWidgets.QWidget):
    """Emits ``pressed(str)`` with the key's character ("+" for a long press on 0)."""

    pressed = QtCore.Signal(str)

    def __init__(self, parent: QtWidgets.QWidget | None = None, *, compact: bool = False,
                 name: str = "Dial pad") -> None:
        super().__init__(parent)
        self.setObjectName("dialPad")
        self.setAccessibleName(name)
        grid = QtWidgets.QGridLayout(self)
        grid.setSpacing(6)
        grid.setContentsMargins(0, 0, 0, 0)
        self.buttons: dict[str, QtWidgets.QToolButton] = {}
        self._zero_timer = QtCore.QTimer(self)
        self._zero_timer.setSingleShot(True)
        self._zero_timer.setInterval(LONG_PRESS_MS)
        self._zero_long = False
        self._zero_timer.timeout.connect(self._zero_long_press)
        height = 40 if compact else 52
        for index, (digit, letters) in enumerate(KEYS):
            button = QtWidgets.QToolButton(self)
            button.setProperty("role", "digit")
            button.setText(f"{digit}\n{letters}" if letters and not compact else digit)
            button.setMinimumSize(64, height)
            button.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Fixed)
            button.setProperty("focusPolicy", "NoFocus")  # keep focus in the number field (by name: dialer.qt)
            spoken = {"*": _("star"), "#": _("pound")}.get(digit, digit)
            button.setAccessibleName(_("Key {key}").format(key=spoken))
            if digit == "0":
                button.setToolTip(_("0 (hold for +)"))
                button.pressed.connect(self._zero_down)
                button.released.connect(self._zero_up)
            else:
                button.clicked.connect(lambda _checked=False, d=digit: self.pressed.emit(d))
            self.buttons[digit] = button
            grid.addWidget(button, index // 3, index % 3)

    def _zero_down(self) -> None:
        self._zero_long = False
        self._zero_timer.start()

    def _zero_long_press(self) -> None:
        self._zero_long = True
        self.pressed.emit("+")

    def _zero_up(self) -> None:
        self._zero_timer.stop()
        if not self._zero_long:
            self.pressed.emit("0")
        self._zero_long = False
