"""The quick-call popup: a small always-on-top box to type a number or a name, Enter to call, Esc to close.

Opened from the tray, by ``dialer quick-call`` (bind it to a global shortcut), or by the hand-off action
``quick-call``. It never places a call: Enter emits ``callRequested`` and the app opens the confirmation
(origin TRAY). Names complete from ``service.contacts.search`` (name prefix, number digits, T9).
"""

from __future__ import annotations

from typing import Any

from dialer.i18n import _
from dialer.qt import QtCore, QtGui, QtWidgets, Signal

Qt = QtCore.Qt
MAX_COMPLETIONS = 8
SEPARATOR = " — "


class QuickCallPopup(QtWidgets.QFrame):
    """A frameless tool window with one field. ``callRequested(number, name)`` on Enter."""

    callRequested = Signal(str, str)

    def __init__(self, service: Any, region: str | None, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Tool | Qt.WindowType.FramelessWindowHint
                         | Qt.WindowType.WindowStaysOnTopHint)
        self.service = service
        self.region = region
        self._matches: dict[str, tuple[str, str]] = {}  # completion text -> (number, name)
        self._highlighted: str | None = None  # the suggestion the user moved to with the arrow keys
        self.setObjectName("quickCall")
        self.setAccessibleName(_("Quick call"))
        self.setWindowTitle(_("Quick call"))
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.setMinimumWidth(420)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 10)
        layout.setSpacing(6)
        title = QtWidgets.QLabel("<b>" + _("Quick call") + "</b>", self)
        layout.addWidget(title)
        self.field = QtWidgets.QLineEdit(self)
        self.field.setObjectName("quickCallNumber")
        self.field.setAccessibleName(_("Number or name to call"))
        self.field.setPlaceholderText(_("Number or contact name"))
        self.field.setClearButtonEnabled(True)
        font = self.field.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.field.setFont(font)
        layout.addWidget(self.field)
        self.hint = QtWidgets.QLabel(_("Enter: call (asks first) · Esc: close"), self)
        self.hint.setObjectName("quickCallHint")
        self.hint.setProperty("role", "muted")
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)

        self.model = QtCore.QStringListModel(self)
        self.completer = QtWidgets.QCompleter(self.model, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setCompletionMode(QtWidgets.QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setMaxVisibleItems(MAX_COMPLETIONS)
        self.field.setCompleter(self.completer)
        self.field.textEdited.connect(self._update_completions)
        self.field.returnPressed.connect(self.submit)
        self.completer.activated[str].connect(self._completed)  # type: ignore[index]
        self.completer.highlighted[str].connect(self._on_highlighted)  # type: ignore[index]

    # ------------------------------------------------------------------------------------ showing
    def popup(self) -> None:
        """Show centred near the top of the screen with the mouse, focused and empty."""
        self.field.clear()
        self._matches.clear()
        self._highlighted = None
        self.model.setStringList([])
        self.hint.setText(_("Enter: call (asks first) · Esc: close"))
        self.hint.setProperty("role", "muted")
        self.adjustSize()
        screen = QtGui.QGuiApplication.screenAt(QtGui.QCursor.pos()) or QtGui.QGuiApplication.primaryScreen()
        if screen is not None:
            area = screen.availableGeometry()
            self.move(area.x() + (area.width() - self.width()) // 2, area.y() + area.height() // 4)
        self.show()
        self.raise_()
        self.activateWindow()
        self.field.setFocus(Qt.FocusReason.PopupFocusReason)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            return
        super().keyPressEvent(event)

    # --------------------------------------------------------------------------------- completion
    def _on_highlighted(self, entry: str) -> None:
        self._highlighted = entry

    def _update_completions(self, text: str) -> None:
        query = text.strip()
        self._highlighted = None
        self._matches.clear()
        entries: list[str] = []
        if len(query) >= 2:
            try:
                matches = list(self.service.contacts.search(query, MAX_COMPLETIONS))
            except Exception:  # the popup stays usable for typed numbers
                matches = []
            for match in matches:
                shown = _shown(match.number)
                entry = f"{match.name}{SEPARATOR}{shown}" + (f" ({match.label})" if match.label else "")
                self._matches[entry] = (match.number, match.name)
                entries.append(entry)
        self.model.setStringList(entries)
        if entries:
            self.completer.complete()

    def _completed(self, entry: str) -> None:
        self.field.setText(entry)

    def selection(self) -> tuple[str, str]:
        """(number text, contact name) for what the field holds now."""
        text = self.field.text().strip()
        if text in self._matches:
            return self._matches[text]
        return text, ""

    def submit(self) -> None:
        popup = self.completer.popup()
        if popup is not None and popup.isVisible():
            if self._highlighted in self._matches:  # only a suggestion the user chose, never a guess
                self.field.setText(self._highlighted)
            popup.hide()
        number, name = self.selection()
        if not number:
            self._say(_("Type a number or a contact's name first."))
            return
        if not name and not any(ch.isdigit() for ch in number):
            if len(self._matches) == 1:  # a name that matches exactly one contact
                number, name = next(iter(self._matches.values()))
            else:
                self._say(_("No single contact matches that name; pick one from the list or type a number."))
                return
        self.close()
        self.callRequested.emit(number, name)

    def _say(self, text: str) -> None:
        self.hint.setText(text)
        self.hint.setProperty("role", "warning")
        self.hint.style().unpolish(self.hint)
        self.hint.style().polish(self.hint)


def _shown(e164: str) -> str:
    try:
        from dialer.core import numbers

        return numbers.format_international(e164)
    except (ImportError, ValueError):
        return e164
