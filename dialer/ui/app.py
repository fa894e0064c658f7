"""Application start-up and shut-down: window first, everything heavy after the first paint.

Order on start: QApplication, theme, main window, show; then (after the first paint) the single-instance
claim (a second instance hands its link or quick-call over and quits here), the demo sandbox, the service
(SQLite, keyring, httpx, providers), the tray icon when the desktop has a tray; hand-offs that arrive while
the service loads wait for it.

Closing the window keeps the app in the tray when there is one (a one-time hint says so); Quit (Ctrl+Q,
the tray menu) ends it. Calls from the tray, the quick-call popup (:mod:`dialer.ui.quick_call`) and the
clipboard always go through the confirmation.
Order on quit: the service is closed (calls stopped being followed, HTTP clients closed) *before* the Qt
loop ends; async clean-up after ``aboutToQuit`` would fail.

No periodic timers run while idle: the only repeating timers are the call panel's elapsed-time tick
(while a call is live) and the demo outbox poll (while a sign-in dialog waits for a code).

Environment: ``DIALER_SANDBOX_URL`` makes ``--demo`` use a running sandbox instead of starting one;
``DIALER_EXIT_AFTER_PAINT=1`` prints the time from process start to the first paint and exits (the
start-up benchmark uses it).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from dialer.i18n import _
from dialer.qt import QtCore, QtGui, QtWidgets
from dialer.ui import LazyLogger

TYPE_CHECKING = False  # not typing's: typing and logging load after the first paint (dialer.ui docstring)
if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable
    from typing import Any

    from dialer.desktop.notifications import Notifier

log: Any = LazyLogger("dialer.ui.app")

DEMO_CONTACTS = (
    ("Ada Lovelace", "+442079460958"),
    ("Grace Hopper", "+12025550143"),
    ("Alan Turing", "+447911123456"),
    ("Marie Curie", "+33142685300"),
    ("Margaret Hamilton", "+16175550111"),
)
DEMO_OWN_NUMBER = "+12025550100"
OUTBOX_POLL_MS = 1000
MAX_PENDING_REQUESTS = 16
"""Hand-offs kept while the service loads; more than that (a flood from some local process) are dropped."""
TRAY_HINT_SETTING = "tray_hint_shown"
"""Settings key: the "still running in the tray" hint was shown once, so it is not shown again."""


def demo_home() -> Path:
    """A separate data directory for the demo, so demo accounts never mix with real ones."""
    from dialer import paths

    override = paths.home_override()
    base = override if override is not None else paths.data_dir()
    path = base / "demo"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _process_start() -> float:
    """Seconds since the epoch when this process started (Linux /proc; else the module import)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        ticks = int(fields[19])
        with open("/proc/uptime", encoding="ascii") as fh:
            uptime = float(fh.read().split()[0])
        return time.time() - uptime + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return _IMPORTED


_IMPORTED = time.time()


