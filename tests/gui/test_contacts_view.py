"""Contacts tab: vCard import with its summary, search as you type, click-to-call, add/edit/delete.

Runs the real DialerService on a temporary database; the import runs in the service's worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dialer.qt import Qt, QtWidgets
from dialer.service.app import DialerService
from dialer.store.contacts import Contact, ContactNumber
from dialer.ui.contacts_view import ContactsView
from tests.gui.conftest import run

VCARD = Path(__file__).with_name("test_contacts_import.vcf")






@pytest.fixture
def service(loop: asyncio.AbstractEventLoop, qtbot: Any, dialer_home: Path) -> Iterator[DialerService]:
    svc = run(qtbot, DialerService.open(home=dialer_home))
    yield svc
    run(qtbot, svc.aclose())


@pytest.fixture
def view(service: DialerService, qtbot: Any) -> ContactsView:
    widget = ContactsView(service)
    qtbot.addWidget(widget)
    widget.resize(700, 500)
    widget.show()
    return widget


def names(view: ContactsView) -> list[str]:
    return [view.model.row_at(r).name for r in range(view.model.rowCount())]  # type: ignore[union-attr]


def add(service: DialerService, name: str, *numbers: str, favourite: bool = False) -> int:
    return service.contacts.add(Contact(None, name, [ContactNumber.parse(n, "mobile") for n in numbers],
                                        favourite=favourite))


def test_import_vcard_shows_a_summary_with_counts_and_reasons(view: ContactsView, qtbot: Any) -> None:
    view.import_file(str(VCARD))
    qtbot.waitUntil(lambda: view.import_summary is not None and view.import_summary.isVisible())
    summary = view.import_summary
    assert summary is not None
    assert summary.counts() == {"added": 3, "merged": 1, "skipped": 1, "flagged": 1}
    text = summary.summary_label.text()
    assert "Added: 3" in text and "Merged: 1" in text and "Skipped: 1" in text
    details = summary.details.toPlainText()
    assert "Carol No-Number: no phone number" in details
    assert "Dave Dud: 12" in details and "country code" in details
    assert not view.progress.isVisible()
    assert view.import_button.isEnabled()
    # The list now shows the imported people; the merged card added its number to Alice.
    assert sorted(set(names(view))) == ["Alice Archer", "Bruno Brandt", "Dave Dud"]
    assert names(view).count("Alice Archer") == 3
    summary.accept()


def test_import_of_a_bad_file_says_why(view: ContactsView, qtbot: Any, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.vcf"
    view.import_file(str(missing))
    qtbot.waitUntil(lambda: "Could not import" in view.status_label.text())
    assert view.import_summary is None
    assert view.import_button.isEnabled()


def test_empty_search_lists_favourites_first_and_fetches_lazily(service: DialerService,
                                                                 qtbot: Any) -> None:
    service.contacts.store.add_many(
        Contact(None, f"Person {i:04d}", [ContactNumber.parse(f"+4420794{i:05d}", "mobile")])
        for i in range(450))
    add(service, "Zoe Favourite", "+16502530000", favourite=True)
    view = ContactsView(service)
    qtbot.addWidget(view)
    assert names(view)[0] == "Zoe Favourite"
    assert view.model.data(view.model.index(0, 0)) == "★"
    assert view.model.rowCount() == 201  # the favourite + the first page, not all 451
    assert view.model.canFetchMore()
    while view.model.canFetchMore():
        view.model.fetchMore()
    assert view.model.rowCount() == 451
    assert names(view).count("Zoe Favourite") == 1


def test_search_as_you_type_by_name_and_number(service: DialerService, view: ContactsView,
                                              qtbot: Any) -> None:
    add(service, "Alice Archer", "+442079460958")
    add(service, "Bruno Brandt", "+4930901820")
    view.reload()
    qtbot.keyClicks(view.search_edit, "bru")
    assert names(view) == ["Bruno Brandt"]
    view.search_edit.setText("7946")
    assert names(view) == ["Alice Archer"]
    view.search_edit.setText("nobody")
    assert names(view) == []
    assert "No contact matches" in view.status_label.text()
    view.search_edit.clear()
    assert sorted(names(view)) == ["Alice Archer", "Bruno Brandt"]


def test_double_click_and_enter_call_the_number(service: DialerService, view: ContactsView,
                                               qtbot: Any) -> None:
    add(service, "Alice Archer", "+442079460958", "+16502530000")
    view.reload()
    emitted: list[list[str]] = []
    view.callRequested.connect(lambda *args: emitted.append(list(args)))
    rect = view.table.visualRect(view.model.index(1, 3))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert emitted == []
    qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert emitted == [["+16502530000", "Alice Archer"]]

    qtbot.keyClicks(view.search_edit, "alice")
    qtbot.keyClick(view.search_edit, Qt.Key.Key_Return)  # Enter in the search box calls the top match
    assert emitted[-1] == ["+442079460958", "Alice Archer"]
    view.table.selectRow(1)
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert emitted[-1] == ["+16502530000", "Alice Archer"]
    assert len(emitted) == 3


def _click_save(editor: QtWidgets.QDialog, qtbot: Any) -> None:
    button = editor.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Save)  # type: ignore[attr-defined]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_add_edit_and_delete_a_contact(service: DialerService, view: ContactsView, qtbot: Any) -> None:
    editor = view.add_contact()
    qtbot.keyClicks(editor.name_edit, "Erin Example")
    qtbot.keyClicks(editor.rows[0].number_edit, "+44 20 7946 0000")
    assert not editor.rows[0].hint.isVisibleTo(editor)
    second = editor.add_number_row()
    qtbot.keyClicks(second.number_edit, "12345")
    assert second.hint.isVisibleTo(editor)  # accepted, but flagged with the reason
    assert "may not dial" in second.hint.text()
    editor.favourite_check.setChecked(True)
    _click_save(editor, qtbot)

    stored = service.contacts.search("erin", 5)
    assert {m.number for m in stored} == {"+442079460000", "12345"}
    assert names(view)[0] == "Erin Example"  # a favourite: at the top
    assert "may not dial" in view.status_label.text()

    view.table.selectRow(0)
    editor2 = view.edit_selected()
    assert editor2 is not None and editor2.name_edit.text() == "Erin Example"
    editor2.name_edit.setText("Erin Edited")
    editor2.rows[1].remove_button.click()
    _click_save(editor2, qtbot)
    contact = service.contacts.get(service.contacts.search("erin", 1)[0].contact_id)
    assert contact is not None and contact.name == "Erin Edited"
    assert [n.e164 for n in contact.numbers] == ["+442079460000"]

    view.select_contact(contact.id)  # type: ignore[arg-type]
    box = view.delete_selected()
    assert box is not None and "Erin Edited" in box.text()
    box.button(QtWidgets.QMessageBox.StandardButton.Yes).click()
    assert service.contacts.get(contact.id) is None  # type: ignore[arg-type]
    assert "Erin Edited" not in names(view)


def test_cancelled_delete_keeps_the_contact(service: DialerService, view: ContactsView) -> None:
    contact_id = add(service, "Frank Keep", "+442079460001")
    view.reload()
    view.select_contact(contact_id)
    box = view.delete_selected()
    assert box is not None
    box.button(QtWidgets.QMessageBox.StandardButton.Cancel).click()
    assert service.contacts.get(contact_id) is not None


def test_empty_contact_is_refused_in_place(view: ContactsView, qtbot: Any) -> None:
    editor = view.add_contact()
    _click_save(editor, qtbot)
    assert editor.isVisible()
    assert "Enter a name or a number" in editor.error_label.text()


def test_star_toggles_favourite(service: DialerService, view: ContactsView, qtbot: Any) -> None:
    add(service, "Alice Archer", "+442079460958")
    contact_id = add(service, "Bruno Brandt", "+4930901820")
    view.reload()
    assert names(view) == ["Alice Archer", "Bruno Brandt"]
    rect = view.table.visualRect(view.model.index(1, 0))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert service.contacts.get(contact_id).favourite  # type: ignore[union-attr]
    assert names(view) == ["Bruno Brandt", "Alice Archer"]


def test_export_vcard(service: DialerService, view: ContactsView, qtbot: Any, tmp_path: Path) -> None:
    add(service, "Alice Archer", "+442079460958")
    target = tmp_path / "out.vcf"
    view.export_vcard(str(target))
    qtbot.waitUntil(lambda: "exported" in view.status_label.text())
    assert "Alice Archer" in target.read_text(encoding="utf-8")


def test_delete_key_asks_only_when_the_list_has_focus(service: DialerService, view: ContactsView,
                                                      qtbot: Any) -> None:
    contact_id = add(service, "Alice Archer", "+442079460958")
    view.reload()
    view.select_contact(contact_id)
    qtbot.keyClick(view.search_edit, Qt.Key.Key_Delete)
    assert view.confirm_box is None  # Delete in the search box edits text, nothing else
    qtbot.keyClick(view.table, Qt.Key.Key_Delete)
    assert view.confirm_box is not None and view.confirm_box.isVisible()
    view.confirm_box.reject()
    assert service.contacts.get(contact_id) is not None


def test_focus_search_and_accessible_names(service: DialerService, view: ContactsView, qtbot: Any) -> None:
    view.activateWindow()
    view.focus_search()
    qtbot.waitUntil(view.search_edit.hasFocus)
    controls = [*view.findChildren(QtWidgets.QAbstractButton), *view.findChildren(QtWidgets.QLineEdit),
                *view.findChildren(QtWidgets.QAbstractItemView)]
    internal = (QtWidgets.QLineEdit, QtWidgets.QAbstractScrollArea, QtWidgets.QHeaderView)
    unnamed = [c for c in controls if not c.accessibleName() and not isinstance(c.parent(), internal)
               and not isinstance(c, QtWidgets.QHeaderView)]
    assert unnamed == []
    editor = view.add_contact()
    fields = [*editor.findChildren(QtWidgets.QAbstractButton), *editor.findChildren(QtWidgets.QLineEdit),
              *editor.findChildren(QtWidgets.QPlainTextEdit)]
    unnamed = [f for f in fields if not f.accessibleName()
               and not isinstance(f.parent(), QtWidgets.QComboBox | QtWidgets.QDialogButtonBox)]
    assert unnamed == []
    editor.reject()


def test_large_csv_import_reports_progress_in_steps(view: ContactsView, qtbot: Any, tmp_path: Path) -> None:
    source = tmp_path / "many.csv"
    source.write_text("Name,Phone\n" + "".join(f"Person {i:04d},+4420794{i:05d}\n" for i in range(2_000)),
                      encoding="utf-8")
    steps: list[tuple[int, int]] = []
    view._importProgress.connect(lambda done, total: steps.append((done, total)))
    view.import_file(str(source))
    assert view.progress.isVisible()  # shown at once, busy until the first step arrives
    qtbot.waitUntil(lambda: view.import_summary is not None, timeout=20_000)
    assert view.import_summary is not None and view.import_summary.counts()["added"] == 2_000
    assert steps[-1] == (2_000, 2_000)
    assert 10 <= len(steps) <= 201  # a steady bar without a signal per contact
    assert not view.progress.isVisible()
    view.import_summary.accept()


def test_a_failing_background_step_is_shown_in_place(view: ContactsView, qtbot: Any) -> None:
    """A bug in an import/export step is never lost with its task: the view says what went wrong."""

    async def broken() -> None:
        raise RuntimeError("the disk vanished")

    view._set_busy(True)
    view._start(broken())
    qtbot.waitUntil(lambda: "the disk vanished" in view.status_label.text(), timeout=5000)
    assert view.import_button.isEnabled()
