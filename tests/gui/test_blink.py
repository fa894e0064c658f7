"""The caret stops blinking after a while without input (no idle CPU), and input makes it blink again."""

from __future__ import annotations

from typing import Any

from dialer.qt import QtCore, QtWidgets
from dialer.ui.blink import BlinkTimeout


def test_caret_goes_steady_when_idle_and_blinks_again_on_typing(qtbot: Any, qapp: Any) -> None:
    original = qapp.cursorFlashTime()
    field = QtWidgets.QLineEdit()
    qtbot.addWidget(field)
    blink = BlinkTimeout(qapp, timeout_ms=50)
    try:
        blink.watch(field)
        field.show()
        qtbot.waitUntil(lambda: qapp.cursorFlashTime() == 0, timeout=2_000)
        qtbot.keyClick(field, QtCore.Qt.Key.Key_5)
        assert qapp.cursorFlashTime() == original
        assert field.text() == "5"  # the filter only watches; the key still reaches the field
        qtbot.waitUntil(lambda: qapp.cursorFlashTime() == 0, timeout=2_000)
    finally:
        blink.poke()
        blink.deleteLater()
    assert qapp.cursorFlashTime() == original