def _rss_kb() -> int:
    """Resident memory of this process in KiB (Linux /proc; 0 elsewhere), for the start-up benchmark."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


class _FirstPaint(QtCore.QObject):
    """Fires ``painted`` once, after the window's first paint event has been handled."""

    painted = QtCore.Signal()

    def __init__(self, window: QtWidgets.QWidget) -> None:
        super().__init__(window)
        self.fired = False
        # Watch the central widget, painted in the same pass as the window: the window itself also gets
        # Qt's private UpdateLater event, and handing that to Python makes PySide set up every class of
        # QtCore/QtGui/QtWidgets (~15 ms before the first paint).
        central = getattr(window, "centralWidget", None)
        self._watched = (central() if callable(central) else None) or window
        self._watched.installEventFilter(self)
        # Fallback: a hidden or minimised window never paints; load anyway.
        QtCore.QTimer.singleShot(400, self._fire)

    def eventFilter(self, obj: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.Paint and not self.fired:
            QtCore.QTimer.singleShot(0, self._fire)
        return False

    def _fire(self) -> None:
        if not self.fired:
            self.fired = True
            self._watched.removeEventFilter(self)  # not every later event through Python
            self.painted.emit()


class AppController(QtCore.QObject):
    """Owns the window, the service, the sandbox (demo) and the single-instance server."""

    loaded = QtCore.Signal()

    def __init__(self, app: QtWidgets.QApplication, window: Any, *, demo: bool, uri: str | None,
                 sandbox_url: str | None = None, home: Path | None = None,
                 single_instance: bool = True, quick_call: bool = False, minimized: bool = False,
                 use_tray: bool | None = None) -> None:
        super().__init__()
        self.app = app
        self.window = window
        self.demo = demo
        self.uri = uri
        self.quick_call = quick_call
        self.minimized = minimized
        self.use_tray = use_tray  # None: whenever the desktop has a tray
        self.handed_off = False
        self.tray: Any = None
        self.quick_popup: Any = None
        self.early_links: EarlyLinks | None = None
        # Only macOS sends QFileOpenEvent; elsewhere an application-wide Python filter would see (and cost)
        # every event for the app's whole life. Tests turn it on to check the macOS path.
        self.watch_url_events = sys.platform == "darwin"
        self._ready = False  # the service is loaded: hand-offs are acted on, not queued
        self._pending_requests: list[Any] = []
        self._url_filter: QtCore.QObject | None = None
        self.sandbox_url = sandbox_url
        self.home = home
        self.single_instance = single_instance
        self.service: Any = None
        self.bridge: Any = None
        self.notifier: Notifier | None = None
        self._balance_was_low = False
        self.sandbox: Any = None
        self.ipc: Any = None
        import asyncio

        self.quit_requested = asyncio.Event()
        self.outbox_timer: QtCore.QTimer | None = None
        self._seen_outbox: set[str] = set()
        self._switching = False
        self._watching_dialogs = False
        window.closing.connect(self.quit_requested.set)
        window.hiddenToTray.connect(self._on_hidden_to_tray)
        window.confirmationShown.connect(self._on_confirmation_shown)
        window.demoRequested.connect(self._on_demo_requested)

    # ------------------------------------------------------------------------------------ start
    async def main(self, first_paint: asyncio.Future[None] | None = None) -> int:
        if first_paint is not None:
            await first_paint
        try:
            await self.load()
        except Exception as exc:
            from dialer.ui import errors

            log.exception("start-up failed")
            self.window.status.showMessage(_("The dialer could not start; see the message."), 0)
            errors.show_error(_("Dialer could not start"), errors.user_message(exc), self.window)
        await self.quit_requested.wait()
        await self.shutdown()
        return 0

    async def load(self) -> None:
        """The heavy part of start-up, after the first paint."""
        from dialer.service import DialerService
        from dialer.ui.service_bridge import ServiceBridge, maybe_await

        self._ready = False
        later_links: list[str] = []
        if self.early_links is not None:  # macOS: the link that started the app
            later_links = self.early_links.stop()
            if later_links and not self.uri:
                self.uri = later_links.pop(0)
        if self.single_instance and self.ipc is None:  # first: a second instance hands over and quits at once
            self._listen()
        if self.handed_off:
            return
        if self.demo and self.sandbox_url is None:
            self.sandbox_url = await self._start_sandbox()
        home = self.home if self.home is not None else (demo_home() if self.demo else None)
        secrets = None
        if self.demo:  # demo secrets never go near the user's keyring (the demo DB's ids would collide)
            from dialer.providers.secretstore import MemorySecretStore

            secrets = MemorySecretStore()
        self.service = await maybe_await(DialerService.open(
            home=home, secrets=secrets, demo_sandbox_url=self.sandbox_url if self.demo else None))
        from dialer.ui import theme

        theme.apply(self.app, str(getattr(self.service.settings, "theme", "system") or "system"))
        recovered = self.service.db.recovered_from
        if recovered is not None:
            from dialer.ui import errors

            errors.show_error(_("History and contacts started afresh"),
                              _("The database was damaged, so dialer moved it to {path} (kept, nothing was "
                                "deleted) and started a fresh one. Signed-in accounts may need signing in again."
                                ).format(path=recovered),
                              self.window)
        if self.demo:
            await self._prepare_demo()
        self.bridge = ServiceBridge(self.service, self.window)
        self.window.set_demo(self.demo)
        self.window.attach(self.service, self.bridge)
        await self.window.reload_accounts()
        if not self._watching_dialogs:
            self.window.dialogsChanged.connect(self._on_dialogs_changed)
            self._watching_dialogs = True
        warning = getattr(self.service, "secrets_warning", None)
        if warning and not self.demo:  # e.g. no keyring: sign-ins last only until the app quits
            from dialer.ui import errors

            errors.show_error(_("Sign-ins will not be remembered"), str(warning), self.window)
        self.bridge.callEvent.connect(self._on_call_event)
        self._start_tray()
        self._start_notifier()
        self._ready = True
        pending, self._pending_requests = self._pending_requests, []
        for request in pending:  # hand-offs that arrived while the service was loading
            self.handle_request(request)
        for url in later_links:
            self._open_link_event(url)
        if self.uri:
            uri, self.uri = self.uri, None
            from dialer.core.calls import Origin

            self.window.open_uri(uri, Origin.TEL_LINK)
        elif self.quick_call:
            self.quick_call = False
            self.show_quick_call()
        elif self.tray is not None and bool(getattr(self.service.settings, "start_minimized", False)) \
                and not self.minimized:
            self.window.hide()  # "start in the tray" from settings (the window had painted already)
        self.loaded.emit()

    async def _start_sandbox(self) -> str:
        url = os.environ.get("DIALER_SANDBOX_URL", "").strip()
        if url:
            return url
        self.sandbox = start_sandbox()
        return str(self.sandbox.url)

    async def _prepare_demo(self) -> None:
        """Sign in the demo accounts and seed a few contacts (only into an empty demo book)."""
        from dialer.ui.service_bridge import maybe_await

        service = self.service
        accounts = list(await maybe_await(service.accounts.list()))
        if not any(getattr(a, "signed_in", False) for a in accounts):
            await maybe_await(service.accounts.sign_in_demo(self.sandbox_url))
        if not service.settings.own_number:  # the sandbox "rings" this pretend phone of yours first
            service.settings.own_number = DEMO_OWN_NUMBER
        seed = getattr(service, "seed_demo", None)
        if callable(seed):
            await maybe_await(seed())
            return
        seed_demo_data(service)

    def _listen(self) -> None:
        try:
            from dialer.desktop import ipc_server
        except ImportError:
            return
        server = ipc_server.IpcServer(parent=self)
        try:  # a link or quick-call this process was started for goes to the instance already running
            code = ipc_server.claim_or_connect(server, *ipc_server.start_request(self.uri, quick_call=self.quick_call))
        except ipc_server.Error as exc:
            log.warning("single-instance server not started: %s", exc)
            return
        if code is not None:  # another instance won the start-up race and took over our request
            log.info("another dialer instance is running; this one quits")
            self.uri, self.quick_call = None, False
            self.handed_off = True
            self.quit_requested.set()
            return
        server.requestReceived.connect(self.handle_request)
        self.ipc = server
        if self.watch_url_events:  # macOS hands links to a running app as QFileOpenEvent: same checks
            self._url_filter = ipc_server.UrlOpenFilter(server, self.app)
            self.app.installEventFilter(self._url_filter)

    def _open_link_event(self, url: str) -> None:
        from dialer.desktop import ipc_server

        request = ipc_server.request_from_url(url)
        if request is not None:
            self.handle_request(request)

    def handle_request(self, request: Any) -> None:
        """A hand-off from another process: fill the number in and ask to confirm (never call from it);
        ``quick-call`` opens the quick-call popup; ``show`` brings the window back."""
        from dialer.core.calls import Origin
        from dialer.desktop import protocol

        if not self._ready:
            if len(self._pending_requests) < MAX_PENDING_REQUESTS:
                self._pending_requests.append(request)
            else:
                log.warning("hand-off dropped: %d already wait for the app to load", MAX_PENDING_REQUESTS)
            return
        action = getattr(request, "action", "")
        if action == protocol.ACTION_QUICK_CALL:
            self.show_quick_call()
            return
        if action == protocol.ACTION_TEST_ACCEPT:
            self._test_accept()
            return
        self.show_window()
        if action == protocol.ACTION_OPEN_URI:
            self.window.open_uri(request.uri or request.number_text, Origin.TEL_LINK)
        elif action == protocol.ACTION_CALL and request.number_text:
            self.window.open_uri(request.number_text, Origin.HANDOFF)

    def _test_accept(self) -> None:
        """Test hook (only with DIALER_TEST_HOOKS=1, checked again here): press Call in the open
        confirmation, as a user would. Lets end-to-end tests drive the real app through the socket."""
        from dialer.desktop import protocol

        if not protocol.test_hooks_enabled():
            log.warning("test hook refused: %s is not set", protocol.TEST_HOOKS_ENV)
            return
        dialog = self.window.confirm_dialog
        if dialog is not None and dialog.isVisible():
            dialog.accept()

    def _on_confirmation_shown(self, plan: Any) -> None:
        """Log it; with DIALER_TEST_HOOKS=1 also print ``CONFIRM-SHOWN <e164>`` (end-to-end tests wait
        for that line before checking that nothing was placed yet)."""
        from dialer.desktop import protocol

        log.info("Confirmation shown (%s)", getattr(plan.origin, "value", plan.origin))
        if protocol.test_hooks_enabled():
            sys.stdout.write(f"CONFIRM-SHOWN {plan.destination}\n")  # protocol text, not translated
            sys.stdout.flush()

    # ------------------------------------------------------------------ window, tray, quick call
    def show_window(self) -> None:
        self.window.show()
        if self.window.isMinimized():
            self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def toggle_window(self) -> None:
        if self.window.isVisible() and not self.window.isMinimized():
            self.window.hide()
        else:
            self.show_window()

    def tray_wanted(self) -> bool:
        if self.use_tray is not None:
            return self.use_tray
        from dialer.ui import tray

        return tray.available()

    def _start_tray(self) -> None:
        """The tray icon (when the desktop has a tray); closing the window then keeps the app there."""
        if self.tray is not None or not self.tray_wanted():
            if self.tray is not None:
                self.tray.service = self.service  # switched to the demo: a new service
            self.window.close_to_tray = self.tray is not None and self.tray.shows_icon()
            return
        from dialer.ui.tray import Tray

        tray = Tray(self.service, self.window, parent=self)
        tray.quickCallRequested.connect(self.show_quick_call)
        tray.clipboardCallRequested.connect(self.call_from_clipboard)
        tray.callRequested.connect(self._call_from_tray)
        tray.toggleWindowRequested.connect(self.toggle_window)
        tray.quitRequested.connect(self.window.request_quit)  # asks first during a call, like Ctrl+Q
        self.window.balanceChanged.connect(self._update_tray_tooltip)
        tray.show()
        self.tray = tray
        # Closing only hides the window when there is an icon to click to bring it back: a tray that
        # exists but shows nothing (no icon, an XEmbed-less desktop, Flatpak without StatusNotifierItem)
        # would leave the app running invisibly.
        self.window.close_to_tray = tray.shows_icon()
        self._update_tray_tooltip()

    def _update_tray_tooltip(self) -> None:
        if self.tray is None:
            return
        panel = self.window._call_panel
        call = None
        if panel is not None and panel.is_live and panel.active is not None:
            call = panel.active.plan.info.international if panel.active.plan.info is not None \
                else panel.active.plan.destination
        self.tray.set_status(self.window.balance.label.text(), call)

    def _on_call_event(self, event: Any) -> None:
        if self.tray is not None:
            self._update_tray_tooltip()
            if event.kind == "started" and not self.window.isVisible():
                self.show_window()  # the live call (and its Hang up) is in the window
        if event.kind == "finished":
            from dialer.ui.tray import outcome_message

            title, text = outcome_message(event.call)
            self._desktop_notification(title, text, key=f"call:{event.call.id}")

    # ---------------------------------------------------------------------------- notifications
    def _start_notifier(self) -> None:
        """Desktop notifications: a notification server, the portal inside Flatpak, else the tray."""
        if self.notifier is not None or self.bridge is None:
            return
        from dialer.desktop.notifications import Notifier

        self.notifier = Notifier(on_activated=self._on_notification_clicked, fallback=self._notify_fallback)
        self.bridge.spawn(self.notifier.start(), title=_("Notifications"))
        self.window.balanceChanged.connect(self._on_balance_changed)

    def notifications_enabled(self) -> bool:
        return self.service is None or bool(self.service.settings.notifications)

    def _desktop_notification(self, title: str, text: str, *, key: str) -> None:
        """Tell the user something happened while they look elsewhere (never while the window is in front)."""
        if self.notifier is None or self.bridge is None or not self.notifications_enabled():
            return
        if self.window.isVisible() and self.window.isActiveWindow():
            return  # the window itself shows it
        self.bridge.spawn(self.notifier.notify(title, text, key=key), title=_("Notification"))

    def _notify_fallback(self, title: str, text: str) -> None:
        if self.tray is not None:
            self.tray.notify(title, text)
        else:
            self.window.status.showMessage(f"{title}: {text}", 30000)

    def _on_balance_changed(self) -> None:
        from dialer.ui.balance_widget import is_low

        balance = self.window.balance.balance
        low = balance is not None and is_low(balance)
        if low and not self._balance_was_low:
            self._desktop_notification(_("Low balance"), _("{balance}. Top up soon: a call may stop when the credit "
                                                         "runs out.").format(balance=self.window.balance.label.text()),
                                       key="balance")
        self._balance_was_low = low

    def _on_notification_clicked(self, key: str) -> None:
        """A click on a notification: the window in front, at the call in History (or the balance)."""
        self.show_window()
        if key.startswith("call:") and key[5:].isdigit():
            self.window.show_call_in_history(int(key[5:]))

    def _on_hidden_to_tray(self) -> None:
        """The window closed with a tray present: say once where the app went (remembered in settings)."""
        settings = getattr(self.service, "settings", None)
        if self.tray is None or settings is None or settings.get(TRAY_HINT_SETTING, False):
            return
        settings.set(TRAY_HINT_SETTING, True)
        self.tray.notify(_("Dialer is still running"),
                         _("It stays in the tray so links and quick calls open at once. "
                           "Quit from the tray menu or with Ctrl+Q."))

    def show_quick_call(self) -> None:
        """The small always-on-top popup: type a number or a name, Enter asks to confirm the call."""
        if self.service is None:
            self.window.status.showMessage(_("Still starting; try again in a moment."), 4000)
            return
        if self.quick_popup is None:
            from dialer.ui.quick_call import QuickCallPopup

            popup = QuickCallPopup(self.service, self.window.region)
            popup.callRequested.connect(self._call_from_tray)
            self.quick_popup = popup
        self.quick_popup.popup()

    def _call_from_tray(self, number: str, name: str = "") -> None:
        from dialer.core.calls import Origin

        self.window.dial_page.number.set_number(number)
        self.window.start_call(number, Origin.TRAY, name or None)

    def call_from_clipboard(self) -> None:
        """Call the number just copied, after the confirmation; say so plainly when there is none."""
        from dialer.core.calls import Origin
        from dialer.desktop.clipboard import NO_NUMBER_MESSAGE, number_from_clipboard_text

        clipboard = QtGui.QGuiApplication.clipboard()
        text = clipboard.text() if clipboard is not None else ""
        number = number_from_clipboard_text(text, self.window.region)
        if number is None:
            self.window.status.showMessage(_(NO_NUMBER_MESSAGE), 8000)
            if self.tray is not None and self.tray.is_visible():
                self.tray.notify(_("No number in the clipboard"), _(NO_NUMBER_MESSAGE))
            else:
                self._no_number_box()
            return
        self.window.dial_page.number.set_number(number)
        self.window.start_call(number, Origin.CLIPBOARD, None)

    def _no_number_box(self) -> None:
        from dialer.desktop.clipboard import NO_NUMBER_MESSAGE

        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Information, _("No number in the clipboard"),
                                    _(NO_NUMBER_MESSAGE), QtWidgets.QMessageBox.StandardButton.Ok, self.window)
        box.setObjectName("noClipboardNumber")
        box.setAccessibleName(_("No number in the clipboard"))
        box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        self.no_number_box = box
        box.open()

    # ------------------------------------------------------------------------- demo: try it, OTP
    def _on_demo_requested(self) -> None:
        if self.service is None or self._switching:
            return
        import asyncio

        task = asyncio.ensure_future(self.switch_to_demo())  # not on the bridge: it closes the bridge

        def done(t: asyncio.Task[None]) -> None:
            if not t.cancelled() and t.exception() is not None:
                from dialer.ui import errors

                exc = t.exception()
                assert exc is not None
                log.error("switching to the demo failed", exc_info=exc)
                errors.show_error(_("The demo could not start"), errors.user_message(exc), self.window)

        task.add_done_callback(done)
        self._demo_task = task

    async def switch_to_demo(self) -> None:
        """"Try the demo" on first run: reopen with the sandbox and the separate demo data."""
        self._switching = True
        try:
            if self.bridge is not None:
                await self.bridge.aclose()
            if self.service is not None:
                await self.service.aclose()
            self.service = None
            self.demo = True
            self.sandbox_url = None
            await self.load()
        finally:
            self._switching = False

    def _sign_in_open(self) -> bool:
        return any(type(d).__name__ == "SignInDialog" for d in self.window.dialogs)

    def _on_dialogs_changed(self) -> None:
        """Watch the demo outbox only while a sign-in dialog is open (it may be waiting for a code)."""
        if not self.demo or self.sandbox_url is None:
            return
        waiting = self._sign_in_open()
        if waiting and self.outbox_timer is None:
            self.outbox_timer = QtCore.QTimer(self)
            self.outbox_timer.setInterval(OUTBOX_POLL_MS)
            self.outbox_timer.timeout.connect(self._poll_outbox)
            self.outbox_timer.start()
        elif not waiting and self.outbox_timer is not None:
            self.outbox_timer.stop()
            self.outbox_timer.deleteLater()
            self.outbox_timer = None

    def _poll_outbox(self) -> None:
        if self.bridge is not None and self._sign_in_open():
            self.bridge.spawn(self._read_outbox(), title=_("Demo mail"))

    async def _read_outbox(self) -> None:
        import httpx

        async with httpx.AsyncClient(timeout=2.0, trust_env=False) as client:  # the local sandbox, no proxy
            response = await client.get(f"{self.sandbox_url}/_sandbox/outbox")
        for message in response.json().get("messages", []):
            key = f"{message.get('to')}|{message.get('code')}|{message.get('sent_at')}"
            if key in self._seen_outbox:
                continue
            self._seen_outbox.add(key)
            self.notify(_("Demo e-mail"), _("your sign-in code for {address} is {code}").format(
                address=message.get("to"), code=message.get("code")))

    def notify(self, title: str, text: str) -> None:
        """A visible, non-blocking notification (the status bar, plus a tooltip-style balloon)."""
        self.window.status.showMessage(f"{title}: {text}", 30000)
        QtWidgets.QToolTip.showText(self.window.mapToGlobal(QtCore.QPoint(20, 60)), f"{title}\n{text}",
                                    self.window, QtCore.QRect(), 15000)

    # --------------------------------------------------------------------------------- shutdown
    async def shutdown(self) -> None:
        """Close in order: widgets' tasks, the service (HTTP clients), the sandbox; then the window."""
        if self.outbox_timer is not None:
            self.outbox_timer.stop()
        if self._watching_dialogs:
            self.window.dialogsChanged.disconnect(self._on_dialogs_changed)
            self._watching_dialogs = False
        if self.ipc is not None:
            self.ipc.close()
        if self._url_filter is not None:
            self.app.removeEventFilter(self._url_filter)
            self._url_filter = None
        if self.quick_popup is not None:
            self.quick_popup.close()
            self.quick_popup.deleteLater()
            self.quick_popup = None
        if self.tray is not None:
            self.tray.close()
            self.tray = None
        if self.notifier is not None:
            await self.notifier.aclose()
            self.notifier = None
        if self.bridge is not None:
            await self.bridge.aclose()
        if self.service is not None:
            try:
                await self.service.aclose()
            except Exception:
                log.exception("service did not close cleanly")
        if self.sandbox is not None:
            import asyncio

            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, self.sandbox.stop)
        self.window.allow_close()
        self.window.close()


