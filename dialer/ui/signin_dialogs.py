"""Sign-in: one dialog, a page per provider and sign-in kind, every wait visible, every error in place.

* Ringez: e-mail first; the service says whether the address is new (a 6-digit code is e-mailed, with a
  resend countdown) or known (password).
* RingCentral: "Sign in with browser" (OAuth in the user's browser, via ``QDesktopServices``) or a JWT
  credential with the app's client ID and secret.
* Called.in: an API key. Ringostat: auth key, the method (simple: calls from the project's phone number,
  the "extension"; extended: rings the user's own phone first, needs the project ID).

While the service works, a busy bar runs and the page's inputs are disabled; a failure shows the service's
message (cause and fix) in red under the fields, and the user can correct and retry. Nothing raises out.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from dialer.providers.base import Capabilities, SignInKind
from dialer.providers.capabilities import CAPABILITIES
from dialer.providers.capabilities import RINGCENTRAL_REDIRECT_URI as RC_DEFAULT_REDIRECT_URI
from dialer.qt import Qt, QtCore, QtGui, QTimer, QtWidgets, Signal
from dialer.ui import theme

log = logging.getLogger(__name__)

RESEND_SECONDS = 60

def _error_style() -> str:
    """Red that keeps its contrast in the current look (light or dark)."""
    return f"color: {theme.accents().hangup};"



def _error_text(exc: BaseException) -> str:
    text = getattr(exc, "user_message", None) or str(exc)
    return text or f"Sign-in failed ({exc.__class__.__name__}). Check your connection and try again."


def _open_in_browser(url: str) -> None:
    QtGui.QDesktopServices.openUrl(QtCore.QUrl(url))


def _field(placeholder: str, accessible: str, *, secret: bool = False) -> QtWidgets.QLineEdit:
    edit = QtWidgets.QLineEdit()
    edit.setPlaceholderText(placeholder)
    edit.setAccessibleName(accessible)
    if secret:
        edit.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
    return edit


def _heading(text: str) -> QtWidgets.QLabel:
    label = QtWidgets.QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setOpenExternalLinks(True)
    return label


class _Page(QtWidgets.QWidget):
    """A page of the dialog: its inputs (disabled while busy) and its main button (the default)."""

    def __init__(self, name: str, title: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setAccessibleName(title)
        self.title = title
        self.inputs: list[QtWidgets.QWidget] = []
        self.primary: QtWidgets.QPushButton | None = None
        self.form = QtWidgets.QFormLayout()
        self.layout_ = QtWidgets.QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)

    def add_row(self, label: str, widget: QtWidgets.QWidget) -> None:
        self.form.addRow(label, widget)
        self.inputs.append(widget)

    def add_wide(self, widget: QtWidgets.QWidget) -> None:
        """A row across both columns (a list)."""
        self.form.addRow(widget)
        self.inputs.append(widget)

    def add_button(self, button: QtWidgets.QPushButton) -> None:
        """A button under the fields, at its natural width."""
        box = QtWidgets.QHBoxLayout()
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(button)
        box.addStretch(1)
        self.form.addRow("", box)
        self.inputs.append(button)

    def first_input(self) -> QtWidgets.QWidget | None:
        return next((w for w in self.inputs if w.isEnabled()), self.primary)


class SignInDialog(QtWidgets.QDialog):
    """Sign in to ``provider_id`` (or let the user choose). Emits ``signedIn(account_view)`` on success."""

    signedIn = Signal(object)

    def __init__(self, service: Any, provider_id: str | None = None,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self.setObjectName("signInDialog")
        self.setWindowTitle("Sign in")
        self.setAccessibleName("Sign in to a calling provider")
        self.setMinimumWidth(440)
        self.open_browser: Callable[[str], None] = _open_in_browser
        self.account: Any = None
        self._provider_id = provider_id
        self._busy = False
        self._countdown_left = 0
        self._email = ""
        self._task: asyncio.Future[None] | None = None

        self.stack = QtWidgets.QStackedWidget()
        self.error_label = QtWidgets.QLabel()
        self.error_label.setObjectName("signInError")
        self.error_label.setWordWrap(True)
        self.error_label.setAccessibleName("Sign-in error")
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()
        self.busy_bar = QtWidgets.QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumHeight(8)
        self.busy_bar.setAccessibleName("Waiting for the provider")
        self.busy_bar.hide()
        self.back_button = QtWidgets.QPushButton("< &Back")
        self.back_button.setAccessibleName("Back")
        self.back_button.setAutoDefault(False)
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel sign-in")
        self.cancel_button.setAutoDefault(False)

        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._tick)

        self.chooser_page = self._build_chooser()
        self.ringez_email_page = self._build_ringez_email()
        self.ringez_code_page = self._build_ringez_code()
        self.ringez_password_page = self._build_ringez_password()
        self.ringcentral_page = self._build_ringcentral()
        self.calledin_page = self._build_calledin()
        self.ringostat_page = self._build_ringostat()
        for page in (self.chooser_page, self.ringez_email_page, self.ringez_code_page,
                     self.ringez_password_page, self.ringcentral_page, self.calledin_page, self.ringostat_page):
            page.layout_.addLayout(page.form)
            page.layout_.addStretch(1)
            self.stack.addWidget(page)

        bottom = QtWidgets.QHBoxLayout()
        bottom.addWidget(self.back_button)
        bottom.addStretch(1)
        for index in range(self.stack.count()):
            widget = self.stack.widget(index)
            if isinstance(widget, _Page) and widget.primary is not None:
                widget.primary.hide()
                bottom.addWidget(widget.primary)
        bottom.addWidget(self.cancel_button)
        self.title_label = QtWidgets.QLabel()
        font = self.title_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title_label.setFont(font)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.stack)
        layout.addWidget(self.error_label)
        layout.addWidget(self.busy_bar)
        layout.addStretch(1)
        layout.addLayout(bottom)

        self.back_button.clicked.connect(self.go_back)
        self.cancel_button.clicked.connect(self.reject)
        self.stack.currentChanged.connect(self._page_changed)
        if provider_id is None:
            self.show_page(self.chooser_page)
        else:
            self.choose_provider(provider_id)

    # ----------------------------------------------------------------------------------------- pages

    def _finish_page(self, page: _Page, primary_text: str, action: Callable[[], None],
                     accessible: str) -> QtWidgets.QPushButton:
        button = QtWidgets.QPushButton(primary_text)
        button.setAccessibleName(accessible)
        button.clicked.connect(action)
        page.primary = button  # shown in the dialog's bottom row while the page is current
        for widget in page.inputs:
            if isinstance(widget, QtWidgets.QLineEdit):
                widget.returnPressed.connect(action)
        return button

    def _build_chooser(self) -> _Page:
        page = _Page("chooserPage", "Choose your provider")
        self.provider_list = QtWidgets.QListWidget()
        self.provider_list.setAccessibleName("Providers")
        for caps in CAPABILITIES.values():
            item = QtWidgets.QListWidgetItem(f"{caps.display_name}\n    {self._kinds_text(caps)}")
            item.setData(Qt.ItemDataRole.UserRole, caps.provider_id)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{caps.display_name}: {self._kinds_text(caps)}")
            self.provider_list.addItem(item)
        self.provider_list.setCurrentRow(0)
        self.provider_list.setMinimumHeight(self.fontMetrics().height() * 9)
        page.layout_.addWidget(QtWidgets.QLabel("Which service places your calls?"))
        page.add_wide(self.provider_list)
        self.provider_list.itemActivated.connect(lambda _item: self._choose_selected())
        self._finish_page(page, "&Next >", self._choose_selected, "Continue with the chosen provider")
        return page

    @staticmethod
    def _kinds_text(caps: Capabilities) -> str:
        kinds = caps.sign_in
        if SignInKind.EMAIL_OTP in kinds:
            return "e-mail and a code, or password"
        if SignInKind.OAUTH_BROWSER in kinds:
            return "your browser, or a JWT credential"
        if caps.provider_id == "ringostat":
            return "auth key, and the project's number or ID"
        return "API key"

    def _build_ringez_email(self) -> _Page:
        page = _Page("ringezEmailPage", "Sign in to Ringez")
        self.email_edit = _field("you@example.com", "E-mail address")
        page.layout_.addWidget(_heading("Enter the e-mail address of your Ringez account, or the one to "
                                        "create it with."))
        page.add_row("&E-mail:", self.email_edit)
        self._finish_page(page, "&Continue", self.check_email, "Continue with this e-mail")
        return page

    def _build_ringez_code(self) -> _Page:
        page = _Page("ringezCodePage", "Enter your code")
        self.code_info = _heading("")
        self.code_edit = _field("123456", "Six-digit code")
        self.code_edit.setMaxLength(6)
        self.code_edit.setValidator(QtGui.QRegularExpressionValidator(QtCore.QRegularExpression(r"\d{0,6}"),
                                                                      self.code_edit))
        self.code_edit.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
        self.resend_button = QtWidgets.QPushButton("Resend code")
        self.resend_button.setAccessibleName("Send a new code")
        self.resend_button.setAutoDefault(False)
        self.resend_button.clicked.connect(self.resend_code)
        page.layout_.addWidget(self.code_info)
        page.add_row("&Code:", self.code_edit)
        page.add_button(self.resend_button)
        self._finish_page(page, "&Verify", self.verify_code, "Verify the code and sign in")
        return page

    def _build_ringez_password(self) -> _Page:
        page = _Page("ringezPasswordPage", "Welcome back")
        self.password_info = _heading("")
        self.password_edit = _field("Password", "Password", secret=True)
        page.layout_.addWidget(self.password_info)
        page.add_row("&Password:", self.password_edit)
        self._finish_page(page, "&Sign in", self.sign_in_password, "Sign in with this password")
        return page

    def _build_ringcentral(self) -> _Page:
        page = _Page("ringcentralPage", "Sign in to RingCentral")
        self.browser_button = QtWidgets.QPushButton("Sign in with &browser")
        self.browser_button.setAccessibleName("Sign in to RingCentral in your web browser")
        self.browser_button.setAutoDefault(False)
        self.browser_button.clicked.connect(self.sign_in_browser)
        self.jwt_edit = _field("JWT credential", "JWT credential", secret=True)
        self.client_id_edit = _field("Client ID of your RingCentral app", "Client ID")
        self.client_secret_edit = _field("Client secret", "Client secret", secret=True)
        self.redirect_edit = _field(RC_DEFAULT_REDIRECT_URI, "Redirect URI registered for your app")
        self.redirect_edit.setText(RC_DEFAULT_REDIRECT_URI)
        self.redirect_edit.setToolTip("RingCentral sends the browser sign-in back to this address; it must "
                                      "exactly match a redirect URI registered for your app.")
        page.layout_.addWidget(_heading(
            "Sign in in your browser (recommended), or paste a JWT credential created in the RingCentral "
            f"Developer Console. For the browser, register <b>{RC_DEFAULT_REDIRECT_URI}</b> as your app's "
            "redirect URI (or enter the one you registered below: it must match exactly)."))
        page.add_button(self.browser_button)
        page.add_row("&Client ID:", self.client_id_edit)
        page.add_row("Client &secret:", self.client_secret_edit)
        page.add_row("&Redirect URI:", self.redirect_edit)
        page.add_row("&JWT:", self.jwt_edit)
        self._finish_page(page, "Sign in with &JWT", self.sign_in_jwt, "Sign in with the JWT credential")
        return page

    def _build_calledin(self) -> _Page:
        page = _Page("calledinPage", "Sign in to Called.in")
        self.api_key_edit = _field("API key", "Called.in API key", secret=True)
        page.layout_.addWidget(_heading("Paste the API key from your Called.in dashboard."))
        page.add_row("API &key:", self.api_key_edit)
        self._finish_page(page, "&Sign in", self.sign_in_calledin, "Sign in with this API key")
        return page

    def _build_ringostat(self) -> _Page:
        page = _Page("ringostatPage", "Sign in to Ringostat")
        self.auth_key_edit = _field("Auth key", "Ringostat auth key", secret=True)
        self.method_simple = QtWidgets.QRadioButton("Si&mple: calls from the project's number first")
        self.method_simple.setAccessibleName("Simple method: calls from the project's phone number first")
        self.method_extended = QtWidgets.QRadioButton("Exte&nded: rings your own phone first")
        self.method_extended.setAccessibleName("Extended method: rings your own phone first")
        self.method_group = QtWidgets.QButtonGroup(page)
        methods = QtWidgets.QWidget()
        methods.setAccessibleName("How Ringostat connects your calls")
        box = QtWidgets.QVBoxLayout(methods)
        box.setContentsMargins(0, 0, 0, 0)
        for button in (self.method_simple, self.method_extended):
            self.method_group.addButton(button)
            box.addWidget(button)
        self.method_simple.setChecked(True)
        self.project_edit = _field("Project ID, e.g. 11111", "Ringostat project ID")
        self.extension_edit = _field("Project phone number, e.g. 380441112233", "Extension: a project phone number")
        self.extension_help = _heading("The extension is a phone number of your project connected as "
                                       "<i>incoming</i> (Virtual PBX → Connect phone numbers), not a SIP login.")
        self.extension_help.setObjectName("ringostatExtensionHelp")
        page.layout_.addWidget(_heading("Find the Auth-key in your Ringostat project settings "
                                        "(Integrations → Ringostat API)."))
        page.add_row("&Auth key:", self.auth_key_edit)
        page.form.addRow("Method:", methods)
        page.inputs.extend([self.method_simple, self.method_extended])  # disabled while busy, in the tab order
        page.add_row("&Project ID:", self.project_edit)
        page.add_row("E&xtension:", self.extension_edit)
        page.form.addRow("", self.extension_help)
        self.method_simple.toggled.connect(self._ringostat_method_changed)
        self._ringostat_method_changed()
        self._finish_page(page, "&Sign in", self.sign_in_ringostat, "Sign in to Ringostat")
        return page

    @property
    def ringostat_method(self) -> str:
        return "simple" if self.method_simple.isChecked() else "extended"

    def _ringostat_method_changed(self, *_: object) -> None:
        """Say which field the chosen method needs (the other one is optional)."""
        simple = self.ringostat_method == "simple"
        self.project_edit.setPlaceholderText("Project ID, e.g. 11111" + (" (optional)" if simple else ""))
        self.extension_edit.setPlaceholderText("Project phone number, e.g. 380441112233"
                                               + ("" if simple else " (optional)"))

    # ------------------------------------------------------------------------------------- navigation

    @property
    def current_page(self) -> _Page:
        page = self.stack.currentWidget()
        assert isinstance(page, _Page)
        return page

    def show_page(self, page: _Page) -> None:
        self.clear_error()
        self.stack.setCurrentWidget(page)
        self._page_changed()

    def _page_changed(self, *_: object) -> None:
        page = self.current_page
        self.title_label.setText(page.title)
        self.title_label.setAccessibleName(page.title)
        self.back_button.setVisible(page is not self.chooser_page and (
            self._provider_id is None or page in (self.ringez_code_page, self.ringez_password_page)))
        for index in range(self.stack.count()):
            other = self.stack.widget(index)
            if isinstance(other, _Page) and other.primary is not None:
                other.primary.setVisible(other is page)
                other.primary.setDefault(other is page)
        chain: Sequence[QtWidgets.QWidget] = [*page.inputs, *([page.primary] if page.primary else []),
                                              self.back_button, self.cancel_button]
        for first, second in itertools.pairwise(chain):
            QtWidgets.QWidget.setTabOrder(first, second)
        target = page.first_input()
        if target is not None:
            target.setFocus()

    def _choose_selected(self) -> None:
        item = self.provider_list.currentItem()
        if item is not None:
            self.choose_provider(str(item.data(Qt.ItemDataRole.UserRole)))

    def choose_provider(self, provider_id: str) -> None:
        pages = {"ringez": self.ringez_email_page, "ringcentral": self.ringcentral_page,
                 "calledin": self.calledin_page, "ringostat": self.ringostat_page}
        page = pages.get(provider_id)
        if page is None:
            self.show_page(self.chooser_page)
            self.show_error(f"Unknown provider “{provider_id}”. Choose one of the providers listed.")
            return
        self._chosen = provider_id
        self.show_page(page)

    def go_back(self) -> None:
        page = self.current_page
        self._stop_countdown()
        if page in (self.ringez_code_page, self.ringez_password_page):
            self.show_page(self.ringez_email_page)
        else:
            self.show_page(self.chooser_page)

    # ------------------------------------------------------------------------------------ busy/errors

    @property
    def busy(self) -> bool:
        return self._busy

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busy_bar.setVisible(busy)
        page = self.current_page
        for widget in [*page.inputs, *([page.primary] if page.primary else []), self.back_button]:
            widget.setEnabled(not busy)
        if page is self.ringez_code_page and not busy:
            self.resend_button.setEnabled(self._countdown_left == 0)
        if page is self.ringcentral_page:
            self.browser_button.setEnabled(not busy)
        if busy:
            self.clear_error()

    def show_error(self, text: str) -> None:
        self.error_label.setStyleSheet(_error_style())
        self.error_label.setText(text)
        self.error_label.show()

    def clear_error(self) -> None:
        self.error_label.clear()
        self.error_label.hide()

    def _require(self, *fields: tuple[QtWidgets.QLineEdit, str]) -> bool:
        for edit, message in fields:
            if not edit.text().strip():
                self.show_error(message)
                edit.setFocus()
                return False
        return True

    # ------------------------------------------------------------------------------------------ tasks

    def _start(self, coro: Coroutine[Any, Any, None]) -> None:
        """Show the wait at once (busy bar, inputs off), then run ``coro`` on the event loop.

        The buttons' slots are plain methods that check the fields and call this, so a second click can
        never start a second request, and the busy state is visible before the first network byte.
        """
        self._set_busy(True)
        self._task = asyncio.ensure_future(coro)
        self._task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Future[None]) -> None:
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:  # the coroutines catch what they expect; this is a bug, still shown in place
            log.error("sign-in step failed", exc_info=exc)
            self._set_busy(False)
            self.show_error(_error_text(exc))

    # ------------------------------------------------------------------------------------------ Ringez

    def check_email(self) -> None:
        if self._busy or not self._require((self.email_edit, "Enter your e-mail address.")):
            return
        email = self.email_edit.text().strip()
        if "@" not in email or email.startswith("@") or email.endswith("@"):
            self.show_error("That does not look like an e-mail address: check it, e.g. you@example.com.")
            return
        self._start(self._check_email(email))

    async def _check_email(self, email: str) -> None:
        try:
            status = await self._service.accounts.ringez_check_email(email)
            if status == "existing_user":
                self._email = email
                self.password_info.setText(f"Enter the password of <b>{email}</b>.")
                self._set_busy(False)
                self.show_page(self.ringez_password_page)
                return
            await self._service.accounts.ringez_send_otp(email)
        except Exception as exc:
            self._set_busy(False)
            self.show_error(_error_text(exc))
            return
        self._email = email
        self.code_info.setText(f"We e-mailed a 6-digit code to <b>{email}</b>. Enter it here.")
        self.code_edit.clear()
        self._set_busy(False)
        self.show_page(self.ringez_code_page)
        self._start_countdown()

    def resend_code(self) -> None:
        if not self._busy and not self._countdown_left:
            self._start(self._resend_code())

    async def _resend_code(self) -> None:
        try:
            await self._service.accounts.ringez_send_otp(self._email)
        except Exception as exc:
            self._set_busy(False)
            self.show_error(_error_text(exc))
            return
        self._set_busy(False)
        self.code_info.setText(f"We e-mailed a new code to <b>{self._email}</b>. Enter the newest one.")
        self._start_countdown()

    def _start_countdown(self) -> None:
        self._countdown_left = RESEND_SECONDS
        self._show_countdown()
        self._countdown.start()

    def _stop_countdown(self) -> None:
        self._countdown.stop()
        self._countdown_left = 0
        self._show_countdown()

    def _tick(self) -> None:
        self._countdown_left = max(0, self._countdown_left - 1)
        if self._countdown_left == 0:
            self._countdown.stop()
        self._show_countdown()

    def _show_countdown(self) -> None:
        left = self._countdown_left
        self.resend_button.setText(f"Resend code in {left} s" if left else "Resend code")
        self.resend_button.setEnabled(left == 0 and not self._busy)

    @property
    def countdown_running(self) -> bool:
        return self._countdown.isActive()

    def verify_code(self) -> None:
        if self._busy:
            return
        code = self.code_edit.text().strip()
        if len(code) != 6:
            self.show_error("Enter all 6 digits of the code from the e-mail.")
            self.code_edit.setFocus()
            return
        self._start(self._sign_in("ringez", {"email": self._email, "otp": code}, self.code_edit))

    def sign_in_password(self) -> None:
        if self._busy or not self._require((self.password_edit, "Enter your password.")):
            return
        self._start(self._sign_in("ringez", {"email": self._email, "password": self.password_edit.text()},
                                  self.password_edit))

    # ------------------------------------------------------------------------------------ RingCentral

    def sign_in_browser(self) -> None:
        if self._busy:
            return
        settings = {k: v for k, v in (("client_id", self.client_id_edit.text().strip()),
                                      ("client_secret", self.client_secret_edit.text().strip()),
                                      ("redirect_uri", self.redirect_edit.text().strip())) if v}
        self.show_status("Finish signing in in your browser; this window continues by itself.")
        self._start(self._sign_in_browser(settings))

    async def _sign_in_browser(self, settings: dict[str, str]) -> None:
        try:
            account = await self._service.accounts.sign_in_browser("ringcentral", settings, self.open_browser)
        except Exception as exc:
            self._set_busy(False)
            self.show_error(_error_text(exc))
            return
        self._set_busy(False)
        self._done(account)

    def show_status(self, text: str) -> None:
        self.busy_bar.setToolTip(text)
        self.busy_bar.setAccessibleDescription(text)

    def sign_in_jwt(self) -> None:
        if self._busy or not self._require(
                (self.client_id_edit, "Enter the client ID of your RingCentral app."),
                (self.client_secret_edit, "Enter the client secret of your RingCentral app."),
                (self.jwt_edit, "Paste your JWT credential.")):
            return
        self._start(self._sign_in("ringcentral", {"jwt": self.jwt_edit.text().strip(),
                                                  "client_id": self.client_id_edit.text().strip(),
                                                  "client_secret": self.client_secret_edit.text().strip()},
                                  self.jwt_edit))

    # --------------------------------------------------------------------------- Called.in, Ringostat

    def sign_in_calledin(self) -> None:
        if self._busy or not self._require((self.api_key_edit, "Paste your Called.in API key.")):
            return
        self._start(self._sign_in("calledin", {"api_key": self.api_key_edit.text().strip()},
                                  self.api_key_edit))

    def sign_in_ringostat(self) -> None:
        method = self.ringostat_method
        needed = ((self.extension_edit, "The simple method needs the extension: a phone number of your project "
                                        "connected as incoming (Virtual PBX → Connect phone numbers).")
                  if method == "simple" else
                  (self.project_edit, "The extended method needs your Ringostat project ID."))
        if self._busy or not self._require((self.auth_key_edit, "Paste your Ringostat auth key."), needed):
            return
        self._start(self._sign_in("ringostat", {"auth_key": self.auth_key_edit.text().strip(), "method": method,
                                                "project_id": self.project_edit.text().strip(),
                                                "extension": self.extension_edit.text().strip()},
                                  self.auth_key_edit))

    # ---------------------------------------------------------------------------------------- common

    async def _sign_in(self, provider_id: str, credentials: dict[str, str],
                       retry_field: QtWidgets.QLineEdit) -> None:
        try:
            account = await self._service.accounts.sign_in(provider_id, credentials)
        except Exception as exc:
            self._set_busy(False)
            self.show_error(_error_text(exc))
            retry_field.setFocus()
            retry_field.selectAll()
            return
        self._set_busy(False)
        self._done(account)

    def _done(self, account: Any) -> None:
        self._stop_countdown()
        self.account = account
        self.signedIn.emit(account)
        self.accept()

    def done(self, result: int) -> None:
        """Closing (Cancel, Esc, success) stops the countdown and any sign-in still waiting."""
        self._stop_countdown()
        if self._task is not None and not self._task.done():
            self._task.cancel()
        super().done(result)
