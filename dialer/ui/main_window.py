"""The main window: Dial / Contacts / History tabs, the call flow, and the keyboard paths through it.

Built in two steps for a fast start: the constructor creates only plain widgets (no phone-number library,
no service), so the window paints at once; :meth:`MainWindow.attach` wires the service in afterwards.

Keyboard: Ctrl+1/2/3 switch tabs, Ctrl+L focuses the number, Enter calls, Esc hangs up, digits send tones
during a call, Ctrl+F searches the contacts or the history (whichever tab shows; contacts from Dial).
"""

from __future__ import annotations

from dialer.qt import QtCore, QtGui, QtWidgets
from dialer.ui import LazyLogger, icons, theme
from dialer.ui.account_picker import AccountPicker
from dialer.ui.balance_widget import BalanceWidget
from dialer.ui.dialpad import DialPad
from dialer.ui.number_field import NumberField

TYPE_CHECKING = False  # not typing's: typing and logging load after the first paint (dialer.ui docstring)
if TYPE_CHECKING:  # imported when first used: the window paints before asyncio and the call model load
    from typing import Any

    from dialer.core.calls import Origin
    from dialer.ui.call_panel import CallPanel
    from dialer.ui.confirm_dialog import ConfirmDialog
    from dialer.ui.service_bridge import ServiceBridge


async def maybe_await(value: Any) -> Any:
    from dialer.ui.service_bridge import maybe_await as _maybe_await

    return await _maybe_await(value)

log: Any = LazyLogger(__name__)
MAX_SUGGESTIONS = 5
TAB_DIAL, TAB_CONTACTS, TAB_HISTORY = 0, 1, 2