def start_sandbox(speed: float = 1.0) -> Any:
    """Start the in-process sandbox (its own thread and asyncio loop); returns once it listens."""
    from dialer.sandbox.server import start_in_thread

    return start_in_thread(speed=speed)


def seed_demo_data(service: Any) -> None:
    """A few contacts and history rows for the demo, only when the demo data is still empty."""
    from datetime import UTC, datetime, timedelta
    from decimal import Decimal

    from dialer.store.contacts import Contact, ContactNumber

    if service.contacts.count() == 0:
        for index, (name, number) in enumerate(DEMO_CONTACTS):
            service.contacts.add(Contact(id=None, name=name, numbers=[ContactNumber.parse(number, "mobile")],
                                         favourite=index == 0))
    history = service.history
    if history.count() == 0 and hasattr(history, "store"):
        from dialer.store.history import HistoryRow

        accounts = [a for a in service.accounts.list() if a.signed_in]
        if not accounts:
            return
        account = accounts[0]
        now = datetime.now(UTC)
        samples = (("Ada Lovelace", "+442079460958", "completed", 184, Decimal("0.12"), 3),
                   ("Grace Hopper", "+12025550143", "busy", None, None, 27),
                   ("", "+14155550100", "no-answer", None, None, 50))
        for name, number, state, duration, cost, hours_ago in samples:
            started = now - timedelta(hours=hours_ago)
            answered = started + timedelta(seconds=9) if duration else None
            history.store.add(HistoryRow(
                id=None, provider=account.provider_id, account_id=account.id, provider_call_id=None,
                destination=number, display_name=name or None, mode="bridge", origin="window", state=state,
                legs={"self": "completed", "destination": state},
                started_at=started, answered_at=answered,
                ended_at=started + timedelta(seconds=(duration or 30) + 9), duration_s=duration,
                cost=cost, currency="USD" if cost is not None else None, finished=True))


