"""The add / edit contact dialog: a name, several labelled numbers, a favourite star and a note.

A number that does not validate is still accepted (people keep extensions, short codes and half-known
numbers in their address book) but it is flagged under its field with the reason and the fix, in words
from :mod:`dialer.core.numbers`, so the user knows it may not dial as written.
"""

from __future__ import annotations

import itertools

from dialer.core import numbers
from dialer.i18n import _
from dialer.qt import Qt, QtCore, QtWidgets, Signal
from dialer.store.contacts import Contact, ContactNumber
from dialer.ui import theme

LABELS = ("mobile", "home", "work", "main", "other")

def _error_style() -> str:
    """Red that keeps its contrast in the current look (light or dark)."""
    return f"color: {theme.accents().hangup};"


def _warning_style() -> str:
    """Amber that keeps its contrast in the current look (light or dark)."""
    return f"color: {theme.accents().warning};"



def number_hint(raw: str, region: str | None) -> str:
    """Empty when ``raw`` is a valid number (or empty); otherwise why it is not, and what to do."""
    raw = raw.strip()
    if not raw:
        return ""
    try:
        numbers.normalize(raw, region)
    except ValueError as exc:
        return _("⚠ {problem} It will be saved as written but may not dial.").format(problem=exc)
    return ""


class NumberRow(QtWidgets.QWidget):
    """One labelled number with its remove button and its validation hint."""

    removeRequested = Signal(QtWidgets.QWidget)
    changed = Signal()

    def __init__(self, number: ContactNumber | None, region: str | None, position: int,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._region = region
        self.label_combo = QtWidgets.QComboBox()
        self.label_combo.setEditable(True)
        self.label_combo.addItems(LABELS)
        self.label_combo.setMinimumContentsLength(8)
        self.number_edit = QtWidgets.QLineEdit()
        self.number_edit.setPlaceholderText("+44 20 7946 0958")
        self.remove_button = QtWidgets.QToolButton()
        self.remove_button.setText("✕")
        self.hint = QtWidgets.QLabel()
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(_warning_style())
        self.hint.hide()
        self.set_position(position)
        if number is not None:
            self.label_combo.setCurrentText(number.label or LABELS[0])
            self.number_edit.setText(number.raw)
        line = QtWidgets.QHBoxLayout()
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.label_combo)
        line.addWidget(self.number_edit, 1)
        line.addWidget(self.remove_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(line)
        layout.addWidget(self.hint)
        self.number_edit.textChanged.connect(self._validate)
        self.number_edit.textChanged.connect(self.changed)
        self.remove_button.clicked.connect(lambda: self.removeRequested.emit(self))
        self._validate()

    def set_position(self, position: int) -> None:
        self.label_combo.setAccessibleName(_("Label of number {position}").format(position=position))
        self.number_edit.setAccessibleName(_("Number {position}").format(position=position))
        self.remove_button.setAccessibleName(_("Remove number {position}").format(position=position))
        self.remove_button.setToolTip(_("Remove number {position}").format(position=position))
        self.hint.setAccessibleName(_("Problem with number {position}").format(position=position))

    def _validate(self) -> None:
        hint = number_hint(self.number_edit.text(), self._region)
        self.hint.setText(hint)
        self.hint.setVisible(bool(hint))
        self.number_edit.setToolTip(hint)

    @property
    def is_flagged(self) -> bool:
        return bool(self.hint.text())

    def value(self) -> ContactNumber | None:
        raw = self.number_edit.text().strip()
        if not raw:
            return None
        return ContactNumber.parse(raw, self.label_combo.currentText().strip(), self._region)


class ContactEditor(QtWidgets.QDialog):
    """Edit ``contact`` (or a new one). After ``accepted``, :meth:`contact` holds the result."""

    def __init__(self, contact: Contact | None = None, *, region: str | None = None,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._original = contact
        self._region = region
        self.setWindowTitle(_("Edit contact") if contact and contact.id is not None else _("New contact"))
        self.setObjectName("contactEditor")
        self.setAccessibleName(self.windowTitle())
        self.setMinimumWidth(420)

        self.name_edit = QtWidgets.QLineEdit(contact.name if contact else "")
        self.name_edit.setAccessibleName(_("Name"))
        self.name_edit.setPlaceholderText(_("Full name"))
        self.rows: list[NumberRow] = []
        self._rows_box = QtWidgets.QVBoxLayout()
        self._rows_box.setSpacing(6)
        self.add_number_button = QtWidgets.QPushButton(_("Add &number"))
        self.add_number_button.setAccessibleName(_("Add another number"))
        self.favourite_check = QtWidgets.QCheckBox(_("&Favourite (shown first)"))
        self.favourite_check.setAccessibleName(_("Favourite"))
        self.favourite_check.setChecked(bool(contact and contact.favourite))
        self.note_edit = QtWidgets.QPlainTextEdit(contact.note if contact else "")
        self.note_edit.setAccessibleName(_("Note"))
        self.note_edit.setTabChangesFocus(True)
        self.note_edit.setFixedHeight(self.fontMetrics().height() * 4 + 12)
        self.error_label = QtWidgets.QLabel()
        self.error_label.setStyleSheet(_error_style())
        self.error_label.setAccessibleName(_("Error"))
        self.error_label.hide()
        self.buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Save | QtWidgets.QDialogButtonBox.StandardButton.Cancel)

        numbers_widget = QtWidgets.QWidget()
        numbers_layout = QtWidgets.QVBoxLayout(numbers_widget)
        numbers_layout.setContentsMargins(0, 0, 0, 0)
        numbers_layout.addLayout(self._rows_box)
        numbers_layout.addWidget(self.add_number_button, 0, Qt.AlignmentFlag.AlignLeft)
        form = QtWidgets.QFormLayout()
        form.addRow(_("&Name:"), self.name_edit)
        form.addRow(_("Numbers:"), numbers_widget)
        form.addRow("", self.favourite_check)
        form.addRow(_("N&ote:"), self.note_edit)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

        for number in contact.numbers if contact else []:
            self.add_number_row(number)
        if not self.rows:
            self.add_number_row(None)
        self.add_number_button.clicked.connect(lambda: self.add_number_row(None, focus=True))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._fix_tab_order()

    # --------------------------------------------------------------------------------------- numbers

    def add_number_row(self, number: ContactNumber | None = None, *, focus: bool = False) -> NumberRow:
        row = NumberRow(number, self._region, len(self.rows) + 1)
        if number is None and self.rows:
            row.label_combo.setCurrentText("other")
        row.removeRequested.connect(self._remove_row)
        self.rows.append(row)
        self._rows_box.addWidget(row)
        row.show()  # at once, not on the layout's queued show: the hint and focus work straight away
        self._fix_tab_order()
        if focus:
            row.number_edit.setFocus()
        return row

    def _remove_row(self, row: QtWidgets.QWidget) -> None:
        if not isinstance(row, NumberRow) or row not in self.rows:
            return
        self.rows.remove(row)
        self._rows_box.removeWidget(row)
        row.deleteLater()
        for position, other in enumerate(self.rows, start=1):
            other.set_position(position)
        self._fix_tab_order()

    def _fix_tab_order(self) -> None:
        chain: list[QtWidgets.QWidget] = [self.name_edit]
        for row in self.rows:
            chain += [row.label_combo, row.number_edit, row.remove_button]
        chain += [self.add_number_button, self.favourite_check, self.note_edit]
        chain += list(self.buttons.buttons())
        for first, second in itertools.pairwise(chain):
            QtWidgets.QWidget.setTabOrder(first, second)

    # ----------------------------------------------------------------------------------------- result

    def contact(self) -> Contact:
        """The contact as edited (keeps the original id, so the caller can tell add from update)."""
        return Contact(
            id=self._original.id if self._original else None,
            name=self.name_edit.text().strip(),
            numbers=[n for n in (row.value() for row in self.rows) if n is not None],
            favourite=self.favourite_check.isChecked(),
            note=self.note_edit.toPlainText().strip(),
        )

    def accept(self) -> None:
        contact = self.contact()
        if not contact.name and not contact.numbers:
            self._show_error(_("Enter a name or a number: an empty contact cannot be saved."))
            self.name_edit.setFocus()
            return
        if not contact.name:
            self.name_edit.setText(contact.numbers[0].display)
        super().accept()

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(460, super().sizeHint().height())
