"""The contacts tab with address books from a real CardDAV server (Radicale): the add dialog, the sync
bar with per-book status, synced contacts marked with their book, and a list that stays usable while a
sync runs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dialer.carddav import CardDavClient
from dialer.qt import Qt
from dialer.service.app import DialerService
from dialer.store.contacts import Contact, ContactNumber
from dialer.ui.contacts_view import ContactsView
from tests.gui.conftest import run
from tests.integration.carddav import conftest as carddav
from tests.integration.carddav.conftest import Dav

radicale = carddav.radicale  # the Radicale fixtures, shared with tests/integration/carddav
dav = carddav.dav


@pytest.fixture
def service(loop: asyncio.AbstractEventLoop, qtbot: Any, dialer_home: Path) -> Iterator[DialerService]:
    svc = run(qtbot, DialerService.open(home=dialer_home))
    yield svc
    run(qtbot, svc.aclose())


@pytest.fixture
def view(service: DialerService, qtbot: Any) -> ContactsView:
    widget = ContactsView(service)
    qtbot.addWidget(widget)
    widget.resize(460, 640)
    widget.show()
    return widget


def add_through_dialog(view: ContactsView, qtbot: Any, url: str, user: str, password: str, name: str) -> None:
    dialog = view.add_address_book()
    assert dialog is not None
    dialog.preset.setCurrentIndex(4)  # "Other CardDAV server"
    dialog.url_edit.setText(url)
    dialog.user_edit.setText(user)
    dialog.password_edit.setText(password)
    dialog.name_edit.setText(name)
    with qtbot.waitSignal(dialog.added, timeout=20_000):
        dialog.ok_button.click()


def test_add_two_address_books_sync_and_show_them(view: ContactsView, service: DialerService, dav: Dav,
                                                  qtbot: Any) -> None:
    family = dav.mkbook("family", "Family")
    work = dav.mkbook("work", "Work")
    dav.put(family, "ann", "Ann Smith", "+44 20 7946 0958")
    dav.put(family, "bob", "Bob Jones", "+1 212 555 0123")
    dav.put(work, "cat", "Cat Brown", "+33 1 23 45 67 89")
    service.contacts.add(Contact(None, "Local Lucy", [ContactNumber.parse("+14155550100", "mobile")]))
    view.reload()
    assert "add an address book" in view.books_bar.status_label.text()
    assert not view.books_bar.sync_button.isVisible()

    add_through_dialog(view, qtbot, dav.server.url, dav.user, dav.password, "Radicale")
    qtbot.waitUntil(lambda: view.sync_task is not None and view.sync_task.done(), timeout=30_000)
    status = view.books_bar.status_label.text()
    assert "<b>Family</b> (Radicale) · 2 contacts" in status and "<b>Work</b> (Radicale) · 1 contacts" in status
    assert "never synced" not in status
    assert "Address books synced: 3 added" in view.status_label.text()
    rows = {view.model.row_at(r).name: view.model.row_at(r) for r in range(view.model.rowCount())}
    assert rows["Ann Smith"].address_book == "Family" and rows["Cat Brown"].address_book == "Work"
    assert rows["Local Lucy"].address_book == ""
    ann = view.model.index(next(r for r in range(view.model.rowCount())
                                if view.model.row_at(r).name == "Ann Smith"), 1)
    assert view.model.data(ann, Qt.ItemDataRole.ToolTipRole) == "From the address book “Family”"
    assert not view.model.data(ann, Qt.ItemDataRole.DecorationRole).isNull()

    # Read-only by default: editing and deleting say where to do it instead.
    view.select_contact(rows["Ann Smith"].contact_id)
    assert view.edit_selected() is None
    assert "only reads" in view.status_label.text()
    assert view.delete_selected() is None
    assert "delete the contact there" in view.status_label.text()

    # A change on the server arrives with "Sync now".
    dav.delete(family, "bob")
    view.books_bar.sync_button.click()
    qtbot.waitUntil(lambda: view.sync_task is not None and view.sync_task.done()
                    and "1 removed" in view.status_label.text(), timeout=30_000)
    assert "Bob Jones" not in {view.model.row_at(r).name for r in range(view.model.rowCount())}


def test_a_failed_sync_is_shown_per_book_and_keeps_the_contacts(view: ContactsView, dav: Dav, qtbot: Any) -> None:
    family = dav.mkbook("family", "Family")
    dav.put(family, "ann", "Ann Smith", "+44 20 7946 0958")
    add_through_dialog(view, qtbot, f"{dav.server.url}/{dav.user}/family/", dav.user, dav.password, "R")
    qtbot.waitUntil(lambda: view.sync_task is not None and view.sync_task.done(), timeout=30_000)
    dav.http.request("DELETE", family)
    view.sync_now()
    qtbot.waitUntil(lambda: view.sync_task is not None and view.sync_task.done()
                    and "could not sync" in view.status_label.text(), timeout=30_000)
    assert "(404)" in view.books_bar.status_label.text()
    assert view.model.row_at(0).name == "Ann Smith"


def test_a_bad_password_is_shown_in_the_dialog(view: ContactsView, dav: Dav, qtbot: Any) -> None:
    dialog = view.add_address_book()
    assert dialog is not None
    dialog.url_edit.setText(dav.server.url)
    dialog.user_edit.setText(dav.user)
    dialog.password_edit.setText("wrong")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: "(401)" in dialog.error_label.text(), timeout=20_000)
    assert dialog.isVisible() and dialog.ok_button.isEnabled()
    dialog.reject()


def test_presets_fill_the_address_and_say_what_password_to_use(view: ContactsView) -> None:
    dialog = view.add_address_book()
    assert dialog is not None
    urls = {}
    for index in range(dialog.preset.count()):
        dialog.preset.setCurrentIndex(index)
        urls[dialog.preset.currentText()] = (dialog.url_edit.text(), dialog.note_label.text())
    assert urls["iCloud"][0] == "https://contacts.icloud.com" and "app-specific password" in urls["iCloud"][1]
    assert urls["Fastmail"][0] == "https://carddav.fastmail.com"
    assert urls["Nextcloud"][0] == "https://{host}/remote.php/dav"
    assert urls["Google"][0] == "https://www.googleapis.com/.well-known/carddav" and "OAuth" in urls["Google"][1]
    dialog.url_edit.setText("https://my.server.example/dav")
    dialog.preset.setCurrentIndex(1)
    assert dialog.url_edit.text() == "https://my.server.example/dav"  # what the user typed stays
    dialog.reject()


def test_the_list_stays_usable_while_a_sync_runs(view: ContactsView, service: DialerService, dav: Dav,
                                                 qtbot: Any) -> None:
    dav.put_many("big", 120)
    service.contacts.add(Contact(None, "Local Lucy", [ContactNumber.parse("+14155550100", "mobile")]))
    run(qtbot, service.address_books.add(dav.server.url, dav.user, dav.password, label="Big"))
    # Small batches, so the sync takes several round trips and reports its progress.
    service.address_books._client_factory = lambda url, user, pw: CardDavClient(url, user, pw, batch=10)
    view.reload()
    task = view.sync_now()
    assert task is not None
    qtbot.waitUntil(lambda: view.books_bar.progress.isVisible() and view.books_bar.progress.value() >= 10,
                    timeout=30_000)
    assert not task.done()
    view.search_edit.setText("lucy")  # answered at once, from the last committed state
    assert [view.model.row_at(r).name for r in range(view.model.rowCount())] == ["Local Lucy"]
    assert "Syncing big" in view.books_bar.progress.format() or "Syncing" in view.books_bar.progress.format()
    qtbot.waitUntil(task.done, timeout=60_000)
    view.search_edit.setText("")
    assert service.contacts.count() == 121


def _click_save(editor: Any) -> None:
    from dialer.qt import QtWidgets

    editor.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Save).click()


def test_editing_a_writable_contact_writes_it_back_and_a_conflict_shows_theirs(
        view: ContactsView, service: DialerService, dav: Dav, qtbot: Any) -> None:
    family = dav.mkbook("family", "Family")
    etag = dav.put(family, "ann", "Ann Smith", "+44 20 7946 0958")
    dialog = view.add_address_book()
    assert dialog is not None
    dialog.preset.setCurrentIndex(4)
    dialog.url_edit.setText(dav.server.url)
    dialog.user_edit.setText(dav.user)
    dialog.password_edit.setText(dav.password)
    dialog.writable.setChecked(True)
    with qtbot.waitSignal(dialog.added, timeout=20_000):
        dialog.ok_button.click()
    qtbot.waitUntil(lambda: view.sync_task is not None and view.sync_task.done(), timeout=30_000)

    view.select_contact(view.model.row_at(0).contact_id)
    editor = view.edit_selected()
    assert editor is not None
    editor.name_edit.setText("Ann Edited")
    _click_save(editor)
    qtbot.waitUntil(lambda: "Saved Ann Edited to “Family”" in view.status_label.text(), timeout=20_000)
    assert "FN:Ann Edited" in dav.get(family, "ann").text

    # Someone else changes the card; our next edit is refused and their version is shown.
    theirs = dav.get(family, "ann")
    dav.put(family, "ann", "Ann Theirs", "+44 20 7946 0000", etag=theirs.headers["etag"])
    assert etag != theirs.headers["etag"]
    view.select_contact(view.model.row_at(0).contact_id)
    editor = view.edit_selected()
    assert editor is not None
    editor.name_edit.setText("Ann Mine")
    _click_save(editor)
    qtbot.waitUntil(lambda: "by someone else" in view.status_label.text(), timeout=20_000)
    assert view.model.row_at(0).name == "Ann Theirs"
    assert "Ann Mine" not in dav.get(family, "ann").text