def _configure_logging() -> None:
    """The masked, rotating log of :mod:`dialer.logsetup`, unless the command line set it up already
    (adding a second handler wrote every line twice)."""
    import logging

    if logging.getLogger().handlers:
        return
    from dialer import logsetup

    try:
        logsetup.configure()
    except OSError:
        logging.basicConfig(level=logging.INFO)


def create_app(*, window_icon: bool = True) -> QtWidgets.QApplication:
    """The QApplication (Fusion, names, quit handling). ``window_icon=False`` leaves the icon to the
    caller: :func:`run` sets it after the first paint (loading Qt's SVG icon engine costs ~2.5 ms, and the
    desktop shows the icon in the task bar and title, which the first frame of the window does not wait
    for)."""
    from dialer.ui import theme

    existing = QtWidgets.QApplication.instance()
    if isinstance(existing, QtWidgets.QApplication):
        app = existing
    else:
        app = QtWidgets.QApplication([*sys.argv[:1], *theme.STYLE_ARGS])
        theme.styled_by_arguments()
    app.setApplicationName("Dialer")
    app.setApplicationDisplayName("Dialer")
    app.setOrganizationName("dialer")
    app.setDesktopFileName("io.github.dialer.Dialer")  # = registration.APP_ID (not imported before the paint)
    app.setQuitOnLastWindowClosed(False)  # quitting waits for the service to close (AppController)
    from dialer import i18n

    i18n.install_qt(app)  # Qt's own buttons (Cancel, Yes...) in the language dialer.i18n chose
    if window_icon:
        set_window_icon(app)
    return app


