"""The number field: formats as you type (caret kept), extracts the number from anything pasted.

The phone-number library is heavy to import, so the field starts as a plain line edit and is given its
formatter and extractor once the app has painted (:meth:`NumberField.set_region`). Letters typed into the
field are kept as they are (the suggestions list searches contacts by name); anything that is only dial
characters is formatted for the current region.
"""

from __future__ import annotations

import re

from dialer.i18n import _
from dialer.qt import QtCore, QtGui, QtWidgets

_DIAL = frozenset("0123456789+*#")
_LETTER = re.compile(r"[^\W\d_]")
_FORMAT_CHARS = frozenset(" -().\u00a0/")


def extract_number(text: str, region: str | None) -> str | None:
    """The phone number inside pasted text: a tel:/callto: link, or the first number found, else None."""
    stripped = text.strip()
    low = stripped.lower()
    if low.startswith(("tel:", "callto:", "sip:")):
        try:
            from dialer.core import teluri

            parsed = teluri.parse(stripped)
            return parsed.number + (parsed.postdial or "")
        except (ImportError, ValueError):
            pass
    from dialer.core import numbers

    found = numbers.find_numbers(stripped, region, limit=1)
    if found:
        return found[0]
    dial = "".join(ch for ch in stripped if ch in _DIAL or ch in _FORMAT_CHARS).strip()
    if dial and sum(ch.isdigit() for ch in dial) >= 3 and not _LETTER.search(stripped):
        return "".join(ch for ch in dial if ch in _DIAL)
    return None


_EMOJI_FONTS = ("Noto Color Emoji", "Apple Color Emoji", "Segoe UI Emoji", "Twemoji", "EmojiOne Color",
                "JoyPixels")
_emoji: bool | None = None


def flag_text(region: str | None) -> str:
    """The region's flag emoji when an emoji font can draw it, else "" (never a pair of empty boxes)."""
    global _emoji
    if _emoji is None:
        from dialer.qt import QtGui

        families = set(QtGui.QFontDatabase.families())
        _emoji = any(name in families for name in _EMOJI_FONTS)
    if not _emoji:
        return ""
    from dialer.core.numbers import flag

    return flag(region)


class NumberField(QtWidgets.QLineEdit):
    """A line edit for the number to call (``numberChanged`` carries the raw text after formatting)."""

    numberChanged = QtCore.Signal(str)
    submitted = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("numberField")
        self.setAccessibleName(_("Number to call"))
        self.setAccessibleDescription(_("Type or paste a phone number, or a contact's name"))
        self.setPlaceholderText(_("Number or name"))
        self.setClearButtonEnabled(True)
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        self.setFont(font)
        self.setMinimumHeight(44)
        self._region: str | None = None
        self._formatter: object | None = None
        self._previous = ""
        self._busy = False
        self.textEdited.connect(self._on_edited)
        self.textChanged.connect(self._on_changed)
        self.returnPressed.connect(self.submitted)
        # The caret's blink timeout (dialer.ui.blink) is added by the window once it has painted.

    # -- configuration --------------------------------------------------------------------------------
    def set_region(self, region: str) -> None:
        """Enable as-you-type formatting for ``region`` (imports the number library)."""
        from dialer.core.numbers import AsYouTypeFormatter

        self._region = region
        self._formatter = AsYouTypeFormatter(region)
        self.reformat()

    @property
    def region(self) -> str | None:
        return self._region

    # -- editing ----------------------------------------------------------------------------------------
    def dial_text(self) -> str:
        """Only the dial characters of the field (what a call would use), or the text if it has letters."""
        text = self.text()
        if _LETTER.search(text):
            return text.strip()
        return "".join(ch for ch in text if ch in _DIAL or ch in ",;wWpP")

    def is_name_query(self) -> bool:
        return bool(_LETTER.search(self.text()))

    def set_number(self, text: str) -> None:
        """Replace the content (from a contact, a link, history) and format it."""
        self._set_formatted(text, len(text))

    def insert_dial(self, chars: str) -> None:
        """Insert at the caret (the dial pad's buttons) and re-format."""
        text = self.text()
        if self.hasSelectedText():
            start = self.selectionStart()
            text = text[:start] + text[start + len(self.selectedText()):]
            caret = start
        else:
            caret = self.cursorPosition()
        self._set_formatted(text[:caret] + chars + text[caret:], caret + len(chars))

    def backspace_dial(self) -> None:
        """Delete the dial character before the caret (skipping spaces and dashes the formatter added)."""
        if self.hasSelectedText():
            self.del_()
            self.reformat()
            return
        text = self.text()
        caret = self.cursorPosition()
        index = caret - 1
        while index >= 0 and text[index] in _FORMAT_CHARS:
            index -= 1
        if index < 0:
            return
        self._set_formatted(text[:index] + text[index + 1:], index)

    def reformat(self) -> None:
        self._set_formatted(self.text(), self.cursorPosition())

    def _set_formatted(self, text: str, caret: int) -> None:
        if self._formatter is not None and not _LETTER.search(text) and text.strip():
            text, caret = self._formatter.format(text, caret)  # type: ignore[attr-defined]
        self._busy = True
        try:
            self.setText(text)
            self.setCursorPosition(max(0, min(caret, len(text))))
        finally:
            self._busy = False
        self._previous = text
        self.numberChanged.emit(text)

    def _on_edited(self, text: str) -> None:
        if self._busy:
            return
        previous = self._previous
        inserted = len(text) - len(previous)
        if inserted > 1 and _LETTER.search(text) and self._formatter is not None:
            found = extract_number(text, self._region)
            if found:
                self._set_formatted(found, len(found))
                return
        self._set_formatted(text, self.cursorPosition())

    def _on_changed(self, text: str) -> None:
        if not self._busy:
            self._previous = text

    # -- paste --------------------------------------------------------------------------------------
    def paste_text(self, text: str) -> None:
        """Paste: a number inside any text (a signature, a tel: link) replaces the field's content."""
        found = extract_number(text, self._region) if self._formatter is not None else None
        if found:
            self._set_formatted(found, len(found))
        else:
            self.insert(text.strip())

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        if event.matches(QtGui.QKeySequence.StandardKey.Paste):
            clip = QtGui.QGuiApplication.clipboard()
            self.paste_text(clip.text() if clip is not None else "")
            return
        super().keyPressEvent(event)
