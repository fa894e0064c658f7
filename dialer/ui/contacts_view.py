"""The contacts tab: search as you type, favourites first, add/edit/delete, import and export, and the
address books synced from CardDAV servers (marked with a cloud; see :mod:`dialer.ui.address_books`).

With an empty search box the list shows favourites, then everyone else in name order, fetched a page at a
time as the user scrolls (``canFetchMore``/``fetchMore``), so a 100,000-contact book opens instantly.
With a query it shows the service's ranked matches (one row per matching number). Every row is one
number of one contact, so Enter or a double-click can call exactly that number.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from dataclasses import dataclass
from typing import Any

from dialer.core import numbers
from dialer.qt import Qt, QtCore, QtGui, QtWidgets, Signal
from dialer.store.contacts import Contact
from dialer.ui import blink, icons, theme
from dialer.ui.address_books import AddAddressBookDialog, AddressBookBar
from dialer.ui.background import BackgroundSteps, error_text
from dialer.ui.contact_editor import ContactEditor

log = logging.getLogger(__name__)

BROWSE_PAGE = 200
SEARCH_LIMIT = 200
STAR = "★"
NO_STAR = "☆"

def _error_style() -> str:
    """Red that keeps its contrast in the current look (light or dark)."""
    return f"color: {theme.accents().hangup};"




@dataclass(frozen=True)
class ContactRow:
    """One line of the list: one number of one contact (or the contact alone if it has no number)."""

    contact_id: int
    name: str
    label: str
    number: str  # E.164 when known, else as written: what a call dials
    favourite: bool
    valid: bool = True
    address_book: str = ""  # the address book it is synced from ("" for a local contact)

    @property
    def shown_number(self) -> str:
        """The number as people read it (+44 20 7946 0958); as written when it is not a valid number."""
        if not self.valid or not self.number.startswith("+"):
            return self.number
        try:
            return numbers.format_international(self.number)
        except ValueError:
            return self.number


def _rows_of(contact: Contact) -> list[ContactRow]:
    assert contact.id is not None
    if not contact.numbers:
        return [ContactRow(contact.id, contact.name, "", "", contact.favourite, True, contact.address_book)]
    return [ContactRow(contact.id, contact.name, n.label, n.display, contact.favourite, n.valid,
                       contact.address_book) for n in contact.numbers]


class ContactsModel(QtCore.QAbstractTableModel):
    """Rows for the contacts list; browse mode fetches lazily, search mode holds the ranked matches."""

    HEADERS = ("", "Name", "Label", "Number")
    ROW_ROLE = Qt.ItemDataRole.UserRole + 1

    def __init__(self, contacts: Any, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._contacts = contacts
        self._rows: list[ContactRow] = []
        self._query = ""
        self._offset = 0  # browse mode: how many contacts (in name order) have been read
        self._exhausted = True
        self._favourite_ids: set[int] = set()

    # ------------------------------------------------------------------------------------------ loading

    @property
    def query(self) -> str:
        return self._query

    def set_query(self, query: str) -> None:
        """Show matches for ``query``; an empty query browses everyone (favourites first)."""
        self._query = query.strip()
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self._rows = []
        self._offset = 0
        favourites = list(self._contacts.favourites())
        self._favourite_ids = {c.id for c in favourites if c.id is not None}
        if self._query:
            self._exhausted = True
            for match in self._contacts.search(self._query, SEARCH_LIMIT):
                valid = match.number.startswith("+") and len(match.number) > 4
                self._rows.append(ContactRow(match.contact_id, match.name, match.label, match.number,
                                             match.contact_id in self._favourite_ids, valid, match.address_book))
        else:
            self._exhausted = False
            for contact in favourites:
                self._rows += _rows_of(contact)
        self.endResetModel()
        if not self._query:
            self.fetchMore()

    def canFetchMore(self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex = QtCore.QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex = QtCore.QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._exhausted:
            return
        contacts = list(self._contacts.list(limit=BROWSE_PAGE, offset=self._offset))
        self._offset += len(contacts)
        if len(contacts) < BROWSE_PAGE:
            self._exhausted = True
        rows = [row for c in contacts if c.id not in self._favourite_ids for row in _rows_of(c)]
        if not rows:
            return
        start = len(self._rows)
        self.beginInsertRows(QtCore.QModelIndex(), start, start + len(rows) - 1)
        self._rows += rows
        self.endInsertRows()

    # -------------------------------------------------------------------------------------------- model

    def rowCount(self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex = QtCore.QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex = QtCore.QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole and section == 0:
            return "Favourite"
        return None

    def row_at(self, row: int) -> ContactRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def data(self, index: QtCore.QModelIndex | QtCore.QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item = self.row_at(index.row()) if index.isValid() else None
        if item is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            # A contact's second and later numbers leave name and star blank: the rows read as a group.
            previous = self.row_at(index.row() - 1) if index.row() else None
            follows = previous is not None and previous.contact_id == item.contact_id
            if column == 0:
                return STAR if item.favourite and not follows else ""
            if column == 1:
                return "" if follows else item.name
            if column == 2:
                return item.label
            return item.shown_number if item.valid else f"{item.number}  ⚠"
        if role == Qt.ItemDataRole.DecorationRole and column == 1 and item.address_book:
            previous = self.row_at(index.row() - 1) if index.row() else None
            if previous is None or previous.contact_id != item.contact_id:
                return icons.icon("cloud", theme.accents().ok)
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == 0 or (column == 3 and not item.valid):
                return QtGui.QColor(theme.accents().warning)
            return None
        if role == Qt.ItemDataRole.AccessibleTextRole:
            if column == 0:
                return "favourite" if item.favourite else "not a favourite"
            if column == 1 and item.address_book:
                return f"{item.name}, from the address book {item.address_book}"
            return [None, item.name, item.label, item.shown_number][column]
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 0:
                return "Favourite: click to remove the star" if item.favourite else "Click to make a favourite"
            if column == 3 and not item.valid:
                return "This number is not valid as written: it may not dial. Edit the contact to fix it."
            if column == 1 and item.address_book:
                return f"From the address book “{item.address_book}”"
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 0:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == self.ROW_ROLE:
            return item
        return None


class BookNameDelegate(QtWidgets.QStyledItemDelegate):
    """The name cell, with a synced contact's address book written small and muted at its right end."""

    def paint(self, painter: QtGui.QPainter, option: QtWidgets.QStyleOptionViewItem,
              index: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> None:
        super().paint(painter, option, index)
        item = index.data(ContactsModel.ROW_ROLE)
        if not isinstance(item, ContactRow) or not item.address_book or not index.data():
            return
        font = QtGui.QFont(option.font)
        font.setPointSizeF(max(font.pointSizeF() * 0.85, 6.0))
        metrics = QtGui.QFontMetrics(font)
        rect = option.rect.adjusted(0, 0, -6, 0)
        name_width = QtGui.QFontMetrics(option.font).horizontalAdvance(item.name) + 40
        room = rect.width() - name_width
        if room < metrics.horizontalAdvance("…") * 3:
            return
        text = metrics.elidedText(item.address_book, Qt.TextElideMode.ElideRight, room)
        painter.save()
        painter.setFont(font)
        selected = bool(option.state & QtWidgets.QStyle.StateFlag.State_Selected)
        role = (QtGui.QPalette.ColorRole.HighlightedText if selected else QtGui.QPalette.ColorRole.PlaceholderText)
        painter.setPen(option.palette.color(role))
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), text)
        painter.restore()