class WelcomeBanner(QtWidgets.QFrame):
    """First run without an account: try the demo, or sign in."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcomeBanner")
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        layout = QtWidgets.QVBoxLayout(self)
        text = QtWidgets.QLabel(
            "<b>No calling account yet.</b><br>Try the app with the built-in demo provider, or sign in "
            "to Ringez, RingCentral, Called.in or Ringostat.", self)
        text.setWordWrap(True)
        text.setAccessibleName("Welcome")
        layout.addWidget(text)
        row = QtWidgets.QHBoxLayout()
        self.demo = QtWidgets.QPushButton("Try the demo", self)
        self.demo.setObjectName("tryDemoButton")
        self.demo.setAccessibleName("Try the demo")
        self.sign_in = QtWidgets.QPushButton(icons.icon("signin"), "Sign in…", self)
        self.sign_in.setObjectName("welcomeSignIn")
        self.sign_in.setAccessibleName("Sign in")
        row.addWidget(self.demo)
        row.addWidget(self.sign_in)
        row.addStretch(1)
        layout.addLayout(row)


class DialPage(QtWidgets.QWidget):
    """Number field, what the number is, matching contacts, the pad, the account, and Call."""

    demoClicked = QtCore.Signal()
    signInClicked = QtCore.Signal()
    suggestionPicked = QtCore.Signal(object)  # the QListWidgetItem clicked or activated

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dialPage")
        layout = QtWidgets.QVBoxLayout(self)
        layout.setSpacing(8)
        self._layout = layout
        self._welcome: WelcomeBanner | None = None
        self._suggestions: QtWidgets.QListWidget | None = None

        row = QtWidgets.QHBoxLayout()
        self.number = NumberField(self)
        self.backspace = QtWidgets.QToolButton(self)
        self.backspace.setObjectName("backspaceButton")
        self.backspace.setIcon(icons.icon("backspace"))
        self.backspace.setIconSize(QtCore.QSize(24, 24))
        self.backspace.setToolTip("Delete the last digit (hold to clear)")
        self.backspace.setAccessibleName("Delete digit")
        self.backspace.setProperty("focusPolicy", "NoFocus")  # by name: see dialer.qt on Qt
        self.backspace.setAutoRepeat(True)
        row.addWidget(self.number, 1)
        row.addWidget(self.backspace)
        layout.addLayout(row)

        self.info = QtWidgets.QLabel(" ", self)
        self.info.setObjectName("numberInfo")
        self.info.setAccessibleName("About this number")
        self.info.setProperty("role", "muted")
        self.info.setWordWrap(True)
        layout.addWidget(self.info)

        self.pad = DialPad(self)
        layout.addWidget(self.pad)
        self.accounts = AccountPicker(self)
        layout.addWidget(self.accounts)

        self.error = QtWidgets.QLabel(self)
        self.error.setObjectName("dialError")
        self.error.setAccessibleName("Problem")
        self.error.setProperty("role", "warning")
        self.error.setWordWrap(True)
        self.error.setProperty("textFormat", "RichText")
        self.error.setOpenExternalLinks(False)
        self.error.hide()
        layout.addWidget(self.error)

        self.call = QtWidgets.QPushButton(icons.icon("call", "#ffffff"), "Call", self)
        self.call.setObjectName("callButton")
        self.call.setAccessibleName("Call")
        self.call.setToolTip("Call this number (Enter)")
        self.call.setIconSize(QtCore.QSize(20, 20))
        self.call.setMinimumHeight(40)
        layout.addWidget(self.call)
        layout.addStretch(1)

    @property
    def suggestions(self) -> QtWidgets.QListWidget:
        """The contacts matching the typed text, under the number; built when first needed (hidden until
        there are matches, so the first paint does not wait for a list view: ~2.5 ms)."""
        if self._suggestions is None:
            lst = QtWidgets.QListWidget(self)
            lst.setObjectName("suggestions")
            lst.setAccessibleName("Matching contacts")
            lst.setMaximumHeight(112)
            lst.setFocusPolicy(QtCore.Qt.FocusPolicy.ClickFocus)
            lst.hide()
            lst.itemActivated.connect(self.suggestionPicked.emit)
            lst.itemClicked.connect(self.suggestionPicked.emit)
            self._layout.insertWidget(self._layout.indexOf(self.info) + 1, lst)
            self._suggestions = lst
        return self._suggestions

    @property
    def welcome(self) -> WelcomeBanner:
        """The first-run banner, built only when first needed (most starts have an account)."""
        if self._welcome is None:
            banner = WelcomeBanner(self)
            banner.hide()
            banner.demo.clicked.connect(self.demoClicked)
            banner.sign_in.clicked.connect(self.signInClicked)
            self._layout.insertWidget(0, banner)
            self._welcome = banner
        return self._welcome

    def set_welcome_visible(self, visible: bool) -> None:
        if visible or self._welcome is not None:
            self.welcome.setVisible(visible)

    def show_error(self, text: str, *, link: str | None = None) -> None:
        import html

        body = html.escape(text)
        if link:
            body += f' <a href="{html.escape(link)}">{html.escape("Top up")}</a>'
        self.error.setText(body)
        self.error.setVisible(bool(text))

    def clear_error(self) -> None:
        self.error.clear()
        self.error.hide()


class MainWindow(QtWidgets.QMainWindow):
    """The app's window. ``closing`` asks the app to shut down in order (service first, then Qt)."""

    closing = QtCore.Signal()
    hiddenToTray = QtCore.Signal()  # closed while a tray icon keeps the app running
    balanceChanged = QtCore.Signal()  # the balance line changed (the tray tooltip repeats it)
    confirmationShown = QtCore.Signal(object)  # the CallPlan now waiting for the user's Call
    demoRequested = QtCore.Signal()
    dialogsChanged = QtCore.Signal()  # a dialog of ours opened or closed (the demo watches for sign-in)

    def __init__(self, *, demo: bool = False) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("Dialer — Demo" if demo else "Dialer")
        self.setAccessibleName("Dialer")
        self.resize(440, 720)
        self.demo = demo
        self.service: Any = None
        self.bridge: ServiceBridge | None = None
        self.region: str | None = None
        self._picked_name: str | None = None
        self._placing = False
        self._allow_close = False
        self._quitting = False
        self.close_to_tray = False  # set by the app when a tray icon exists: closing only hides
        self._balance_task: Any = None
        self._balance_key: object = None
        self._reload_task: Any = None
        self.confirm_dialog: ConfirmDialog | None = None
        self.dialogs: list[QtWidgets.QDialog] = []

        self.tabs = QtWidgets.QTabWidget(self)
        self.tabs.setObjectName("tabs")
        self.tabs.setAccessibleName("Sections")
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)

        # Built top-down, each widget created under its final parent: with the app's style sheet, moving a
        # built subtree to a new parent re-polishes every widget in it (~4 ms at start-up). The creation
        # order keeps the focus chain and child order it always had.
        dial_tab = QtWidgets.QWidget(self)
        self.tabs.addTab(dial_tab, icons.icon("dialpad"), "Dial")
        dial_layout = QtWidgets.QVBoxLayout(dial_tab)
        self.dial_stack = QtWidgets.QStackedWidget(dial_tab)
        self.dial_page = DialPage(self.dial_stack)
        self.dial_stack.addWidget(self.dial_page)
        self._call_panel: CallPanel | None = None
        dial_layout.addWidget(self.dial_stack, 1)
        self.balance = BalanceWidget(dial_tab)
        dial_layout.addWidget(self.balance)
        self.contacts_view: QtWidgets.QWidget = self._placeholder("Contacts are loading…")
        self.history_view: QtWidgets.QWidget = self._placeholder("History is loading…")
        self.tabs.addTab(self.contacts_view, icons.icon("contacts"), "Contacts")
        self.tabs.addTab(self.history_view, icons.icon("history"), "History")
        for index, name in enumerate(("Dial", "Contacts", "History")):
            self.tabs.setTabToolTip(index, f"{name} (Ctrl+{index + 1})")

        self._build_actions()
        self._build_status()
        self._connect()
        self.balance.show_none()
        self.dial_page.number.setFocus()
        theme.state().changed.connect(self.retint)
        self._finished = False

    def finish_building(self) -> None:
        """What the first frame does not need, once it has painted (``app.run``; ``attach`` otherwise):
        the icons of the actions only the menus show, and the caret's blink timeout on the number field."""
        if self._finished:
            return
        self._finished = True
        for action in self.actions():
            name = action.property("iconName")
            if name and action.icon().isNull():
                action.setIcon(icons.icon(str(name)))
        from dialer.ui import blink

        blink.keep_alive(self.dial_page.number)  # the caret blinks while in use, then stays steady

    # ----------------------------------------------------------------------------------- building
    def _placeholder(self, text: str) -> QtWidgets.QWidget:
        label = QtWidgets.QLabel(text)
        label.setProperty("alignment", "AlignCenter")
        label.setProperty("role", "muted")
        label.setAccessibleName(text)
        return label

    def _action(self, text: str, icon_name: str | None, shortcut: str | None, slot: Any,
                tip: str | None = None) -> QtGui.QAction:
        """An action of the window; its icon is set by :meth:`finish_building` (only the menus show it)
        unless the toolbar shows the action."""
        action = QtGui.QAction(text, self)
        if icon_name:
            action.setProperty("iconName", icon_name)
        if shortcut:
            # Qt converts the text itself: a QKeySequence in Python sets up its class (~1 ms at start-up).
            action.setProperty("shortcut", shortcut)
        if tip:
            action.setToolTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.act_sign_in = self._action("&Sign in…", "signin", None, self.open_sign_in,
                                        "Sign in to a calling provider")
        self.act_demo = self._action("Try the &demo", None, None, self.demoRequested.emit)
        self.act_settings = self._action("S&ettings…", "settings", "Ctrl+,", self.open_settings, "Settings")
        self.act_quit = self._action("&Quit", "quit", "Ctrl+Q", self.request_quit)
        self.act_call = self._action("&Call", "call", None, self.call_from_field)
        self.act_hangup = self._action("&Hang up", "call_end", None, self.hang_up)
        self.act_balance = self._action("Refresh &balance", "refresh", "F5", self.refresh_balance)
        self.act_tabs = [
            self._action("&Dial", "dialpad", "Ctrl+1", lambda: self.show_tab(TAB_DIAL)),
            self._action("C&ontacts", "contacts", "Ctrl+2", lambda: self.show_tab(TAB_CONTACTS)),
            self._action("&History", "history", "Ctrl+3", lambda: self.show_tab(TAB_HISTORY)),
        ]
        self.act_focus = self._action("Go to number", None, "Ctrl+L", self.focus_number)
        self.act_search = self._action("Search", "search", "Ctrl+F", self.search_current,
                                       "Search the contacts or the history, whichever shows")

        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        for act in (self.act_sign_in, self.act_demo, self.act_settings):
            file_menu.addAction(act)
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        call_menu = bar.addMenu("&Call")
        for act in (self.act_call, self.act_hangup, self.act_balance):
            call_menu.addAction(act)
        view_menu = bar.addMenu("&View")
        for act in (*self.act_tabs, self.act_focus, self.act_search):
            view_menu.addAction(act)
        from dialer.ui.help_menu import HelpMenu

        self.help_menu = HelpMenu(self)

        tools = QtWidgets.QToolBar("Main", self)
        tools.setObjectName("mainToolbar")
        tools.setAccessibleName("Main toolbar")
        tools.setMovable(False)
        tools.setIconSize(QtCore.QSize(20, 20))
        tools.setProperty("toolButtonStyle", "ToolButtonTextBesideIcon")
        self.demo_badge = QtWidgets.QLabel("Demo", tools)  # made under the toolbar: no re-polish on adding
        self.demo_badge.setObjectName("demoBadge")
        self.demo_badge.setAccessibleName("Demo mode")
        self.demo_badge.setToolTip("Demo mode: calls go to the built-in sandbox, nobody is really called.")
        self.demo_badge.setVisible(self.demo)
        self.demo_badge_action = tools.addWidget(self.demo_badge)
        self.demo_badge_action.setVisible(self.demo)
        spacer = QtWidgets.QWidget(tools)
        spacer.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Preferred)
        tools.addWidget(spacer)
        for act in (self.act_sign_in, self.act_settings):
            act.setIcon(icons.icon(str(act.property("iconName"))))
            tools.addAction(act)
        self.addToolBar(tools)
        self.toolbar = tools
        self.act_hangup.setEnabled(False)

    def _build_status(self) -> None:
        self.status = QtWidgets.QStatusBar(self)
        self.status.setObjectName("statusBar")
        self.status.setAccessibleName("Status")
        self.setStatusBar(self.status)
        self.status.showMessage("Starting…")

    def _connect(self) -> None:
        page = self.dial_page
        page.number.submitted.connect(self.call_from_field)
        page.number.numberChanged.connect(self._on_number_changed)
        page.backspace.clicked.connect(page.number.backspace_dial)
        page.pad.pressed.connect(self._on_pad)
        page.call.clicked.connect(self.call_from_field)
        page.suggestionPicked.connect(self._pick_suggestion)
        page.demoClicked.connect(self.demoRequested.emit)
        page.signInClicked.connect(self.open_sign_in)
        page.accounts.accountChanged.connect(self._on_account_changed)
        page.accounts.ownNumberEdited.connect(self._on_own_number)
        page.error.linkActivated.connect(lambda _link: self.top_up())
        self.balance.refreshRequested.connect(self.refresh_balance)
        self.balance.topUpRequested.connect(self.top_up)

    @property
    def call_panel(self) -> CallPanel:
        """The live-call view, built on first use (not needed for the first paint)."""
        if self._call_panel is None:
            from dialer.ui.call_panel import CallPanel

            panel = CallPanel(self.dial_stack)
            self.dial_stack.addWidget(panel)
            panel.hangupRequested.connect(self._hang_up_call)
            panel.dtmfRequested.connect(self._send_dtmf)
            panel.cancelPostdialRequested.connect(self._cancel_postdial)
            panel.sendPostdialRequested.connect(self._send_postdial)
            panel.dismissed.connect(self.back_to_dial)
            self._call_panel = panel
        return self._call_panel

    @property
    def call_live(self) -> bool:
        return self._call_panel is not None and self._call_panel.is_live

    def retint(self, *_args: object) -> None:
        """Re-colour icons after a light/dark switch."""
        for action in self.actions():
            name = action.property("iconName")
            if name:
                action.setIcon(icons.icon(str(name)))
        for index, name in enumerate(("dialpad", "contacts", "history")):
            self.tabs.setTabIcon(index, icons.icon(name))
        self.dial_page.backspace.setIcon(icons.icon("backspace"))
        if self.dial_page._welcome is not None:
            self.dial_page._welcome.sign_in.setIcon(icons.icon("signin"))
        self.balance.retint()

    # ---------------------------------------------------------------------------------- service
    def attach(self, service: Any, bridge: ServiceBridge | None = None) -> None:
        """Wire the loaded service in: region, accounts, balance, contacts and history views."""
        from dialer.core import numbers
        from dialer.ui.service_bridge import ServiceBridge

        self.finish_building()
        self.service = service
        self.bridge = bridge or ServiceBridge(service, self)
        self.bridge.callEvent.connect(self._on_call_event)
        self.bridge.failed.connect(self._on_failed)
        settings = service.settings
        own = getattr(settings, "own_number", None)
        self.region = getattr(settings, "default_region", None) or numbers.default_region(own)
        self.dial_page.number.set_region(self.region)
        self.dial_page.accounts.set_own_number(own)
        self._load_views()
        self.bridge.spawn(self.reload_accounts(), title="Accounts")
        self.status.showMessage("Ready", 3000)

    def _load_views(self) -> None:
        """Contacts and History are built once the service is attached (after the first paint)."""
        from dialer.ui.contacts_view import ContactsView
        from dialer.ui.history_view import HistoryView

        view = ContactsView(self.service, self)
        view.callRequested.connect(self._call_requested)
        self._replace_tab(TAB_CONTACTS, view, "contacts", "Contacts")
        self.contacts_view = view
        hview = HistoryView(self.service, self)
        hview.callRequested.connect(self._call_requested)
        self._replace_tab(TAB_HISTORY, hview, "history", "History")
        self.history_view = hview

    def show_call_in_history(self, history_id: int) -> None:
        """The History tab, with this call selected (a notification was clicked)."""
        from dialer.ui.history_view import HistoryView

        self.tabs.setCurrentIndex(TAB_HISTORY)
        if isinstance(self.history_view, HistoryView):  # else still the "loading" placeholder
            self.history_view.select_call(history_id)

    def _replace_tab(self, index: int, widget: QtWidgets.QWidget, icon_name: str, title: str) -> None:
        current = self.tabs.currentIndex()
        old = self.tabs.widget(index)
        self.tabs.removeTab(index)
        self.tabs.insertTab(index, widget, icons.icon(icon_name), title)
        self.tabs.setTabToolTip(index, f"{title} (Ctrl+{index + 1})")
        self.tabs.setCurrentIndex(current)
        if old is not None:
            old.deleteLater()

    async def reload_accounts(self) -> None:
        """Reload the signed-in accounts and the balance; calls made while one runs share it."""
        import asyncio

        if self._reload_task is None or self._reload_task.done():
            self._reload_task = asyncio.ensure_future(self._reload_accounts())
        await self._reload_task  # not shielded: cancelling the caller (shutdown) cancels the reload

    async def _reload_accounts(self) -> None:
        if self.service is None:
            return
        accounts = list(await maybe_await(self.service.accounts.list()))
        default_id = getattr(self.service.settings, "default_account_id", None)
        signed_in = [a for a in accounts if getattr(a, "signed_in", True)]
        self.dial_page.accounts.set_accounts(signed_in, default_id)
        default_mode = getattr(self.service.settings, "default_mode", None)
        if default_mode is not None:
            self.dial_page.accounts.ring_first.setChecked(str(default_mode) == "bridge")
        self.dial_page.set_welcome_visible(not signed_in and not self.demo)
        self.dial_page.call.setEnabled(bool(signed_in))
        await self._refresh_balance()

    # ------------------------------------------------------------------------------- navigation
    def show_tab(self, index: int) -> None:
        self.tabs.setCurrentIndex(index)
        widget = self.tabs.currentWidget()
        if index == TAB_DIAL:
            self.focus_number()
        elif widget is not None:
            widget.setFocus()

    def focus_number(self) -> None:
        self.tabs.setCurrentIndex(TAB_DIAL)
        if self.dial_stack.currentWidget() is self.dial_page:
            self.dial_page.number.setFocus()
            self.dial_page.number.selectAll()

    def search_current(self) -> None:
        """Ctrl+F: search the history when it shows, else the contacts."""
        if self.tabs.currentIndex() == TAB_HISTORY:
            self._focus_search(self.history_view)
        else:
            self.search_contacts()

    def search_contacts(self) -> None:
        self.tabs.setCurrentIndex(TAB_CONTACTS)
        self._focus_search(self.contacts_view)

    def _focus_search(self, view: QtWidgets.QWidget) -> None:
        focus = getattr(view, "focus_search", None)
        if callable(focus):
            focus()
        else:
            search = view.findChild(QtWidgets.QLineEdit)
            (search or view).setFocus()

    def back_to_dial(self) -> None:
        if self.call_live:
            return
        self.dial_stack.setCurrentWidget(self.dial_page)
        self.act_hangup.setEnabled(False)
        self.dial_page.number.setFocus()

    # ------------------------------------------------------------------------------ number field
    def _on_pad(self, key: str) -> None:
        number = self.dial_page.number
        number.insert_dial(key)
        number.setFocus()

    def _on_number_changed(self, text: str) -> None:
        self._picked_name = None
        self.dial_page.clear_error()
        self._describe(text)
        if self.service is not None and self.bridge is not None:
            self.bridge.spawn(self._suggest(text), title="Contacts")

    def _describe(self, text: str) -> None:
        info_label = self.dial_page.info
        if self.region is None or not text.strip() or self.dial_page.number.is_name_query():
            info_label.setText(" ")
            return
        from dialer.core import numbers

        try:
            info = numbers.describe(text, self.region)
        except ValueError:
            info_label.setText("Not a phone number yet")
            return
        if not info.valid:
            info_label.setText("Keep typing: not a complete number yet" if len(numbers.digits_only(text)) < 8
                               else f"This does not look like a valid number{_in_country(info)}.")
            return
        from dialer.ui.number_field import flag_text

        parts = [" ".join(p for p in (flag_text(info.region), info.country_name) if p)]
        if info.place and info.place != info.country_name:
            parts.append(info.place)
        from dialer.ui.confirm_dialog import _type_words, local_time_text

        parts.append(_type_words(info.number_type))
        when, night = local_time_text(info)
        if when:
            parts.append(f"{when[:5]} there" + (" (night)" if night else ""))
        info_label.setText(" · ".join(p for p in parts if p))

    async def _suggest(self, text: str) -> None:
        lst = self.dial_page.suggestions
        query = text.strip()
        if len(query) < 2:
            lst.clear()
            lst.hide()
            return
        contacts = getattr(self.service, "contacts", None)
        if contacts is None:
            return
        matches = list(await maybe_await(contacts.search(query, MAX_SUGGESTIONS)))
        if self.dial_page.number.text().strip() != query:
            return  # the user typed on meanwhile
        lst.clear()
        for match in matches[:MAX_SUGGESTIONS]:
            how = getattr(match, "matched_by", "")
            label = getattr(match, "label", "")
            number = getattr(match, "number", "")
            shown = number
            try:
                from dialer.core import numbers

                shown = numbers.format_international(number)
            except ImportError:
                pass
            extra = f" ({label})" if label else ""
            hint = "  · letters match" if how == "t9" else ""
            item = QtWidgets.QListWidgetItem(f"{match.name} — {shown}{extra}{hint}")
            item.setData(QtCore.Qt.ItemDataRole.UserRole, (number, match.name))
            item.setToolTip(f"Call {match.name} on {shown}")
            lst.addItem(item)
        lst.setVisible(lst.count() > 0)
        if lst.count():
            rows = min(lst.count(), 4)
            lst.setFixedHeight(rows * max(lst.sizeHintForRow(0), 18) + 2 * lst.frameWidth() + 2)
            lst.setCurrentRow(0)

    def _pick_suggestion(self, item: QtWidgets.QListWidgetItem) -> None:
        number, name = item.data(QtCore.Qt.ItemDataRole.UserRole)
        self.dial_page.number.set_number(number)
        self._picked_name = name
        self.dial_page.suggestions.hide()
        self.dial_page.number.setFocus()

    # ------------------------------------------------------------------------------------ calling
    def call_from_field(self) -> None:
        from dialer.core.calls import Origin

        page = self.dial_page
        if page.number.is_name_query():
            item = page.suggestions.currentItem() if page.suggestions.isVisible() else None
            if item is None:
                page.show_error("No contact matches that name; type a number or pick a contact.")
                return
            self._pick_suggestion(item)
        text = page.number.dial_text()
        if not text:
            page.show_error("Type a number to call first.")
            return
        self.start_call(text, Origin.WINDOW, self._picked_name)

    def _call_requested(self, number: str, name: str) -> None:
        from dialer.core.calls import Origin

        self.tabs.setCurrentIndex(TAB_DIAL)
        self.dial_page.number.set_number(number)
        self._picked_name = name or None
        self.start_call(number, Origin.WINDOW, name or None)

    def open_uri(self, uri: str, origin: Origin | None = None) -> None:
        """A link from outside: fill the number in and ask for confirmation; never calls by itself."""
        from dialer.core.calls import Origin

        origin = origin or Origin.TEL_LINK
        if self.region is not None:
            from dialer.ui.number_field import extract_number

            self.dial_page.number.set_number(extract_number(uri, self.region) or "")
        self.tabs.setCurrentIndex(TAB_DIAL)
        self.raise_()
        self.activateWindow()
        self.start_call(uri, origin, None)

    def start_call(self, text: str, origin: Origin, name: str | None) -> None:
        if self.service is None or self.bridge is None:
            self.status.showMessage("Still starting; try again in a moment.", 4000)
            return
        if self._placing or self.call_live:
            self.status.showMessage("A call is already in progress.", 4000)
            return
        self._dial_task = self.bridge.spawn(self.dial(text, origin, name), title="Call")

    async def dial(self, text: str, origin: Origin, name: str | None = None) -> Any:
        """Prepare, confirm where needed, place. Returns the ActiveCall, or None when not placed."""
        import dataclasses

        from dialer.core.calls import Origin
        from dialer.providers.base import InsufficientFunds

        page = self.dial_page
        picker = page.accounts
        account = picker.current_account()
        self._placing = True
        page.call.setEnabled(False)
        self.status.clearMessage()
        try:
            try:
                plan = self.service.calls.prepare(
                    text, origin=origin, account_id=account.id if account is not None else None,
                    mode=picker.current_mode(), own_number=picker.own_number_text(),
                    caller_id=picker.caller_id_text())
            except ValueError as exc:  # DialError is a ValueError
                page.show_error(str(exc))
                return None
            if name and not getattr(plan, "display_name", None) and dataclasses.is_dataclass(plan) \
                    and not isinstance(plan, type):
                plan = dataclasses.replace(plan, display_name=name)
            if origin is not Origin.WINDOW and plan.info is not None:
                page.number.set_number(plan.info.international)
            confirm_all = bool(getattr(self.service.settings, "confirm_all", False))
            extra_confirmed = False
            if plan.needs_confirmation or plan.needs_extra_step or confirm_all or origin.is_external:
                dialog = await self.ask_confirmation(plan)
                if dialog is None:
                    self.status.showMessage("Call not placed.", 4000)
                    return None
                extra_confirmed = dialog.extra_confirmed
            try:
                active = await self.service.calls.place(plan, confirmed=True, extra_confirmed=extra_confirmed)
            except InsufficientFunds as exc:
                url = exc.wallet_url or await self._wallet_url()
                self._wallet = url
                page.show_error(str(exc), link=url)
                self.balance.top_up.setVisible(bool(url))
                return None
            except Exception as exc:
                from dialer.ui.service_bridge import is_user_error

                if is_user_error(exc):
                    page.show_error(str(exc))
                    return None
                raise
            self.show_call(active)
            return active
        finally:
            self._placing = False
            page.call.setEnabled(picker.current_account() is not None)

    async def ask_confirmation(self, plan: Any) -> ConfirmDialog | None:
        """Show the confirmation without a nested event loop; None when the user cancels."""
        import asyncio

        from dialer.ui.confirm_dialog import ConfirmDialog

        dialog = ConfirmDialog(plan, self)
        self.confirm_dialog = dialog
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def finished(result: int) -> None:
            if not future.done():
                future.set_result(int(result))

        dialog.finished.connect(finished)
        dialog.open()
        self.confirmationShown.emit(plan)
        try:
            result = await future
        finally:
            self.confirm_dialog = None
            dialog.deleteLater()
        return dialog if result == QtWidgets.QDialog.DialogCode.Accepted.value else None

    def show_call(self, active: Any) -> None:
        if self._call_panel is None or self._call_panel.active is None or self._call_panel.active.id != active.id:
            self.status.clearMessage()
        self.call_panel.show_call(active)
        self.dial_stack.setCurrentWidget(self.call_panel)
        self.act_hangup.setEnabled(not active.finished)
        self.call_panel.setFocus()

    def _on_call_event(self, event: Any) -> None:
        panel = self.call_panel
        if event.kind == "balance":
            account = self.dial_page.accounts.current_account()
            if account is not None and event.call.plan.account.id == account.id:
                last = getattr(self.service.calls, "last_balance", {}).get(account.id)
                if last is not None:
                    self.bridge.spawn(self._show_balance(account, last), title="Balance")  # type: ignore[union-attr]
            return
        if panel.active is not None and panel.active.id != event.call_id and panel.is_live:
            return  # another call's event (only one is shown)
        if self._placing:  # dial() shows the panel once the provider accepted the call, or the error
            panel.show_call(event.call)
            return
        if panel.active is None or panel.active.id == event.call_id:
            if event.call.finished:
                panel.show_call(event.call)
            else:
                self.show_call(event.call)
        if event.kind == "error" and event.message:
            self.status.showMessage(event.message, 8000)
        if event.kind == "finished":
            self.act_hangup.setEnabled(False)
            if self.dial_stack.currentWidget() is self.call_panel:
                panel.done.setFocus()

    def hang_up(self) -> None:
        if self.call_live:
            self.call_panel._hang_up()

    def _hang_up_call(self, call_id: int) -> None:
        if self.bridge is None:
            return

        async def run() -> None:
            import asyncio

            placing = getattr(self, "_dial_task", None)
            if placing is not None and not placing.done():
                # The legs may already show (events arrive while the request is on its way); hang up as
                # soon as the provider has answered the request with the call's id, not refuse.
                await asyncio.wait({placing})
            try:
                await self.service.calls.hang_up(call_id)
            except Exception as exc:
                self.call_panel.hangup_failed(getattr(exc, "user_message", None) or str(exc))
                raise

        self.bridge.spawn(run(), title="Hang up")

    def _send_dtmf(self, call_id: int, digits: str) -> None:
        if self.bridge is not None:
            self.bridge.spawn(self.service.calls.send_dtmf(call_id, digits), title="Key press")

    def _send_postdial(self, call_id: int) -> None:
        if self.bridge is None:
            return

        async def run() -> None:  # failures are shown like a key press's
            self.service.calls.send_postdial(call_id)

        self.bridge.spawn(run(), title="Send keys")

    def _cancel_postdial(self, call_id: int) -> None:
        if self.service is not None:
            self.service.calls.cancel_postdial(call_id)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        text = event.text()
        if self.call_live and text and text in "0123456789*#" and len(text) == 1 \
                and self.call_panel.send_key(text):
            return
        on_dial_page = self.tabs.currentIndex() == TAB_DIAL and self.dial_stack.currentWidget() is self.dial_page
        if on_dial_page and len(text) == 1 and text in "0123456789*#+":  # typed anywhere on the page
            self.dial_page.number.setFocus()
            self.dial_page.number.insert_dial(text)
            return
        super().keyPressEvent(event)

    # ------------------------------------------------------------------------------------ balance
    def _on_account_changed(self, account: Any) -> None:
        if self.bridge is not None:
            self.bridge.spawn(self._refresh_balance(), title="Balance")
        import functools

        picker = self.dial_page.accounts
        if self.service is not None and self.bridge is not None and account is not None \
                and picker.wants_caller_ids():
            picker.caller_id.load(functools.partial(self.service.accounts.caller_ids, account.id),
                                  getattr(account, "caller_id", None),
                                  spawn=functools.partial(self.bridge.spawn, title="Caller ID"))
        if self.service is not None and self.bridge is not None and account is not None \
                and account.capabilities.needs_own_number:
            picker.load_own_choices(account.id, functools.partial(self.service.accounts.own_numbers, account.id),
                                    spawn=functools.partial(self.bridge.spawn, title="Your phones"))

    def _on_own_number(self, number: str) -> None:
        if self.service is not None:
            try:
                self.service.settings.own_number = number or None
            except (ValueError, TypeError) as exc:
                self.dial_page.show_error(str(exc))

    def refresh_balance(self) -> None:
        if self.bridge is not None:
            self.bridge.spawn(self._refresh_balance(), title="Balance")

    async def _wallet_url(self) -> str | None:
        account = self.dial_page.accounts.current_account()
        if account is None or self.service is None:
            return None
        try:
            url = await maybe_await(self.service.accounts.wallet_url(account.id))
        except Exception:  # no wallet is not an error worth a dialog
            url = account.capabilities.wallet_url
        return str(url) if url else None

    async def _refresh_balance(self) -> None:
        """Fetch and show the balance; a request for the same account while one runs shares it (start-up
        asked up to four times: the accounts reload and the account picker both refresh)."""
        import asyncio

        account = self.dial_page.accounts.current_account()
        key = (id(self.service), account.id if account is not None else None)
        if self._balance_task is None or self._balance_task.done() or self._balance_key != key:
            self._balance_key = key
            self._balance_task = asyncio.ensure_future(self._fetch_balance())
        try:
            await self._balance_task
        finally:
            self.balanceChanged.emit()

    async def _fetch_balance(self) -> None:
        account = self.dial_page.accounts.current_account()
        if account is None or self.service is None:
            self.balance.show_none()
            return
        caps = account.capabilities
        wallet = await self._wallet_url()
        self._wallet = wallet
        if not caps.balance:
            self.balance.show_unsupported(caps.display_name, wallet)
            return
        self.balance.show_loading()
        try:
            value = await maybe_await(self.service.accounts.balance(account.id))
        except Exception as exc:
            from dialer.ui.service_bridge import is_user_error

            if not is_user_error(exc):
                raise
            self.balance.show_error(str(exc))
            return
        await self._show_balance(account, value, wallet)

    async def _show_balance(self, account: Any, value: Any, wallet: str | None = None) -> None:
        if wallet is None:
            wallet = await self._wallet_url()
        current = self.dial_page.accounts.current_account()
        if current is not None and current.id == account.id:
            self.balance.show_balance(value, wallet)
            self.balanceChanged.emit()

    def top_up(self) -> None:
        url = getattr(self, "_wallet", None)
        if url:
            QtGui.QDesktopServices.openUrl(QtCore.QUrl(url))
            self.status.showMessage("Opened the top-up page in your browser.", 5000)
        else:
            self.status.showMessage("This provider has no top-up page; add credit on its website.", 6000)

    # ------------------------------------------------------------------------------------ dialogs
    def _keep(self, dialog: QtWidgets.QDialog, on_finished: Any = None) -> QtWidgets.QDialog:
        self.dialogs.append(dialog)

        def finished(result: int) -> None:
            if dialog in self.dialogs:
                self.dialogs.remove(dialog)
            if on_finished is not None:
                on_finished(result)
            dialog.deleteLater()
            self.dialogsChanged.emit()

        dialog.finished.connect(finished)
        dialog.open()
        self.dialogsChanged.emit()
        return dialog

    def open_sign_in(self, provider_id: str | None = None) -> None:
        if self.service is None:
            self.status.showMessage("Still starting; try again in a moment.", 4000)
            return
        try:
            from dialer.ui.signin_dialogs import SignInDialog
        except ImportError:
            self.status.showMessage("Sign-in is not available in this build.", 4000)
            return
        dialog = SignInDialog(self.service, provider_id if isinstance(provider_id, str) else None, self)

        def signed_in(_result: int) -> None:
            if self.bridge is not None:
                self.bridge.spawn(self.reload_accounts(), title="Accounts")

        self._keep(dialog, signed_in)

    def open_settings(self) -> None:
        if self.service is None:
            self.status.showMessage("Still starting; try again in a moment.", 4000)
            return
        try:
            from dialer.ui.settings_dialog import SettingsDialog
        except ImportError:
            self.status.showMessage("Settings are not available in this build.", 4000)
            return

        def applied(_result: int) -> None:
            app = QtWidgets.QApplication.instance()
            if isinstance(app, QtWidgets.QApplication):
                theme.apply(app, str(getattr(self.service.settings, "theme", "system") or "system"))
            self.dial_page.accounts.set_own_number(getattr(self.service.settings, "own_number", None))
            if self.bridge is not None:
                self.bridge.spawn(self.reload_accounts(), title="Accounts")

        self._keep(SettingsDialog(self.service, self), applied)

    def _on_failed(self, title: str, message: str, exc: object) -> None:
        if title in ("Call", "Hang up", "Key press"):
            if self.dial_stack.currentWidget() is self.call_panel:
                self.status.showMessage(message, 8000)
            else:
                self.dial_page.show_error(message)
            return
        self.status.showMessage(f"{title}: {message}", 8000)

    def set_demo(self, demo: bool) -> None:
        self.demo = demo
        self.setWindowTitle("Dialer — Demo" if demo else "Dialer")
        self.demo_badge.setVisible(demo)
        self.demo_badge_action.setVisible(demo)
        self.act_demo.setVisible(not demo)

    # ---------------------------------------------------------------------------------- closing
    def request_quit(self) -> None:
        """Quit (Ctrl+Q, the tray's Quit): unlike closing the window, never just hides it in the tray."""
        self._quitting = True
        try:
            self.close()
        finally:
            self._quitting = False

    def allow_close(self) -> None:
        self._allow_close = True

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        if self._allow_close:
            event.accept()
            return
        event.ignore()  # the app closes the service first, then the window (see app.py)
        if self.close_to_tray and not self._quitting:  # the tray keeps the app (and a live call) going
            self.hide()
            self.hiddenToTray.emit()
            return
        if self.call_live and self.service is not None:
            self._ask_quit_during_call()
            return
        self.hide()
        self.closing.emit()

    def _ask_quit_during_call(self) -> None:
        """Quitting mid-call stops following it (the call itself goes on): ask, without blocking."""
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Question, "Quit during a call?",
                                    "A call is in progress. If you quit, the app stops following it; the "
                                    "call itself goes on until you hang up on your phone.",
                                    QtWidgets.QMessageBox.StandardButton.NoButton, self)
        box.setObjectName("quitDuringCall")
        box.setAccessibleName("Quit during a call?")
        quit_button = box.addButton("Quit anyway", QtWidgets.QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("Keep the window", QtWidgets.QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)

        def decided(_result: int) -> None:
            if box.clickedButton() is quit_button:
                self.hide()
                self.closing.emit()

        self._keep(box, decided)


def _in_country(info: Any) -> str:
    return f" in {info.country_name}" if getattr(info, "country_name", "") else ""
