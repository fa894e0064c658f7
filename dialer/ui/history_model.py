"""The call history as a lazy Qt table model that stays fast and small at a million rows.

Why it is shaped like this:

* ``rowCount`` is only what has been fetched so far; the view asks for more (``canFetchMore`` /
  ``fetchMore``) as the user scrolls, one page at a time. Nothing ever counts the whole table.
* Pages are fetched by *keyset* (``page_before(last row)``) when the service offers it, so the cost of a page
  does not grow with its depth; an ``offset`` query is the fallback.
* Only a window of pages is kept (least recently used); a page scrolled out of the window is dropped and
  read again if the user scrolls back. Memory stays bounded however far the user scrolls.
* Each row's cells are rendered to strings once, the first time the row is shown (not on every paint,
  and not for the rows that are only scrolled past).
* :meth:`refresh` (called by the shell on call events) inserts new calls at the top with
  ``beginInsertRows`` and re-reads changed rows, so the view keeps its place.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from dialer.core import numbers
from dialer.core.calls import LegState
from dialer.qt import Qt, QtCore
from dialer.store.history import HistoryFilter, HistoryRow

PAGE_SIZE = 200
MAX_CACHED_PAGES = 12  # 2,400 rows with the default page size: many screens' worth

PROVIDER_NAMES = {
    "ringez": "Ringez",
    "ringcentral": "RingCentral",
    "calledin": "Called.in",
    "ringostat": "Ringostat",
}

HISTORY_ROW_ROLE = int(Qt.ItemDataRole.UserRole) + 1  # the HistoryRow itself
NUMBER_ROLE = int(Qt.ItemDataRole.UserRole) + 2  # the number to call back (E.164)
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_ROLES = frozenset({_DISPLAY, _ACCESSIBLE, _TOOLTIP, HISTORY_ROW_ROLE, NUMBER_ROLE})
_ALIGN_RIGHT = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)
_ALIGN_LEFT = int((Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter).value)


class Column:
    TIME = 0
    NAME = 1
    PROVIDER = 2
    OUTCOME = 3
    DURATION = 4
    COST = 5


HEADERS = ("Time", "Name / number", "Provider", "Outcome", "Duration", "Cost")
_RIGHT = {Column.DURATION, Column.COST}


def provider_name(provider_id: str) -> str:
    return PROVIDER_NAMES.get(provider_id, provider_id.capitalize())


def outcome_words(row: HistoryRow) -> str:
    """Plain words for how the call went (``no answer``, ``completed``...), plus ``(in progress)``."""
    try:
        state = LegState(row.state)
    except ValueError:
        return row.state
    words = state.label
    if (state is LegState.UNKNOWN and row.finished and not row.error
            and (row.legs or {}).get("self") == LegState.COMPLETED.value):
        return "ended (destination not reported)"  # e.g. a Ringez bridge call: only your leg is reported
    if not row.finished and not state.is_terminal:
        words += " (in progress)"
    return words


def format_duration(seconds: int | None) -> str:
    if seconds is None:
        return ""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_time(when: datetime) -> str:
    local = when.astimezone()
    return local.strftime("%Y-%m-%d %H:%M")


@functools.lru_cache(maxsize=4096)  # a history repeats the same few numbers; formatting costs ~0.1 ms
def format_number(e164: str) -> str:
    try:
        return numbers.format_international(e164)
    except ValueError:
        return e164


def format_cost(row: HistoryRow) -> str:
    if row.cost is None:
        return ""
    return f"{row.cost:.2f} {row.currency or ''}".strip()


@dataclass(frozen=True)
class _Cursor:
    """Where a page starts, for keyset paging: the sort key of the row just above it."""

    started_at: datetime
    id: int | None


@dataclass(frozen=True)
class _Rendered:
    row: HistoryRow
    cells: tuple[str, ...]
    tooltip: str


def _render(row: HistoryRow) -> _Rendered:
    number = format_number(row.destination)
    name = f"{row.display_name} ({number})" if row.display_name else number
    cells = (format_time(row.started_at), name, provider_name(row.provider), outcome_words(row),
             format_duration(row.duration_s), format_cost(row))
    tooltip = row.error or ""
    return _Rendered(row, cells, tooltip)


class _Page:
    """One page of rows, rendered to display strings row by row on first use."""

    __slots__ = ("_rendered", "rows")

    def __init__(self, rows: list[HistoryRow]) -> None:
        self.rows = rows
        self._rendered: list[_Rendered | None] = [None] * len(rows)

    def rendered(self, within: int) -> _Rendered | None:
        if within >= len(self.rows):
            return None
        item = self._rendered[within]
        if item is None:
            item = self._rendered[within] = _render(self.rows[within])
        return item


class HistoryModel(QtCore.QAbstractTableModel):
    """Call history, newest first, fetched page by page from ``history`` (the service's HistoryService)."""

    def __init__(self, history: Any, flt: HistoryFilter | None = None, *, page_size: int = PAGE_SIZE,
                 max_cached_pages: int = MAX_CACHED_PAGES, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._history = history
        self._filter = flt
        self._page_size = page_size
        self._max_pages = max(2, max_cached_pages)
        self._pages: OrderedDict[int, _Page] = OrderedDict()
        self._cursors: dict[int, _Cursor | None] = {0: None}  # page index -> the row above it
        self._fetched = 0
        self._exhausted = False
        self._tail: _Cursor | None = None  # the last fetched row: where the next fetchMore starts
        self._top_id: int | None = None  # the first row: refresh() finds new calls above it

    # ------------------------------------------------------------------------------------------ paging

    def _read(self, cursor: _Cursor | None, offset: int, limit: int) -> list[HistoryRow]:
        """``limit`` rows starting at ``cursor`` (keyset) when known, else at ``offset``."""
        if cursor is None and offset > 0:
            return list(self._history.page(offset, limit, self._filter))
        page_before: Callable[..., Sequence[HistoryRow]] | None = getattr(self._history, "page_before", None)
        if page_before is not None:
            return list(page_before(cursor, limit, self._filter))
        if cursor is None:
            return list(self._history.page(0, limit, self._filter))
        return self._read_older_than(cursor, limit)

    def _read_older_than(self, cursor: _Cursor, limit: int) -> list[HistoryRow]:
        """Keyset paging through the filter: the calls that sort after ``cursor``, from offset 0.

        ``until`` = just after the cursor's time narrows the index range so the cost does not grow with
        depth; calls at exactly the cursor's time are then filtered by id (the order's tie-breaker).
        """
        base = self._filter or HistoryFilter()
        bound = cursor.started_at + timedelta(microseconds=1)
        flt = replace(base, until=bound if base.until is None or bound < base.until else base.until)
        cursor_id = cursor.id or 0
        want = limit + 16
        while True:
            rows = list(self._history.page(0, want, flt))
            after = [r for r in rows if r.started_at < cursor.started_at or (r.id or 0) < cursor_id]
            if len(after) >= limit or len(rows) < want:
                return after[:limit]
            want *= 4  # many calls share the cursor's exact time: read further

    def _store(self, index: int, rows: Sequence[HistoryRow]) -> _Page:
        page = _Page(list(rows))
        self._pages[index] = page
        self._pages.move_to_end(index)
        while len(self._pages) > self._max_pages:
            self._pages.popitem(last=False)
        if rows and len(rows) == self._page_size:
            self._cursors[index + 1] = _Cursor(rows[-1].started_at, rows[-1].id)
        return page

    def _page(self, index: int) -> _Page:
        page = self._pages.get(index)
        if page is not None:
            self._pages.move_to_end(index)
            return page
        offset = index * self._page_size
        rows = self._read(self._cursors.get(index), offset, self._page_size)
        return self._store(index, rows)

    def _rendered(self, row: int) -> _Rendered | None:
        if row < 0 or row >= self._fetched:
            return None
        return self._page(row // self._page_size).rendered(row % self._page_size)

    # ----------------------------------------------------------------------------- fetch-more protocol

    def canFetchMore(self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex = QtCore.QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex = QtCore.QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._exhausted:
            return
        start = self._fetched
        need = self._page_size - start % self._page_size  # a whole page, or what realigns after refresh()
        rows = self._read(self._tail, start, need) if start else self._read(None, 0, need)
        if len(rows) < need:
            self._exhausted = True
        if not rows:
            return
        self.beginInsertRows(QtCore.QModelIndex(), start, start + len(rows) - 1)
        if start % self._page_size == 0:
            self._store(start // self._page_size, rows)
        self._fetched += len(rows)
        self._tail = _Cursor(rows[-1].started_at, rows[-1].id)
        if self._fetched % self._page_size == 0:
            self._cursors[self._fetched // self._page_size] = self._tail
        if self._top_id is None:
            self._top_id = rows[0].id
        self.endInsertRows()

    def fetch_all(self, limit: int | None = None) -> None:
        """Fetch until the end (or ``limit`` rows): what scrolling to the bottom does, page by page."""
        while self.canFetchMore() and (limit is None or self._fetched < limit):
            self.fetchMore()

    # ------------------------------------------------------------------------------------------- model

    def rowCount(self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex = QtCore.QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._fetched

    def columnCount(self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex = QtCore.QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section] if 0 <= section < len(HEADERS) else None
        return None

    def data(self, index: QtCore.QModelIndex | QtCore.QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called about a thousand times per paint: plain int comparisons, no enum arithmetic.
        role = int(role)
        if role == _ALIGN:
            return _ALIGN_RIGHT if index.column() in _RIGHT else _ALIGN_LEFT
        if role not in _ROLES or not index.isValid():
            return None
        item = self._rendered(index.row())
        if item is None:
            return None
        if role in (_DISPLAY, _ACCESSIBLE):
            return item.cells[index.column()]
        if role == _TOOLTIP:
            return item.tooltip or None
        if role == HISTORY_ROW_ROLE:
            return item.row
        return item.row.destination

    # ------------------------------------------------------------------------------------- public API

    @property
    def filter(self) -> HistoryFilter | None:
        return self._filter

    @property
    def cached_rows(self) -> int:
        """How many rows are held in memory right now (bounded by the page window)."""
        return sum(len(p.rows) for p in self._pages.values())

    def row_at(self, row: int) -> HistoryRow | None:
        item = self._rendered(row)
        return item.row if item else None

    def set_filter(self, flt: HistoryFilter | None) -> None:
        """Show only the calls matching ``flt``; starts again from the newest."""
        self._filter = flt
        self.reload()

    def reload(self) -> None:
        """Forget everything and fetch the first page again."""
        self.beginResetModel()
        self._clear()
        self.endResetModel()
        self.fetchMore()

    def _clear(self) -> None:
        self._pages.clear()
        self._cursors = {0: None}
        self._fetched = 0
        self._exhausted = False
        self._tail = None
        self._top_id = None

    def refresh(self) -> int:
        """Pick up new and changed calls. New calls are inserted at the top; returns how many.

        The rows already fetched stay fetched (so the view keeps its scroll position); their text is read
        again lazily, only for the rows on screen.
        """
        if self._fetched == 0:
            self.reload()
            return self._fetched
        head = self._read(None, 0, self._page_size)
        ids = [r.id for r in head]
        if self._top_id not in ids:
            # More new calls than a page, or history was cleared: start again.
            keep = self._fetched
            self.reload()
            while self.canFetchMore() and self._fetched < keep:
                self.fetchMore()
            return 0
        new = ids.index(self._top_id)
        self._pages.clear()
        if new:  # every page boundary moved down: forget the keyset cursors (offset reads until refetched)
            self._cursors = {0: None}
            self.beginInsertRows(QtCore.QModelIndex(), 0, new - 1)
            self._fetched += new
            self._top_id = head[0].id
            self._store(0, head)
            self.endInsertRows()
        else:
            self._store(0, head)
        if self._fetched:
            self.dataChanged.emit(self.index(0, 0), self.index(self._fetched - 1, len(HEADERS) - 1))
        return new