class ImportSummaryDialog(QtWidgets.QDialog):
    """What an import did: counts, then every skipped entry and flagged number with its reason."""

    def __init__(self, report: Any, source: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import finished")
        self.setObjectName("importSummary")
        self.setAccessibleName("Import summary")
        self.report = report
        skipped = list(report.skipped)
        flagged = list(report.flagged)
        self.summary_label = QtWidgets.QLabel(
            f"<b>{source}</b><br>Added: {report.added} &nbsp; Merged: {report.merged} &nbsp; "
            f"Skipped: {len(skipped)} &nbsp; Flagged: {len(flagged)}")
        self.summary_label.setAccessibleName("Import counts")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)
        self.details = QtWidgets.QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Skipped and flagged entries")
        lines: list[str] = []
        if skipped:
            lines.append("Skipped (not imported):")
            lines += [f"  • {what}: {reason}" for what, reason in skipped]
        if flagged:
            lines.append("Flagged (imported, but check these numbers):")
            lines += [f"  • {what}: {reason}" for what, reason in flagged]
        self.details.setPlainText("\n".join(lines) or "Every entry was imported as it was.")
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)
        self.resize(520, 320 if lines else 180)

    def counts(self) -> dict[str, int]:
        return {"added": self.report.added, "merged": self.report.merged,
                "skipped": len(self.report.skipped), "flagged": len(self.report.flagged)}


