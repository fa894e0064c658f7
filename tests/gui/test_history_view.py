"""History tab: lazy paging at 10,000 rows, filters, call back, refresh on call events, CSV export.

Runs the real DialerService on a temporary database; rows are seeded through the history store.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from dialer.qt import Qt, QtCore
from dialer.service.app import DialerService
from dialer.store.history import HistoryFilter, HistoryRow
from dialer.ui.history_model import HistoryModel
from dialer.ui.history_view import HistoryView
from tests.gui.conftest import run

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
DEMO_EMAIL = "demo@ringez.test"  # the sandbox's Ringez user
DEMO_PASSWORD = "ringez-demo-password"






@pytest.fixture
def service(loop: asyncio.AbstractEventLoop, qtbot: Any, dialer_home: Path) -> Iterator[DialerService]:
    svc = run(qtbot, DialerService.open(home=dialer_home))
    yield svc
    run(qtbot, svc.aclose())


def make_row(i: int, *, provider: str = "ringez", state: str = "completed", name: str | None = None,
             destination: str | None = None, started: datetime | None = None) -> HistoryRow:
    return HistoryRow(
        id=None, provider=provider, account_id=None, provider_call_id=None,
        destination=destination or f"+4420794{i % 100000:05d}", display_name=name, mode="bridge",
        origin="window", state=state, legs={"destination": state},
        started_at=started or NOW - timedelta(minutes=i), duration_s=65, cost=Decimal("0.12"),
        currency="USD", finished=True)


def seed(service: DialerService, rows: list[HistoryRow]) -> None:
    service.history.store.add_many(rows)


def visible_numbers(view: HistoryView) -> list[str]:
    view.model.fetch_all()
    return [view.model.row_at(r).destination for r in range(view.model.rowCount())]  # type: ignore[union-attr]


def test_model_fetches_a_page_at_a_time_at_10000_rows(service: DialerService) -> None:
    seed(service, [make_row(i) for i in range(10_000)])
    model = HistoryModel(service.history, page_size=200, max_cached_pages=5)
    assert model.rowCount() == 0 and model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == 200
    model.fetchMore()
    assert model.rowCount() == 400
    first = model.index(0, 1).data()
    assert "20 7940 0000" in first  # newest call first, number formatted for people
    model.fetch_all()
    assert model.rowCount() == 10_000
    assert not model.canFetchMore()
    assert model.cached_rows <= 5 * 200  # memory stays bounded: only a window of pages is kept
    # Rows scrolled out of the window are read back correctly.
    assert model.row_at(0).destination == "+442079400000"  # type: ignore[union-attr]
    assert model.row_at(9_999).destination == "+442079409999"  # type: ignore[union-attr]


def test_model_pages_through_calls_at_the_same_instant(service: DialerService) -> None:
    # Calls merged from a provider can share a start time; paging must neither skip nor repeat them.
    same = NOW - timedelta(hours=1)
    seed(service, [make_row(i, started=same if 3 <= i < 40 else None) for i in range(60)])
    expected = [r.id for r in service.history.page(0, 100)]
    model = HistoryModel(service.history, page_size=7, max_cached_pages=2)
    model.fetch_all()
    assert [model.row_at(r).id for r in range(model.rowCount())] == expected  # type: ignore[union-attr]
    # A date filter combines with the paging bound.
    flt = HistoryFilter(until=same + timedelta(microseconds=1))
    model.set_filter(flt)
    model.fetch_all()
    assert model.rowCount() == service.history.count(flt) == 37  # the 37 calls at or before that instant


def test_model_columns_are_plain_words(service: DialerService) -> None:
    seed(service, [make_row(0, state="no-answer", name="Alice", provider="ringcentral")])
    model = HistoryModel(service.history)
    model.fetchMore()
    cells = [model.index(0, c).data() for c in range(model.columnCount())]
    assert cells[1].startswith("Alice (")
    assert cells[2] == "RingCentral"
    assert cells[3] == "no answer"
    assert cells[4] == "1:05"
    assert cells[5] == "0.12 USD"


def test_filters_narrow_the_table(service: DialerService, qtbot: Any) -> None:
    seed(service, [
        make_row(1, provider="ringez", state="completed", name="Alice", destination="+442079460001"),
        make_row(2, provider="ringcentral", state="busy", name="Bob", destination="+442079460002"),
        make_row(3, provider="calledin", state="no-answer", destination="+442079460003",
                 started=NOW - timedelta(days=40)),
    ])
    view = HistoryView(service)
    qtbot.addWidget(view)
    assert view.model.rowCount() == 3

    view.provider_combo.setCurrentIndex(view.provider_combo.findData("ringcentral"))
    assert visible_numbers(view) == ["+442079460002"]
    view.provider_combo.setCurrentIndex(0)

    view.outcome_combo.setCurrentIndex(view.outcome_combo.findData("no-answer"))
    assert visible_numbers(view) == ["+442079460003"]
    view.outcome_combo.setCurrentIndex(0)

    view.since_date.setDate(QtCore.QDate(2026, 11, 1))
    view.since_check.setChecked(True)
    assert visible_numbers(view) == ["+442079460001", "+442079460002"]
    view.since_check.setChecked(False)

    qtbot.keyClicks(view.search_edit, "ali")
    qtbot.waitUntil(lambda: view.model.filter is not None and view.model.filter.text == "ali")
    assert visible_numbers(view) == ["+442079460001"]

    view.search_edit.setText("nobody")
    view.apply_filter()
    assert view.model.rowCount() == 0
    assert "No calls match" in view.status_label.text()


def test_call_back_emits_number_and_name(service: DialerService, qtbot: Any) -> None:
    seed(service, [make_row(1, name="Alice", destination="+442079460001"),
                   make_row(2, destination="+442079460002")])
    view = HistoryView(service)
    qtbot.addWidget(view)
    view.show()
    assert not view.call_back_button.isEnabled()
    view.table.selectRow(0)
    assert view.call_back_button.isEnabled()
    with qtbot.waitSignal(view.callRequested) as blocker:
        qtbot.mouseClick(view.call_back_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["+442079460001", "Alice"]

    rect = view.table.visualRect(view.model.index(1, 1))
    emitted: list[list[str]] = []
    view.callRequested.connect(lambda *args: emitted.append(list(args)))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert emitted == []  # a single click only selects
    qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert emitted == [["+442079460002", ""]]  # exactly one call per double-click

    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert emitted[-1] == ["+442079460002", ""] and len(emitted) == 2


def test_refresh_adds_new_calls_on_top_and_keeps_the_place(service: DialerService, qtbot: Any) -> None:
    seed(service, [make_row(i) for i in range(1_000)])
    view = HistoryView(service)
    qtbot.addWidget(view)
    view.resize(800, 400)
    view.show()
    view.model.fetch_all(limit=600)
    view.table.scrollTo(view.model.index(300, 0), view.table.ScrollHint.PositionAtTop)
    top_before = view.table.rowAt(0)
    number_at_top = view.model.row_at(top_before).destination  # type: ignore[union-attr]
    rows_before = view.model.rowCount()

    seed(service, [make_row(0, destination="+15550100001", started=NOW + timedelta(minutes=1))])
    view.refresh()
    assert view.model.rowCount() == rows_before + 1
    assert view.model.row_at(0).destination == "+15550100001"  # type: ignore[union-attr]
    assert view.model.row_at(view.table.rowAt(0)).destination == number_at_top  # type: ignore[union-attr]

    # A call that changes state in place is shown with its new outcome.
    first = view.model.row_at(0)
    assert first is not None and first.id is not None
    service.history.store.update(first.id, state="busy")
    assert view.refresh() is None
    assert view.model.index(0, 3).data() == "busy"


def test_export_csv_writes_the_filtered_calls(service: DialerService, qtbot: Any, tmp_path: Path) -> None:
    seed(service, [make_row(1, provider="ringez"), make_row(2, provider="ringcentral")])
    view = HistoryView(service)
    qtbot.addWidget(view)
    view.provider_combo.setCurrentIndex(view.provider_combo.findData("ringez"))
    target = tmp_path / "calls.csv"
    view.export_csv(str(target))
    qtbot.waitUntil(lambda: "Exported" in view.status_label.text() or "Could not" in view.status_label.text())
    assert "Exported" in view.status_label.text()
    lines = target.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2  # header + the one Ringez call
    assert view.model.filter == HistoryFilter(provider="ringez")


def test_sync_is_disabled_without_a_provider_history(service: DialerService, qtbot: Any) -> None:
    view = HistoryView(service)
    qtbot.addWidget(view)
    assert not view.sync_button.isEnabled()
    assert "history" in view.sync_button.toolTip()


def test_sync_from_provider_adds_calls_made_elsewhere(loop: asyncio.AbstractEventLoop, qtbot: Any,
                                                      dialer_home: Path, sandbox_url: str) -> None:
    # A call placed with the same Ringez account from another device (straight to the sandbox API).
    api = f"{sandbox_url}/api/v1"
    login = httpx.post(f"{api}/auth/login", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD}, timeout=5)
    session = {"X-Session-ID": login.json()["session_id"]}
    placed = httpx.post(f"{api}/calls/initiate", headers=session, timeout=5,
                        json={"to_number": "+442079460958", "mode": "direct"})
    assert placed.status_code == 200, placed.text

    svc = run(qtbot, DialerService.open(home=dialer_home))
    try:
        run(qtbot, svc.accounts.sign_in("ringez", {"email": DEMO_EMAIL, "password": DEMO_PASSWORD}))
        view = HistoryView(svc)
        qtbot.addWidget(view)
        assert view.sync_button.isEnabled()  # Ringez keeps a call history
        assert view.model.rowCount() == 0
        qtbot.mouseClick(view.sync_button, Qt.MouseButton.LeftButton)  # one account: no menu
        qtbot.waitUntil(lambda: "Added" in view.status_label.text() or "Could not" in view.status_label.text())
        assert view.status_label.text() == "Added 1 call from the provider."
        assert visible_numbers(view) == ["+442079460958"]
        assert view.sync_button.isEnabled() and not view.busy.isVisible()
    finally:
        run(qtbot, svc.aclose())


def test_many_qt_calls_do_not_abort_the_interpreter() -> None:
    # PySide6 6.12 on CPython 3.11 loses a reference to None per void Qt call; scrolling a long history
    # makes millions of them. dialer.qt guards against it; without the guard this child process aborts.
    code = ("import dialer.qt as qt\n"
            "from PySide6 import QtCore\n"
            "timer = QtCore.QTimer()\n"
            "for _ in range(50_000):\n"
            "    timer.stop()\n"
            "print('alive')\n")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "alive"

