"""The history tab: a lazy table of past calls with filters, call back, CSV export and provider sync.

The table is a :class:`~dialer.ui.history_model.HistoryModel`; filter controls rebuild its
``HistoryFilter`` (the search box after a short pause in typing, so a fast typist costs one query).
Network and file work (export, sync) is awaited on the qasync loop, never blocking the window.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from dialer.core.calls import LegState
from dialer.i18n import _, ngettext
from dialer.qt import Qt, QtCore, QtGui, QTimer, QtWidgets, Signal
from dialer.store.history import HistoryFilter
from dialer.ui import blink, theme
from dialer.ui.background import BackgroundSteps, error_text
from dialer.ui.history_model import PROVIDER_NAMES, HistoryModel

log = logging.getLogger(__name__)

SEARCH_PAUSE_MS = 250
_OUTCOMES = [LegState.COMPLETED, LegState.ANSWERED, LegState.NO_ANSWER, LegState.BUSY, LegState.REJECTED,
             LegState.FAILED, LegState.CANCELED, LegState.RINGING, LegState.QUEUED, LegState.UNKNOWN]

def _error_style() -> str:
    """Red that keeps its contrast in the current look (light or dark)."""
    return f"color: {theme.accents().hangup};"




class HistoryView(QtWidgets.QWidget, BackgroundSteps):
    """Past calls. ``callRequested(number, display_name)`` asks the shell to call a number back."""

    callRequested = Signal(str, str)

    def __init__(self, service: Any, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self.setObjectName("historyView")
        self.setAccessibleName(_("Call history"))

        # -- filters
        self.search_edit = QtWidgets.QLineEdit()
        blink.keep_alive(self.search_edit)  # steady caret when idle (dialer.ui.blink)
        self.search_edit.setPlaceholderText(_("Search name or number"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setAccessibleName(_("Search history"))
        self.provider_combo = QtWidgets.QComboBox()
        self.provider_combo.setAccessibleName(_("Filter by provider"))
        self.provider_combo.addItem(_("All providers"), None)
        for provider_id, name in PROVIDER_NAMES.items():
            self.provider_combo.addItem(name, provider_id)
        self.outcome_combo = QtWidgets.QComboBox()
        self.outcome_combo.setAccessibleName(_("Filter by outcome"))
        self.outcome_combo.addItem(_("Any outcome"), None)
        for state in _OUTCOMES:
            self.outcome_combo.addItem(_(state.label).capitalize(), state.value)
        today = QtCore.QDate.currentDate()
        self.since_check = QtWidgets.QCheckBox(_("From"))
        self.since_check.setAccessibleName(_("Only calls from a date"))
        self.since_date = QtWidgets.QDateEdit(today.addDays(-30))
        self.since_date.setAccessibleName(_("First day"))
        self.until_check = QtWidgets.QCheckBox(_("To"))
        self.until_check.setAccessibleName(_("Only calls up to a date"))
        self.until_date = QtWidgets.QDateEdit(today)
        self.until_date.setAccessibleName(_("Last day"))
        for edit in (self.since_date, self.until_date):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)

        # -- table
        self.model = HistoryModel(service.history, parent=self)
        self.table = QtWidgets.QTableView()
        self.table.setObjectName("historyTable")
        self.table.setAccessibleName(_("Calls, newest first"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.verticalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(1, QtWidgets.QHeaderView.ResizeMode.Stretch)
        # Widths from the font (not from the rows: a million-row model must not be measured), so the
        # name/number column gets the rest.
        metrics = self.fontMetrics()
        samples = ((0, "2026-12-31 23:59"), (2, "RingCentral"), (3, "no answer"), (4, "00:00"), (5, "0.00 USD"))
        for column, sample in samples:
            header.resizeSection(column, metrics.horizontalAdvance(sample) + 18)

        # -- actions
        self.call_back_button = QtWidgets.QPushButton(_("&Call back"))
        self.call_back_button.setAccessibleName(_("Call back the selected number"))
        self.call_back_button.setEnabled(False)
        self.export_button = QtWidgets.QPushButton(_("&Export CSV…"))
        self.export_button.setAccessibleName(_("Export history as CSV"))
        self.sync_button = QtWidgets.QPushButton(_("&Sync from provider"))
        self.sync_button.setAccessibleName(_("Fetch calls from the provider's own history"))
        self.sync_menu = QtWidgets.QMenu(self.sync_button)
        self.busy = QtWidgets.QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.setAccessibleName(_("Working"))
        self.busy.hide()
        self.status_label = QtWidgets.QLabel()
        self.status_label.setObjectName("historyStatus")
        self.status_label.setWordWrap(True)
        self.status_label.setAccessibleName(_("History status"))
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label.hide()

        filters = QtWidgets.QHBoxLayout()
        filters.addWidget(self.provider_combo)
        filters.addWidget(self.outcome_combo)
        filters.addWidget(self.since_check)
        filters.addWidget(self.since_date)
        filters.addWidget(self.until_check)
        filters.addWidget(self.until_date)
        actions = QtWidgets.QHBoxLayout()
        actions.addWidget(self.call_back_button)
        actions.addStretch(1)
        actions.addWidget(self.busy)
        actions.addWidget(self.sync_button)
        actions.addWidget(self.export_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.search_edit)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status_label)
        layout.addLayout(actions)
        for first, second in ((self.search_edit, self.provider_combo), (self.provider_combo, self.outcome_combo),
                              (self.outcome_combo, self.since_check), (self.since_check, self.since_date),
                              (self.since_date, self.until_check), (self.until_check, self.until_date),
                              (self.until_date, self.table), (self.table, self.call_back_button),
                              (self.call_back_button, self.sync_button), (self.sync_button, self.export_button)):
            QtWidgets.QWidget.setTabOrder(first, second)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_PAUSE_MS)
        self._search_timer.timeout.connect(self.apply_filter)
        self.search_edit.textChanged.connect(self._search_timer.start)
        self.search_edit.returnPressed.connect(self.apply_filter)
        self.provider_combo.currentIndexChanged.connect(self.apply_filter)
        self.outcome_combo.currentIndexChanged.connect(self.apply_filter)
        self.since_check.toggled.connect(self.since_date.setEnabled)
        self.until_check.toggled.connect(self.until_date.setEnabled)
        for signal in (self.since_check.toggled, self.until_check.toggled, self.since_date.dateChanged,
                       self.until_date.dateChanged):
            signal.connect(self.apply_filter)
        self.table.doubleClicked.connect(self._on_double_click)
        # Double-click or Enter calls; not ``activated``, which some desktops fire on a single click and
        # which also fires on double-click (one gesture must never place two calls).
        self.table.installEventFilter(self)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.model.modelReset.connect(self._update_buttons)
        self.call_back_button.clicked.connect(self.call_back)
        self.export_button.clicked.connect(self._choose_export_path)
        self.sync_button.clicked.connect(self._on_sync_clicked)

        self.model.fetchMore()
        self._update_sync_button()

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if (watched is self.table and event.type() == QtCore.QEvent.Type.KeyPress
                and isinstance(event, QtGui.QKeyEvent)
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)):
            self.call_back()
            return True
        return super().eventFilter(watched, event)

    # ---------------------------------------------------------------------------------------- filters

    def focus_search(self) -> None:
        """Put the cursor in the search box (the shell's Ctrl+F; no shortcut here, to avoid ambiguity)."""
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def current_filter(self) -> HistoryFilter:
        since = until = None
        if self.since_check.isChecked():
            since = _local_midnight(self.since_date.date())
        if self.until_check.isChecked():
            until = _local_midnight(self.until_date.date()) + timedelta(days=1)
        text = self.search_edit.text().strip() or None
        return HistoryFilter(provider=self.provider_combo.currentData(), state=self.outcome_combo.currentData(),
                             since=since, until=until, text=text)

    def apply_filter(self) -> None:
        self._search_timer.stop()
        flt = self.current_filter()
        if flt != self.model.filter:
            self.model.set_filter(flt)
            self.table.scrollToTop()
        self._show_empty_hint()

    def _show_empty_hint(self) -> None:
        if self.model.rowCount() == 0:
            empty = self.model.filter in (None, HistoryFilter())
            self.status_label.setText(_("No calls yet.") if empty else _("No calls match these filters."))
        elif self.status_label.property("kind") != "message":
            self.status_label.clear()
        self.status_label.setVisible(bool(self.status_label.text()))

    # ------------------------------------------------------------------------------------------ refresh

    def refresh(self) -> None:
        """Pick up new or changed calls (the shell calls this on call events), keeping the scroll place."""
        bar = self.table.verticalScrollBar()
        position = bar.value()
        selected = self.selected_row_index()
        new = self.model.refresh()
        if position > 0 and new:
            bar.setValue(position + new)
        if selected is not None and new:
            self.table.selectRow(selected + new)
        self._show_empty_hint()
        self._update_sync_button()

    def select_call(self, history_id: int, *, within: int = 200) -> bool:
        """Select (and scroll to) the call with this history id among the newest ``within`` rows.

        A notification's click lands here: the call just ended, so it is at the top unless a filter hides it;
        then the filter is cleared first.
        """
        self.refresh()
        for attempt in range(2):
            for row in range(min(self.model.rowCount(), within)):
                found = self.model.row_at(row)
                if found is not None and found.id == history_id:
                    self.table.selectRow(row)
                    self.table.scrollTo(self.model.index(row, 0))
                    return True
            if attempt == 0 and self.search_edit.text():
                self.search_edit.clear()
                self.apply_filter()
        return False

    # ------------------------------------------------------------------------------------------ call back

    def selected_row_index(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def _update_buttons(self) -> None:
        self.call_back_button.setEnabled(self.selected_row_index() is not None)

    def _on_double_click(self, index: QtCore.QModelIndex) -> None:
        self._call_row(index.row())

    def call_back(self) -> None:
        row = self.selected_row_index()
        if row is not None:
            self._call_row(row)

    def _call_row(self, row: int) -> None:
        item = self.model.row_at(row)
        if item is not None:
            self.callRequested.emit(item.destination, item.display_name or "")

    # ------------------------------------------------------------------------------------------ export

    def _choose_export_path(self) -> None:
        path, _kind = QtWidgets.QFileDialog.getSaveFileName(self, _("Export call history"), "call-history.csv",
                                                            _("CSV files (*.csv)"))
        if path:
            self.export_csv(path)

    def export_csv(self, path: str) -> asyncio.Future[None]:
        """Write the calls matching the current filters to ``path`` as CSV."""
        self._set_busy(True)
        return self._start(self._export(path))

    async def _export(self, path: str) -> None:
        try:
            await self._service.history.export_csv(path, self.model.filter)
        except Exception as exc:
            self._message(_("Could not export the history: {error}").format(error=error_text(exc)), error=True)
        else:
            self._message(_("Exported the calls shown to {path}.").format(path=path))
        finally:
            self._set_busy(False)

    # -------------------------------------------------------------------------------------------- sync

    def _sync_accounts(self) -> list[Any]:
        try:
            accounts = list(self._service.accounts.list())
        except Exception:
            return []
        return [a for a in accounts
                if getattr(a, "signed_in", True) and getattr(a.capabilities, "server_history", False)]

    def _update_sync_button(self) -> None:
        accounts = self._sync_accounts()
        self.sync_button.setEnabled(bool(accounts))
        self.sync_button.setToolTip("" if accounts else
                                    _("None of your signed-in providers keeps a call history to fetch."))

    def _on_sync_clicked(self) -> None:
        """One account: sync it. Several: a menu to pick which (not a blocking exec)."""
        accounts = self._sync_accounts()
        if len(accounts) == 1:
            self.sync(accounts[0].id)
        elif accounts:
            self._fill_sync_menu(accounts)
            self.sync_menu.popup(self.sync_button.mapToGlobal(self.sync_button.rect().bottomLeft()))

    def _fill_sync_menu(self, accounts: list[Any]) -> None:
        self.sync_menu.clear()
        for account in accounts:
            action = self.sync_menu.addAction(f"{account.capabilities.display_name}: {account.label}")
            action.triggered.connect(lambda _checked=False, account_id=account.id: self.sync(account_id))

    def sync(self, account_id: int) -> asyncio.Future[None]:
        """Fetch the provider's own call log for one account and merge it into history."""
        self._set_busy(True)
        return self._start(self._sync(account_id))

    async def _sync(self, account_id: int) -> None:
        try:
            added = await self._service.history.sync_server_history(account_id)
        except Exception as exc:
            self._message(_("Could not fetch the provider's history: {error}").format(error=error_text(exc)), error=True)
        else:
            count = added if isinstance(added, int) else None
            self.model.reload()
            self._message(_("History is up to date.") if not count else
                          ngettext("Added {count} call from the provider.", "Added {count} calls from the provider.",
                                   count).format(count=count))
        finally:
            self._set_busy(False)

    # ------------------------------------------------------------------------------------------ helpers

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.export_button.setEnabled(not busy)
        if busy:
            self.sync_button.setEnabled(False)
        else:
            self._update_sync_button()

    def _message(self, text: str, *, error: bool = False) -> None:
        self.status_label.setProperty("kind", "message")
        self.status_label.setStyleSheet(_error_style() if error else "")
        self.status_label.setText(text)
        self.status_label.setVisible(bool(text))


def _local_midnight(date: QtCore.QDate) -> datetime:
    local = datetime(date.year(), date.month(), date.day()).astimezone()
    return local.astimezone(UTC)
