"""Choosing the caller ID the person you call sees: one account's list (RingCentral) or free entry (Called.in).

:class:`CallerIdField` is a combo box plus a note line (``hint``, placed by the owner). Its list comes from the provider over the network,
so :meth:`CallerIdField.load` runs the fetch in the background (the combo shows the saved choice meanwhile)
and a failure is shown in the hint, leaving free entry open: nothing blocks, nothing is lost.
``value()`` is "" for "the provider's default" (no caller ID is sent), else the number as chosen or typed.
"""

from __future__ import annotations

from dialer.qt import QtWidgets, Signal
from dialer.ui import LazyLogger

TYPE_CHECKING = False  # not typing's: this module is on the first-paint path (dialer.ui docstring)
if TYPE_CHECKING:
    import asyncio
    from collections.abc import Awaitable, Callable, Coroutine
    from typing import Any

    from dialer.providers.base import CallerIdChoices

log: Any = LazyLogger(__name__)  # asyncio and logging load after the first paint (~30 ms), so both are lazy
DEFAULT_TEXT = "Provider's default"
LOADING_TEXT = "Loading your numbers…"


class CallerIdField(QtWidgets.QWidget):
    """A caller-ID chooser for one account; see the module docstring."""

    loaded = Signal()  # the list arrived (or failed): tests and screenshots wait for it
    edited = Signal(str)

    def __init__(self, parent: QtWidgets.QWidget | None = None, *, accessible_name: str = "Caller ID") -> None:
        super().__init__(parent)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.combo = QtWidgets.QComboBox(self)
        self.combo.setAccessibleName(accessible_name)
        self.combo.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(16)
        self.combo.currentIndexChanged.connect(lambda _i: self.edited.emit(self.value()))
        layout.addWidget(self.combo)
        # The note is laid out by the owner, as a row of its own form (a word-wrapped label nested in
        # this widget's layout would be clipped: QFormLayout does not pass height-for-width down).
        self.hint = QtWidgets.QLabel(parent)
        self.hint.setAccessibleName(f"{accessible_name} note")
        self.hint.setProperty("role", "muted")
        self.hint.setWordWrap(True)
        self.hint.hide()
        self._saved: str | None = None
        self._free_entry = False
        self._task: asyncio.Future[None] | None = None
        # The widget may be deleted (dialog closed) while its list loads: the task is cancelled then, and
        # never touches the deleted widget (the holder is plain Python, alive after the C++ object).
        self._life = WidgetLife()
        self.destroyed.connect(self._life.end)
        self._fill([], saved=None, free_entry=False)

    # -- values ---------------------------------------------------------------------------------------
    def value(self) -> str:
        """"" for the provider's default, else the chosen or typed number."""
        if self.combo.isEditable():
            text = self.combo.currentText().strip()
            return "" if text == DEFAULT_TEXT else text
        data = self.combo.currentData()
        return str(data) if data else ""

    def set_saved(self, number: str | None) -> None:
        """Select ``number`` (the saved default), adding it when the list does not have it (yet)."""
        self._saved = number or None
        self._select(self._saved)

    @property
    def free_entry(self) -> bool:
        return self._free_entry

    # -- loading --------------------------------------------------------------------------------------
    def load(self, fetch: Callable[[], Awaitable[CallerIdChoices]], saved: str | None, *,
             spawn: Callable[[Coroutine[Any, Any, None]], asyncio.Future[None]] | None = None,
             ) -> asyncio.Future[None]:
        """Fetch the choices in the background; meanwhile the saved choice is shown. ``spawn`` runs the
        fetch (the window passes its service bridge's, so closing the window cancels it)."""
        import asyncio

        spawn = spawn or asyncio.ensure_future
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._saved = saved or None
        self._fill([], saved=self._saved, free_entry=False)
        self._show_hint(LOADING_TEXT)
        self._task = spawn(self._load(fetch))
        self._life.task = self._task
        return self._task

    async def _load(self, fetch: Callable[[], Awaitable[CallerIdChoices]]) -> None:
        import asyncio

        from dialer.ui.background import error_text

        life = self._life
        try:
            choices = await fetch()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # shown in place; free entry stays open so nothing is lost
            log.info("caller IDs could not be listed: %s", exc)
            if not life.alive:
                return
            self._fill([], saved=self._saved, free_entry=True)
            self._show_hint(f"⚠ Could not list your numbers: {error_text(exc)} You can type one.", error=True)
            self.loaded.emit()
            return
        if not life.alive:
            return
        from dialer.core import numbers  # here: this module is on the first-paint path

        entries = [(c.number, f"{numbers.format_international(c.number)}  {c.label}".rstrip())
                   for c in choices.numbers]
        self._fill(entries, saved=self._saved, free_entry=choices.free_entry)
        self._show_hint(choices.note)
        self.loaded.emit()

    # -- view -----------------------------------------------------------------------------------------
    def _fill(self, entries: list[tuple[str, str]], *, saved: str | None, free_entry: bool) -> None:
        self._free_entry = free_entry
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.setEditable(free_entry)
        if free_entry:
            line = self.combo.lineEdit()
            if line is not None:
                line.setPlaceholderText(f"{DEFAULT_TEXT} (or type a number, e.g. +1 202 555 0111)")
        self.combo.addItem(DEFAULT_TEXT, "")
        for number, text in entries:
            self.combo.addItem(text, number)
        self.combo.blockSignals(False)
        self._select(saved)

    def _select(self, number: str | None) -> None:
        self.combo.blockSignals(True)
        if not number:
            self.combo.setCurrentIndex(0)
            if self.combo.isEditable():
                self.combo.setEditText("")
        else:
            index = self.combo.findData(number)
            if index < 0:
                self.combo.addItem(number, number)
                index = self.combo.count() - 1
            self.combo.setCurrentIndex(index)
        self.combo.blockSignals(False)

    def _show_hint(self, text: str, *, error: bool = False) -> None:
        self.hint.setProperty("role", "warning" if error else "muted")
        self.hint.style().unpolish(self.hint)
        self.hint.style().polish(self.hint)
        self.hint.setText(text)
        self.hint.setVisible(bool(text) and not self.isHidden())
        window = self.window()
        if isinstance(window, QtWidgets.QDialog) and window.isVisible():
            # A dialog grows for a longer note rather than squeeze it (its minimum size ignores wrapping).
            layout = window.layout()
            if layout is not None:
                layout.activate()
            needed = window.heightForWidth(window.width())
            if needed > window.height():
                window.resize(window.width(), needed)


class WidgetLife:
    """Whether a widget still exists, and its loading task (cancelled when it goes): connect the widget's
    ``destroyed`` to :meth:`end`; a coroutine checks ``alive`` after each await before touching it."""

    def __init__(self) -> None:
        self.alive = True
        self.task: asyncio.Future[None] | None = None

    def end(self, *_args: object) -> None:
        self.alive = False
        if self.task is not None and not self.task.done():
            self.task.cancel()