def set_window_icon(app: QtWidgets.QApplication) -> None:
    from dialer.ui import icons

    app.setWindowIcon(icons.app_icon())


def _wait_for_paint(app: QtWidgets.QApplication, painted: _FirstPaint) -> None:
    """Run Qt's own event processing until the window has painted (bounded by the 400 ms fallback)."""
    flags = QtCore.QEventLoop.ProcessEventsFlag.WaitForMoreEvents
    for _attempt in range(500):
        if painted.fired:
            return
        app.processEvents(flags, 50)


def run(*, demo: bool = False, uri: str | None = None, minimized: bool = False, quick_call: bool = False,
        after_first_paint: Callable[[], object] | None = None) -> int:
    """Start the desktop app; returns the process exit code.

    ``minimized`` starts hidden in the tray (minimised when the desktop has no tray); ``quick_call``
    opens the quick-call popup once the app has loaded (``dialer quick-call`` with no app running).
    ``after_first_paint`` runs once the window has painted, before the event loop starts (the CLI sets
    up the log file and crash reports there: ~20 ms the first paint does not wait for).
    """
    app = create_app(window_icon=False)  # set after the first paint (below)
    from dialer.ui import theme
    from dialer.ui.main_window import MainWindow

    theme.apply(app, "system")
    theme.follow_system(app)
    window = MainWindow(demo=demo)
    painted = _FirstPaint(window)
    # Only macOS sends QFileOpenEvent; elsewhere an application-wide Python filter would only cost: it
    # sees every event, and converting Qt's private ones makes PySide set up every class (~15 ms) before
    # the first paint.
    early_links = EarlyLinks(app) if sys.platform == "darwin" else None
    in_tray = False
    if minimized or quick_call:  # quick-call alone: just the popup, when a tray keeps the app reachable
        from dialer.ui import tray

        in_tray = tray.available()
    if in_tray:
        pass  # hidden: the tray icon appears once the service has loaded
    elif minimized:
        window.showMinimized()
    else:
        window.show()
    if window.isVisible() and not minimized:  # the first paint happens before asyncio and the service load
        _wait_for_paint(app, painted)
    painted_at, painted_mono, painted_rss = time.time(), time.monotonic(), _rss_kb()
    set_window_icon(app)
    window.finish_building()
    if after_first_paint is not None:
        after_first_paint()
    if os.environ.get("DIALER_EXIT_AFTER_PAINT") == "1":
        sys.stdout.write(f"first paint after {painted_at - _process_start():.3f} s monotonic={painted_mono:.6f} "
                         f"rss_kb={painted_rss}\n")  # read by the start-up benchmark: not translated
        sys.stdout.flush()
        window.allow_close()
        window.close()
        return 0
    return run_loop(app, window, demo=demo, uri=uri, minimized=in_tray, quick_call=quick_call,
                    early_links=early_links)


