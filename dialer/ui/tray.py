"""The tray icon: quick call, favourites, recent numbers, the clipboard's number, show/hide, quit.

Optional: only built when :func:`available` (offscreen and many Wayland shells have no tray). The menu is
rebuilt each time it opens, from ``service.contacts.favourites()`` and ``service.history.recent_numbers``,
so it never shows stale entries. Nothing here places a call: every entry emits a request that the app
sends through the confirmation (origin TRAY or CLIPBOARD).

Tests build :class:`Tray` without a tray (the icon is never shown then) and drive its menu directly.
"""

from __future__ import annotations

import logging
from typing import Any

from dialer.i18n import _
from dialer.qt import QtCore, QtGui, QtWidgets, Signal

log = logging.getLogger(__name__)

RECENT_COUNT = 5
NOTIFY_MS = 8000


def available() -> bool:
    """Whether the desktop shows tray icons now (False offscreen)."""
    return bool(QtWidgets.QSystemTrayIcon.isSystemTrayAvailable())


def _shown_number(e164: str) -> str:
    try:
        from dialer.core import numbers

        return numbers.format_international(e164)
    except (ImportError, ValueError):
        return e164


def outcome_message(active: Any) -> tuple[str, str]:
    """(title, text) of the notification when a call ends, in plain words."""
    plan = active.plan
    who = getattr(plan, "display_name", None) or (
        plan.info.international if getattr(plan, "info", None) is not None else plan.destination)
    outcome = active.outcome or "ended"
    text = f"{who}: {outcome}"
    if active.duration_s:
        minutes, seconds = divmod(int(active.duration_s), 60)
        text += f" after {minutes}:{seconds:02d}"
    if active.error:
        text += f". {active.error}"
    return "Call ended", text


class Tray(QtCore.QObject):
    """The icon and its menu. Emits requests; the app (``dialer.ui.app.AppController``) acts on them."""

    quickCallRequested = Signal()
    clipboardCallRequested = Signal()
    callRequested = Signal(str, str)  # number (E.164), name ("" when unknown)
    toggleWindowRequested = Signal()
    quitRequested = Signal()

    def __init__(self, service: Any, window: QtWidgets.QWidget, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        from dialer.ui import icons

        self.service = service
        self.window = window
        self.last_notification: tuple[str, str] | None = None
        self.menu = QtWidgets.QMenu()
        self.menu.setObjectName("trayMenu")
        self.menu.setAccessibleName(_("Dialer tray menu"))
        self.menu.aboutToShow.connect(self.rebuild_menu)
        self.icon = QtWidgets.QSystemTrayIcon(icons.app_icon(), self)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._on_activated)
        self.icon.setToolTip(_("Dialer"))
        self.rebuild_menu()

    # ------------------------------------------------------------------------------------- icon
    def show(self) -> None:
        if available():
            self.icon.show()

    def close(self) -> None:
        """Remove the icon and its menu (at quit)."""
        self.icon.hide()
        self.menu.close()
        self.menu.deleteLater()

    def is_visible(self) -> bool:
        return bool(self.icon.isVisible())

    def shows_icon(self) -> bool:
        """Whether the user can see something to click: the icon is shown and has a picture."""
        return self.is_visible() and not self.icon.icon().isNull()

    def _on_activated(self, reason: QtWidgets.QSystemTrayIcon.ActivationReason) -> None:
        Reason = QtWidgets.QSystemTrayIcon.ActivationReason
        if reason in (Reason.Trigger, Reason.DoubleClick):  # a left click shows or hides the window
            self.toggleWindowRequested.emit()
        elif reason == Reason.MiddleClick:
            self.quickCallRequested.emit()

    def set_status(self, balance: str, call: str | None) -> None:
        """The tooltip: the balance line, and the call in progress if any."""
        lines = [_("Dialer")]
        if call:
            lines.append(_("In a call with {name}").format(name=call))
        if balance:
            lines.append(balance)
        self.icon.setToolTip("\n".join(lines))

    def tooltip(self) -> str:
        return str(self.icon.toolTip())

    def notify(self, title: str, text: str) -> None:
        """A desktop notification from the icon (a no-op when the icon is not shown)."""
        log.info("Tray notification: %s", title)
        self.last_notification = (title, text)
        if self.icon.isVisible() and self.icon.supportsMessages():
            self.icon.showMessage(title, text, QtWidgets.QSystemTrayIcon.MessageIcon.Information, NOTIFY_MS)

    # ------------------------------------------------------------------------------------- menu
    def rebuild_menu(self) -> None:
        """Build the menu from the current favourites, recent numbers and window state."""
        menu = self.menu
        menu.clear()
        quick = menu.addAction(_("Quick call…"))
        quick.setObjectName("trayQuickCall")
        quick.triggered.connect(self.quickCallRequested)

        favourites = menu.addMenu(_("Favourites"))
        favourites.setObjectName("trayFavourites")
        for contact in self._favourites():
            for number in contact.numbers[:3]:
                e164 = getattr(number, "e164", None) or getattr(number, "raw", "")
                if not e164:
                    continue
                label = f"{contact.name} — {_shown_number(e164)}"
                if len(contact.numbers) > 1 and number.label:
                    label += f" ({number.label})"
                self._call_action(favourites, label, e164, contact.name)
        if favourites.isEmpty():
            none = favourites.addAction(_("No favourites yet (star a contact)"))
            none.setEnabled(False)

        recent = self._recent()
        if recent:
            menu.addSection(_("Recent"))
            for e164 in recent:
                name = self._name_for(e164)
                label = f"{name} — {_shown_number(e164)}" if name else _shown_number(e164)
                self._call_action(menu, label, e164, name or "")

        menu.addSeparator()
        clip = menu.addAction(_("Call number in clipboard"))
        clip.setObjectName("trayClipboard")
        clip.triggered.connect(self.clipboardCallRequested)
        menu.addSeparator()
        shown = self.window.isVisible() and not self.window.isMinimized()
        toggle = menu.addAction(_("Hide window") if shown else _("Show window"))
        toggle.setObjectName("trayToggleWindow")
        toggle.triggered.connect(self.toggleWindowRequested)
        quit_action = menu.addAction(_("Quit"))
        quit_action.setObjectName("trayQuit")
        quit_action.triggered.connect(self.quitRequested)

    def _call_action(self, menu: QtWidgets.QMenu, label: str, number: str, name: str) -> QtGui.QAction:
        action = menu.addAction(label)
        action.setData(number)
        action.setToolTip(_("Call {name} (asks first)").format(name=label))
        action.triggered.connect(lambda _checked=False, n=number, nm=name: self.callRequested.emit(n, nm))
        return action

    def call_actions(self) -> list[QtGui.QAction]:
        """Every entry that calls a number (favourites and recent), in menu order."""
        found: list[QtGui.QAction] = []
        for action in self.menu.actions():
            sub = action.menu()
            if isinstance(sub, QtWidgets.QMenu):
                found.extend(a for a in sub.actions() if a.data())
            elif action.data():
                found.append(action)
        return found

    def _favourites(self) -> list[Any]:
        try:
            return list(self.service.contacts.favourites())
        except Exception:  # a tray menu must open even when the database is unhappy
            log.exception("favourites could not be read for the tray menu")
            return []

    def _recent(self) -> list[str]:
        try:
            return list(self.service.history.recent_numbers(RECENT_COUNT))[:RECENT_COUNT]
        except Exception:
            log.exception("recent numbers could not be read for the tray menu")
            return []

    def _name_for(self, e164: str) -> str | None:
        try:
            name = self.service.contacts.name_for(e164)
        except Exception:
            return None
        return str(name) if name else None