class ContactsView(QtWidgets.QWidget, BackgroundSteps):
    """The address book. ``callRequested(number, display_name)`` asks the shell to place a call."""

    callRequested = Signal(str, str)
    contactsChanged = Signal()
    # Emitted from the import worker thread; Qt queues it onto the GUI thread.
    _importProgress = Signal(int, int)

    def __init__(self, service: Any, parent: QtWidgets.QWidget | None = None, *, auto_sync: bool = True) -> None:
        super().__init__(parent)
        self._service = service
        self.setObjectName("contactsView")
        self.add_book_dialog: AddAddressBookDialog | None = None
        self.sync_task: asyncio.Future[None] | None = None
        self.setAccessibleName("Contacts")
        self.editor: ContactEditor | None = None
        self.confirm_box: QtWidgets.QMessageBox | None = None
        self.import_summary: ImportSummaryDialog | None = None

        self.search_edit = QtWidgets.QLineEdit()
        blink.keep_alive(self.search_edit)  # steady caret when idle (dialer.ui.blink)
        self.search_edit.setPlaceholderText("Search by name, number or keypad letters")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setAccessibleName("Search contacts")
        self.model = ContactsModel(service.contacts, self)
        self.table = QtWidgets.QTableView()
        self.table.setObjectName("contactsTable")
        self.table.setAccessibleName("Contacts and their numbers")
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(1, BookNameDelegate(self.table))
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.Fixed)
        header.resizeSection(0, 28)
        header.setSectionResizeMode(1, QtWidgets.QHeaderView.ResizeMode.Stretch)
        header.resizeSection(2, 80)
        header.resizeSection(3, 170)

        self.call_button = QtWidgets.QPushButton("&Call")
        self.call_button.setAccessibleName("Call the selected number")
        self.add_button = QtWidgets.QPushButton("&Add…")
        self.add_button.setAccessibleName("Add a contact")
        self.edit_button = QtWidgets.QPushButton("&Edit…")
        self.edit_button.setAccessibleName("Edit the selected contact")
        self.delete_button = QtWidgets.QPushButton("&Delete")
        self.delete_button.setAccessibleName("Delete the selected contact")
        self.favourite_button = QtWidgets.QPushButton(f"{STAR} &Favourite")
        self.favourite_button.setCheckable(True)
        self.favourite_button.setAccessibleName("Favourite")
        self.import_button = QtWidgets.QPushButton("&Import…")
        self.import_button.setAccessibleName("Import contacts from a vCard or CSV file")
        self.export_button = QtWidgets.QPushButton("E&xport…")
        self.export_button.setAccessibleName("Export all contacts as a vCard file")
        self.progress = QtWidgets.QProgressBar()
        self.progress.setAccessibleName("Import progress")
        self.progress.setFormat("Importing… %v of %m")
        self.progress.hide()
        self.status_label = QtWidgets.QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setAccessibleName("Contacts status")
        self.status_label.hide()
        self.books_bar = AddressBookBar()
        self.sync_timer = QtCore.QTimer(self)
        self.sync_timer.timeout.connect(self.sync_now)

        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.search_edit, 1)
        top.addWidget(self.import_button)
        top.addWidget(self.export_button)
        bottom = QtWidgets.QHBoxLayout()
        bottom.addWidget(self.call_button)
        bottom.addWidget(self.favourite_button)
        bottom.addStretch(1)
        bottom.addWidget(self.add_button)
        bottom.addWidget(self.edit_button)
        bottom.addWidget(self.delete_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.status_label)
        layout.addLayout(bottom)
        layout.addWidget(self.books_bar)
        chain = [self.search_edit, self.table, self.call_button, self.favourite_button, self.add_button,
                 self.edit_button, self.delete_button, self.import_button, self.export_button,
                 self.books_bar.sync_button, self.books_bar.add_button]
        for first, second in itertools.pairwise(chain):
            QtWidgets.QWidget.setTabOrder(first, second)

        self.search_edit.textChanged.connect(self._on_search)
        self.search_edit.returnPressed.connect(self._call_first_match)
        self.table.doubleClicked.connect(self._on_activated)
        # Double-click or Enter calls; not ``activated``, which some desktops fire on a single click and
        # which also fires on double-click (one gesture must never place two calls).
        self.table.installEventFilter(self)
        self.table.clicked.connect(self._on_clicked)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.model.modelReset.connect(self._update_buttons)
        self.call_button.clicked.connect(self.call_selected)
        self.add_button.clicked.connect(self.add_contact)
        self.edit_button.clicked.connect(self.edit_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.favourite_button.clicked.connect(self.toggle_favourite)
        self.import_button.clicked.connect(self._choose_import_file)
        self.export_button.clicked.connect(self._choose_export_file)
        self._importProgress.connect(self._on_import_progress)
        self.books_bar.syncRequested.connect(self.sync_now)
        self.books_bar.addRequested.connect(self.add_address_book)

        self.model.reload()
        self._update_buttons()
        self._show_books()
        if auto_sync and self._books() is not None and self._books().accounts():
            # The view is built after the window's first paint; sync a moment later, then every N minutes.
            QtCore.QTimer.singleShot(1000, self.sync_now)
        self._arm_sync_timer()

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if (watched is self.table and event.type() == QtCore.QEvent.Type.KeyPress
                and isinstance(event, QtGui.QKeyEvent)
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)):
            self.call_selected()
            return True
        if (watched is self.table and event.type() == QtCore.QEvent.Type.KeyPress
                and isinstance(event, QtGui.QKeyEvent) and event.matches(QtGui.QKeySequence.StandardKey.Delete)):
            self.delete_selected()  # only while the list has focus, never from another field
            return True
        return super().eventFilter(watched, event)

    # ----------------------------------------------------------------------------------------- search

    def focus_search(self) -> None:
        """Put the cursor in the search box (the shell's Ctrl+F; no shortcut here, to avoid ambiguity)."""
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def _on_search(self, text: str) -> None:
        self.model.set_query(text)
        if self.model.rowCount():
            self.table.selectRow(0)
            self.table.scrollToTop()
        self._show_empty_hint()

    def _show_empty_hint(self) -> None:
        if self.model.rowCount():
            self.status_label.clear()
        elif self.model.query:
            self.status_label.setText(f"No contact matches “{self.model.query}”.")
        else:
            self.status_label.setText("No contacts yet. Add one, or import a vCard or CSV file.")
        self.status_label.setVisible(bool(self.status_label.text()))

    def reload(self) -> None:
        """Re-read the list (after an import, an edit, or a change made elsewhere)."""
        selected = self.selected_row()
        self.model.reload()
        if selected is not None:
            self.select_contact(selected.contact_id)
        self._show_empty_hint()
        self._update_buttons()

    def select_contact(self, contact_id: int) -> bool:
        for row in range(self.model.rowCount()):
            item = self.model.row_at(row)
            if item is not None and item.contact_id == contact_id:
                self.table.selectRow(row)
                return True
        return False

    # ------------------------------------------------------------------------------------------ calling

    def selected_row(self) -> ContactRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        item = self.selected_row()
        self.call_button.setEnabled(bool(item and item.number))
        for button in (self.edit_button, self.delete_button, self.favourite_button):
            button.setEnabled(item is not None)
        self.favourite_button.setChecked(bool(item and item.favourite))

    def _on_activated(self, index: QtCore.QModelIndex) -> None:
        if index.column() != 0:
            self._call(self.model.row_at(index.row()))

    def _on_clicked(self, index: QtCore.QModelIndex) -> None:
        if index.column() == 0:
            self.table.selectRow(index.row())
            self.toggle_favourite()

    def _call_first_match(self) -> None:
        item = self.selected_row() or self.model.row_at(0)
        self._call(item)

    def call_selected(self) -> None:
        self._call(self.selected_row())

    def _call(self, item: ContactRow | None) -> None:
        if item is not None and item.number:
            self.callRequested.emit(item.number, item.name)

    # ------------------------------------------------------------------------------------------ editing

    def _region(self) -> str | None:
        try:
            region = self._service.settings.default_region
        except Exception:
            return None
        return str(region) if region else None

    def add_contact(self) -> ContactEditor:
        """Open the editor for a new contact (non-modal ``open()``; saved when the user clicks Save)."""
        return self._open_editor(Contact(None, self.search_edit.text().strip()
                                         if not self.model.rowCount() else ""))

    def edit_selected(self) -> ContactEditor | None:
        item = self.selected_row()
        if item is None:
            return None
        contact = self._service.contacts.get(item.contact_id)
        if contact is None:
            self._message("That contact no longer exists: it may have been deleted.", error=True)
            self.reload()
            return None
        if contact.read_only:
            self._message(f"{contact.name} comes from the address book “{contact.address_book}”, which this app "
                          "only reads: edit the contact there, and the next sync brings the change here.")
            return None
        return self._open_editor(contact)

    def _open_editor(self, contact: Contact) -> ContactEditor:
        editor = ContactEditor(contact, region=self._region(), parent=self)
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.accepted.connect(lambda: self._save(editor.contact()))
        self.editor = editor
        editor.open()
        return editor

    def _save(self, contact: Contact) -> None:
        stored = self._service.contacts.get(contact.id) if contact.id is not None else None
        if stored is not None and stored.address_book_id is not None:
            self._start(self._save_to_book(contact))  # written back to its server first
            return
        try:
            if contact.id is None:
                self._service.contacts.add(contact)
                verb = "Added"
            else:
                self._service.contacts.update(contact)
                verb = "Saved"
        except Exception as exc:
            self._message(f"Could not save {contact.name}: {error_text(exc)}", error=True)
            return
        self.reload()
        if contact.id is not None:
            self.select_contact(contact.id)
        flagged = sum(1 for n in contact.numbers if not n.valid)
        note = f" {flagged} number{'s' if flagged != 1 else ''} may not dial as written." if flagged else ""
        self._message(f"{verb} {contact.name}.{note}")
        self.contactsChanged.emit()

    def delete_selected(self) -> QtWidgets.QMessageBox | None:
        """Ask before deleting the selected contact (non-modal ``open()``)."""
        item = self.selected_row()
        if item is None:
            return None
        if item.address_book:
            self._message(f"{item.name} comes from the address book “{item.address_book}”: delete the contact "
                          "there, and the next sync removes it here.")
            return None
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Question, "Delete contact",
                                    f"Delete {item.name} and all of their numbers?",
                                    QtWidgets.QMessageBox.StandardButton.Yes
                                    | QtWidgets.QMessageBox.StandardButton.Cancel, self)
        box.setDefaultButton(QtWidgets.QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.accepted.connect(lambda: self._delete(item))
        self.confirm_box = box
        box.open()
        return box

    def _delete(self, item: ContactRow) -> None:
        try:
            self._service.contacts.delete(item.contact_id)
        except Exception as exc:
            self._message(f"Could not delete {item.name}: {error_text(exc)}", error=True)
            return
        self.reload()
        self._message(f"Deleted {item.name}.")
        self.contactsChanged.emit()

    def toggle_favourite(self) -> None:
        item = self.selected_row()
        if item is None:
            return
        contact = self._service.contacts.get(item.contact_id)
        if contact is None:
            self.reload()
            return
        contact.favourite = not contact.favourite
        try:
            self._service.contacts.update(contact)
        except Exception as exc:
            self._message(f"Could not change {item.name}: {error_text(exc)}", error=True)
            return
        self.reload()
        self.contactsChanged.emit()

    # ------------------------------------------------------------------------------------ import/export

    def _choose_import_file(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self, "Import contacts", "", "Contacts (*.vcf *.vcard *.csv);;vCard (*.vcf *.vcard);;CSV (*.csv)")
        if path:
            self.import_file(path)

    def _choose_export_file(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Export contacts", "contacts.vcf",
                                                        "vCard (*.vcf)")
        if path:
            self.export_vcard(path)

    def _report_progress(self, done: int, total: int) -> None:
        """Called in the import's worker thread: pass on about 200 steps, not one signal per contact."""
        step = max(1, total // 200)
        if done == total or done % step == 0:
            self._importProgress.emit(done, total)

    def _on_import_progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)

    def import_file(self, path: str) -> asyncio.Future[None]:
        """Import a vCard or CSV file, showing progress, then a summary of what happened."""
        self._set_busy(True)
        self.progress.setRange(0, 0)
        self.progress.show()
        return self._start(self._import(path))

    async def _import(self, path: str) -> None:
        try:
            report = await self._service.contacts.import_file(path, self._report_progress)
        except Exception as exc:
            self._message(f"Could not import {path}: {error_text(exc)}", error=True)
            return
        finally:
            self.progress.hide()
            self._set_busy(False)
        self.reload()
        self._message(f"Imported {path}: {report.added} added, {report.merged} merged.")
        summary = ImportSummaryDialog(report, path, self)
        summary.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.import_summary = summary
        summary.open()
        self.contactsChanged.emit()

    def export_vcard(self, path: str) -> asyncio.Future[None]:
        """Write every contact to ``path`` as vCard."""
        self._set_busy(True)
        return self._start(self._export(path))

    async def _export(self, path: str) -> None:
        try:
            result = await self._service.contacts.export_vcard(path)
        except Exception as exc:
            self._message(f"Could not export to {path}: {error_text(exc)}", error=True)
        else:
            count = f"{result} contacts" if isinstance(result, int) else "Contacts"
            self._message(f"{count} exported to {path}.")
        finally:
            self._set_busy(False)

    # ------------------------------------------------------------------------------------- address books

    def _books(self) -> Any:
        return getattr(self._service, "address_books", None)

    def _show_books(self, *, syncing: bool = False) -> None:
        books = self._books()
        self.books_bar.show_books(books.books() if books is not None else [], syncing=syncing)

    def _arm_sync_timer(self) -> None:
        books = self._books()
        minutes = books.sync_minutes if books is not None else 0
        if minutes > 0:
            self.sync_timer.start(minutes * 60_000)
        else:
            self.sync_timer.stop()

    def sync_now(self) -> asyncio.Future[None] | None:
        """Sync every address book in the background; the list stays usable and refreshes at the end."""
        books = self._books()
        if books is None or not books.accounts():
            return None
        if self.sync_task is not None and not self.sync_task.done():
            return self.sync_task
        self.books_bar.sync_button.setEnabled(False)
        self.books_bar.show_progress("", 0, 0)
        self.sync_task = self._start(self._sync())
        return self.sync_task

    async def _sync(self) -> None:
        try:
            results = await self._books().sync(progress=self.books_bar.show_progress)
        except Exception as exc:
            self._message(f"Could not sync the address books: {error_text(exc)}", error=True)
            return
        finally:
            self.books_bar.progress.hide()
            self._show_books()
        failed = [r for r in results if r.error]
        changed = sum(r.added + r.changed + r.removed for r in results)
        if changed:
            self.reload()
            self.contactsChanged.emit()
        if failed:
            self._message(f"{len(failed)} address book(s) could not sync; the contacts synced before are kept.",
                          error=True)
        else:
            added = sum(r.added for r in results)
            updated = sum(r.changed for r in results)
            removed = sum(r.removed for r in results)
            self._message(f"Address books synced: {added} added, {updated} changed, {removed} removed.")

    def add_address_book(self) -> AddAddressBookDialog | None:
        books = self._books()
        if books is None:
            return None
        dialog = AddAddressBookDialog(books, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.added.connect(self._on_books_added)
        self.add_book_dialog = dialog
        dialog.open()
        return dialog

    def _on_books_added(self, found: list[Any]) -> None:
        self._show_books(syncing=True)
        names = ", ".join(b.name for b in found)
        self._message(f"Added {names}: syncing…")
        self.sync_now()

    async def _save_to_book(self, contact: Contact) -> None:
        try:
            saved = await self._books().save(contact)
        except Exception as exc:
            self.reload()  # a conflict stored the server's version: show it
            self._message(error_text(exc), error=True)
            return
        self.reload()
        if saved.id is not None:
            self.select_contact(saved.id)
        self._message(f"Saved {saved.name} to “{saved.address_book}”.")
        self.contactsChanged.emit()

    # ------------------------------------------------------------------------------------------ helpers

    def _set_busy(self, busy: bool) -> None:
        for button in (self.import_button, self.export_button):
            button.setEnabled(not busy)

    def _message(self, text: str, *, error: bool = False) -> None:
        self.status_label.setStyleSheet(_error_style() if error else "")
        self.status_label.setText(text)
        self.status_label.setVisible(bool(text))