class EarlyLinks(QtCore.QObject):
    """macOS: a link that started the app arrives as a ``QFileOpenEvent`` before the hand-off server (and
    its :class:`~dialer.desktop.ipc_server.UrlOpenFilter`) exists; keep such links until the app loads."""

    def __init__(self, app: QtCore.QObject) -> None:
        super().__init__(app)
        self.urls: list[str] = []
        self._app = app
        app.installEventFilter(self)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.FileOpen:
            url = event.url().toString() if hasattr(event, "url") else ""
            if url.lower().startswith(("tel:", "callto:")):
                self.urls.append(url[:4096])
                return True
        return False

    def stop(self) -> list[str]:
        """Stop collecting; the links collected so far."""
        self._app.removeEventFilter(self)
        urls, self.urls = self.urls, []
        return urls


class _SignalWatcher(QtCore.QObject):
    """Ctrl+C and SIGTERM quit in order (service first), even while Qt sleeps with no timer running.

    Python runs signal handlers only when Python code runs; the wake-up fd makes the signal an event
    Qt is already waiting on, so an idle app reacts at once without polling.
    """

    def __init__(self, on_signal: Any, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        import signal
        import socket

        self._read, self._write = socket.socketpair()
        self._read.setblocking(False)
        self._write.setblocking(False)
        self._notifier = QtCore.QSocketNotifier(self._read.fileno(), QtCore.QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)
        self._previous_fd = signal.set_wakeup_fd(self._write.fileno())
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_args: on_signal())

    def _drain(self, *_args: object) -> None:
        import contextlib

        with contextlib.suppress(OSError):
            self._read.recv(64)

    def close(self) -> None:
        import signal

        signal.set_wakeup_fd(self._previous_fd)
        self._notifier.setEnabled(False)
        self._read.close()
        self._write.close()


def run_loop(app: QtWidgets.QApplication, window: Any, *, demo: bool, uri: str | None,
             minimized: bool = False, quick_call: bool = False, early_links: EarlyLinks | None = None) -> int:
    import asyncio

    import qasync

    from dialer.ui import errors

    _configure_logging()
    controller = AppController(app, window, demo=demo, uri=uri, minimized=minimized, quick_call=quick_call)
    controller.early_links = early_links
    watcher = _SignalWatcher(controller.quit_requested.set) if sys.platform != "win32" else None

    async def main() -> int:
        errors.install(asyncio.get_running_loop())
        return await controller.main()

    try:
        return int(qasync.run(main()))
    except KeyboardInterrupt:
        return 130
    finally:
        if watcher is not None:
            watcher.close()
