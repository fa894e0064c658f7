"""Address books in the contacts tab: the sync bar (status, progress, "Sync now") and the add dialog.

Both only call :class:`dialer.service.addressbooks.AddressBookService`; the HTTP runs on the event loop
and the heavy parsing in its worker thread, so the contact list stays usable while a sync runs.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from dialer.carddav.presets import PRESETS, Preset
from dialer.qt import Qt, QtWidgets, Signal
from dialer.ui import theme
from dialer.ui.background import BackgroundSteps, error_text


def synced_text(stamp: str | None) -> str:
    """``2026-12-01T08:10:00Z`` -> ``synced 1 Dec 08:10`` in local time; ``never synced`` for None."""
    if not stamp:
        return "never synced"
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return f"synced {stamp}"
    return f"synced {when.day} {when.strftime('%b %H:%M')}"


class AddressBookBar(QtWidgets.QWidget):
    """One line per address book (contacts, last sync or last problem), a progress bar, two buttons."""

    syncRequested = Signal()
    addRequested = Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("addressBookBar")
        self.status_label = QtWidgets.QLabel()
        self.status_label.setObjectName("addressBookStatus")
        self.status_label.setAccessibleName("Address book sync status")
        self.status_label.setTextFormat(Qt.TextFormat.RichText)
        self.status_label.setWordWrap(True)
        self.progress = QtWidgets.QProgressBar()
        self.progress.setAccessibleName("Address book sync progress")
        self.progress.hide()
        self.sync_button = QtWidgets.QPushButton("S&ync now")
        self.sync_button.setAccessibleName("Sync the address books now")
        self.add_button = QtWidgets.QPushButton("Address &book…")
        self.add_button.setAccessibleName("Add an address book (Google, iCloud, Nextcloud, Fastmail, CardDAV)")
        self.add_button.setToolTip("Add an address book from iCloud, Nextcloud, Fastmail or any CardDAV server")
        self.sync_button.clicked.connect(self.syncRequested)
        self.add_button.clicked.connect(self.addRequested)
        self.title = QtWidgets.QLabel("<b>Address books</b>")
        row = QtWidgets.QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.title)
        row.addStretch(1)
        row.addWidget(self.sync_button)
        row.addWidget(self.add_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(row)
        layout.addWidget(self.status_label)
        layout.addWidget(self.progress)

    def show_books(self, books: list[Any], *, syncing: bool = False) -> None:
        """Describe ``books`` (AddressBook rows); the sync button only when there is something to sync."""
        self.sync_button.setVisible(bool(books))
        self.sync_button.setEnabled(not syncing)
        if not books:
            self.status_label.setText("Contacts from iCloud, Nextcloud, Fastmail or any CardDAV server: "
                                      "add an address book.")
            return
        lines = []
        for book in books:
            name = html.escape(book.name)
            mode = "" if book.read_only else ", editable"
            line = f"☁ <b>{name}</b> ({html.escape(book.account_label)}) · {book.contacts} contacts{mode} · " \
                   f"{synced_text(book.synced_at)}"
            if book.last_error:
                colour = theme.accents().hangup
                line += f"<br><span style='color:{colour}'>⚠ {html.escape(book.last_error)}</span>"
            lines.append(line)
        self.status_label.setText("<br>".join(lines))

    def show_progress(self, name: str, done: int, total: int) -> None:
        if total <= 0 and done > 0:  # cards streaming in with the listing: the total is not known yet
            self.progress.setFormat(f"Syncing {name}… {done}")
            self.progress.setRange(0, 0)  # a busy bar
            self.progress.setVisible(True)
            return
        self.progress.setMinimum(0)
        self.progress.setFormat(f"Syncing {name}… %v of %m")
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        self.progress.setVisible(total > 0)


class AddAddressBookDialog(QtWidgets.QDialog, BackgroundSteps):
    """Sign in to a CardDAV server: a preset fills the address, the service finds the address books."""

    added = Signal(list)  # the AddressBook rows found

    def __init__(self, books: Any, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._books = books
        self.setWindowTitle("Add an address book")
        self.setObjectName("addAddressBook")
        self.preset = QtWidgets.QComboBox()
        self.preset.setAccessibleName("Provider")
        for preset in PRESETS:
            self.preset.addItem(preset.name, preset.key)
        self.url_edit = QtWidgets.QLineEdit()
        self.url_edit.setAccessibleName("Server address")
        self.user_edit = QtWidgets.QLineEdit()
        self.user_edit.setAccessibleName("User name")
        self.user_edit.setPlaceholderText("usually your e-mail address")
        self.password_edit = QtWidgets.QLineEdit()
        self.password_edit.setAccessibleName("Password or app password")
        self.password_edit.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        self.name_edit = QtWidgets.QLineEdit()
        self.name_edit.setAccessibleName("Name shown in the app")
        self.name_edit.setPlaceholderText("optional, e.g. Family cloud")
        self.writable = QtWidgets.QCheckBox("Let me edit these contacts here (saved back to the server)")
        self.note_label = QtWidgets.QLabel()
        self.note_label.setWordWrap(True)
        self.error_label = QtWidgets.QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setAccessibleName("Why the address book could not be added")
        self.error_label.hide()
        self.buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                                  | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Add")
        form = QtWidgets.QFormLayout()
        form.addRow("&Provider", self.preset)
        form.addRow("Add&ress", self.url_edit)
        form.addRow("&User", self.user_edit)
        form.addRow("Pass&word", self.password_edit)
        form.addRow("&Name", self.name_edit)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note_label)
        layout.addWidget(self.writable)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.preset.currentIndexChanged.connect(self._on_preset)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self._preset_url = ""
        self._on_preset(0)
        self.resize(480, 0)

    def _current(self) -> Preset:
        return PRESETS[max(self.preset.currentIndex(), 0)]

    def _on_preset(self, _index: int) -> None:
        preset = self._current()
        if self.url_edit.text().strip() in ("", self._preset_url):  # never overwrite what the user typed
            self.url_edit.setText(preset.url)
        self._preset_url = preset.url
        self.note_label.setText(preset.note)
        self.note_label.setStyleSheet("" if preset.password_works else f"color: {theme.accents().hangup};")

    def submit(self) -> None:
        url = self.url_edit.text().strip()
        if "{host}" in url:
            self._message("Replace {host} in the address with your server's name.", error=True)
            return
        self._set_busy(True)
        self._message("Signing in and looking for address books…")
        self._start(self._add(url))

    async def _add(self, url: str) -> None:
        try:
            books = await self._books.add(url, self.user_edit.text(), self.password_edit.text(),
                                          label=self.name_edit.text() or None, read_only=not self.writable.isChecked())
        except Exception as exc:
            self._message(error_text(exc), error=True)
            return
        finally:
            self._set_busy(False)
        self.added.emit(books)
        self.accept()

    def _set_busy(self, busy: bool) -> None:
        self.ok_button.setEnabled(not busy)
        for widget in (self.preset, self.url_edit, self.user_edit, self.password_edit, self.name_edit):
            widget.setEnabled(not busy)

    def _message(self, text: str, *, error: bool = False) -> None:
        self.error_label.setStyleSheet(f"color: {theme.accents().hangup};" if error else "")
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))
