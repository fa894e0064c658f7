"""Sign-in dialog against the real sandbox: Ringez e-mail code (new user), wrong code, password, chooser.

The code is read from the sandbox's ``/_sandbox/outbox`` (where its Ringez emulator "e-mails" codes).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from dialer.qt import Qt, QtWidgets
from dialer.service.app import DialerService
from dialer.ui import signin_dialogs
from dialer.ui.signin_dialogs import SignInDialog
from tests.gui.conftest import run

DEMO_EMAIL = "demo@ringez.test"  # the sandbox's existing Ringez user
DEMO_PASSWORD = "ringez-demo-password"






@pytest.fixture
def service(loop: asyncio.AbstractEventLoop, qtbot: Any, dialer_home: Path,
            sandbox_url: str) -> Iterator[DialerService]:
    svc = run(qtbot, DialerService.open(home=dialer_home))
    yield svc
    run(qtbot, svc.aclose())


def outbox_code(url: str, email: str) -> str:
    messages = httpx.get(f"{url}/_sandbox/outbox", timeout=5).json()["messages"]
    codes = [m["code"] for m in messages if m["to"] == email]
    assert codes, f"the sandbox sent no code to {email}"
    return str(codes[-1])


def _enter_email(dialog: SignInDialog, qtbot: Any, email: str) -> None:
    qtbot.keyClicks(dialog.email_edit, email)
    qtbot.mouseClick(dialog.ringez_email_page.primary, Qt.MouseButton.LeftButton)
    assert dialog.busy  # the wait is visible: busy bar on, inputs off
    assert not dialog.email_edit.isEnabled()


def test_new_ringez_user_signs_in_with_the_emailed_code(service: DialerService, sandbox_url: str,
                                                         qtbot: Any) -> None:
    dialog = SignInDialog(service, "ringez")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.current_page is dialog.ringez_email_page
    _enter_email(dialog, qtbot, "new.person@example.com")
    qtbot.waitUntil(lambda: dialog.current_page is dialog.ringez_code_page)
    assert "new.person@example.com" in dialog.code_info.text()
    assert dialog.countdown_running
    assert not dialog.resend_button.isEnabled()
    assert dialog.resend_button.text() == "Resend code in 60 s"

    code = outbox_code(sandbox_url, "new.person@example.com")
    qtbot.keyClicks(dialog.code_edit, code)
    with qtbot.waitSignal(dialog.signedIn, timeout=10_000) as blocker:
        qtbot.keyClick(dialog.code_edit, Qt.Key.Key_Return)
    account = blocker.args[0]
    assert account.provider_id == "ringez" and account.signed_in
    assert [a.label for a in service.accounts.list()] == [account.label]
    assert not dialog.isVisible()
    assert not dialog.countdown_running  # the timer only runs while counting down


def test_wrong_code_shows_the_error_in_place_and_a_retry_works(service: DialerService, sandbox_url: str,
                                                               qtbot: Any) -> None:
    dialog = SignInDialog(service, "ringez")
    qtbot.addWidget(dialog)
    dialog.show()
    _enter_email(dialog, qtbot, "typo@example.com")
    qtbot.waitUntil(lambda: dialog.current_page is dialog.ringez_code_page)
    right = outbox_code(sandbox_url, "typo@example.com")
    wrong = "000000" if right != "000000" else "111111"
    qtbot.keyClicks(dialog.code_edit, wrong)
    qtbot.mouseClick(dialog.ringez_code_page.primary, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error_label.isVisible())
    assert "code" in dialog.error_label.text().lower()
    assert dialog.isVisible() and dialog.current_page is dialog.ringez_code_page
    assert dialog.code_edit.isEnabled() and not dialog.busy_bar.isVisible()
    assert service.accounts.list() == []

    dialog.code_edit.setText(right)
    with qtbot.waitSignal(dialog.signedIn, timeout=10_000):
        qtbot.mouseClick(dialog.ringez_code_page.primary, Qt.MouseButton.LeftButton)


def test_short_code_is_refused_before_asking_the_provider(service: DialerService, qtbot: Any) -> None:
    dialog = SignInDialog(service, "ringez")
    qtbot.addWidget(dialog)
    dialog.show()
    _enter_email(dialog, qtbot, "short@example.com")
    qtbot.waitUntil(lambda: dialog.current_page is dialog.ringez_code_page)
    qtbot.keyClicks(dialog.code_edit, "12ab3")  # letters are not even accepted
    assert dialog.code_edit.text() == "123"
    qtbot.mouseClick(dialog.ringez_code_page.primary, Qt.MouseButton.LeftButton)
    assert "6 digits" in dialog.error_label.text()
    assert not dialog.busy


def test_resend_countdown_ends_and_resend_sends_a_new_code(service: DialerService, sandbox_url: str,
                                                          qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signin_dialogs, "RESEND_SECONDS", 1)
    dialog = SignInDialog(service, "ringez")
    qtbot.addWidget(dialog)
    dialog.show()
    _enter_email(dialog, qtbot, "again@example.com")
    qtbot.waitUntil(lambda: dialog.current_page is dialog.ringez_code_page)
    qtbot.waitUntil(lambda: dialog.resend_button.isEnabled(), timeout=3_000)
    assert not dialog.countdown_running
    assert dialog.resend_button.text() == "Resend code"
    qtbot.mouseClick(dialog.resend_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "new code" in dialog.code_info.text())
    messages = httpx.get(f"{sandbox_url}/_sandbox/outbox", timeout=5).json()["messages"]
    assert len([m for m in messages if m["to"] == "again@example.com"]) == 2


def test_existing_user_signs_in_with_password(service: DialerService, qtbot: Any) -> None:
    dialog = SignInDialog(service, "ringez")
    qtbot.addWidget(dialog)
    dialog.show()
    _enter_email(dialog, qtbot, DEMO_EMAIL)
    qtbot.waitUntil(lambda: dialog.current_page is dialog.ringez_password_page)
    qtbot.keyClicks(dialog.password_edit, "not-the-password")
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error_label.isVisible())
    assert "password" in dialog.error_label.text().lower()
    dialog.password_edit.setText(DEMO_PASSWORD)
    with qtbot.waitSignal(dialog.signedIn, timeout=10_000) as blocker:
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert blocker.args[0].label == DEMO_EMAIL


def test_chooser_leads_to_each_providers_page(service: DialerService, qtbot: Any) -> None:
    dialog = SignInDialog(service)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.current_page is dialog.chooser_page
    ids = [dialog.provider_list.item(i).data(Qt.ItemDataRole.UserRole)
           for i in range(dialog.provider_list.count())]
    assert sorted(ids) == ["calledin", "ringcentral", "ringez", "ringostat"]
    expected = {"ringez": dialog.ringez_email_page, "ringcentral": dialog.ringcentral_page,
                "calledin": dialog.calledin_page, "ringostat": dialog.ringostat_page}
    for row, provider_id in enumerate(ids):
        dialog.provider_list.setCurrentRow(row)
        qtbot.mouseClick(dialog.chooser_page.primary, Qt.MouseButton.LeftButton)
        assert dialog.current_page is expected[provider_id]
        assert dialog.back_button.isVisible()
        dialog.back_button.click()
        assert dialog.current_page is dialog.chooser_page


def test_missing_fields_are_named_without_a_request(service: DialerService, qtbot: Any) -> None:
    dialog = SignInDialog(service, "ringostat")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.auth_key_edit, "key")
    qtbot.mouseClick(dialog.ringostat_page.primary, Qt.MouseButton.LeftButton)
    assert dialog.error_label.text().startswith("The simple method needs the extension: a phone number of your "
                                                "project connected as incoming")
    assert not dialog.busy
    dialog.method_extended.click()
    qtbot.mouseClick(dialog.ringostat_page.primary, Qt.MouseButton.LeftButton)
    assert dialog.error_label.text() == "The extended method needs your Ringostat project ID."
    assert not dialog.busy and service.accounts.list() == []


def test_ringostat_page_shows_the_method_choice_and_what_the_extension_is(service: DialerService,
                                                                          qtbot: Any) -> None:
    dialog = SignInDialog(service, "ringostat")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.method_simple.isVisible() and dialog.method_extended.isVisible()
    assert dialog.method_simple.isChecked() and dialog.ringostat_method == "simple"
    help_text = dialog.extension_help.text()
    assert "phone number of your project" in help_text and "Virtual PBX → Connect phone numbers" in help_text
    assert "not a SIP login" in help_text and dialog.extension_help.isVisible()
    assert "SIP" not in dialog.extension_edit.placeholderText()
    assert "own phone first" in dialog.method_extended.text()


@pytest.mark.parametrize(("method", "path"), [("simple", "/callback/outward_call"), ("extended", "/a/v2")])
def test_the_method_chosen_at_sign_in_is_saved_and_used(service: DialerService, sandbox_url: str, qtbot: Any,
                                                        method: str, path: str) -> None:
    from dialer.core.calls import Origin

    creds = httpx.get(f"{sandbox_url}/_sandbox/credentials", timeout=5).json()["ringostat"]
    dialog = SignInDialog(service, "ringostat")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.auth_key_edit, creds["auth_key"])
    qtbot.keyClicks(dialog.project_edit, creds["project_id"])
    qtbot.keyClicks(dialog.extension_edit, creds["extension"])
    (dialog.method_simple if method == "simple" else dialog.method_extended).click()
    with qtbot.waitSignal(dialog.signedIn, timeout=10_000) as blocker:
        qtbot.mouseClick(dialog.ringostat_page.primary, Qt.MouseButton.LeftButton)
    account = blocker.args[0]
    assert account.detail.startswith(f"{method} method")
    service.settings.own_number = "+14155559876"  # set for other providers: must not switch the method
    plan = service.calls.prepare("+14155550100", origin=Origin.WINDOW, account_id=account.id)
    if method == "simple":
        assert "+1 415-555-9876" not in plan.rings_first and creds["extension"] in plan.rings_first
    run(qtbot, service.calls.place(plan, confirmed=True))
    sent = httpx.get(f"{sandbox_url}/_sandbox/requests", timeout=5).json()["requests"]
    assert [r["path"] for r in sent if r["path"] in ("/callback/outward_call", "/a/v2")] == [path]


def test_ringcentral_browser_sign_in_completes_through_the_browser(service: DialerService, sandbox_url: str,
                                                                   qtbot: Any) -> None:
    creds = httpx.get(f"{sandbox_url}/_sandbox/credentials", timeout=5).json()["ringcentral"]
    dialog = SignInDialog(service, "ringcentral")
    qtbot.addWidget(dialog)
    dialog.show()
    opened: list[str] = []

    def browser(url: str) -> None:  # a "browser" that approves at once, off the GUI thread
        opened.append(url)
        threading.Thread(target=httpx.get, args=(url + "&approve=1",),  # the user clicks "Allow"
                         kwargs={"follow_redirects": True, "timeout": 10}, daemon=True).start()

    dialog.open_browser = browser
    qtbot.mouseClick(dialog.browser_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error_label.isVisible())  # no client ID yet: said in place
    assert "client ID" in dialog.error_label.text()
    assert opened == []

    dialog.client_id_edit.setText(creds["client_id"])
    with qtbot.waitSignal(dialog.signedIn, timeout=10_000) as blocker:
        qtbot.mouseClick(dialog.browser_button, Qt.MouseButton.LeftButton)
    assert "/oauth/authorize" in opened[0]
    assert blocker.args[0].provider_id == "ringcentral"


def test_every_page_names_its_controls(service: DialerService, qtbot: Any) -> None:
    dialog = SignInDialog(service)
    qtbot.addWidget(dialog)
    controls = [*dialog.findChildren(QtWidgets.QAbstractButton), *dialog.findChildren(QtWidgets.QLineEdit),
                *dialog.findChildren(QtWidgets.QAbstractItemView)]
    internal = (QtWidgets.QLineEdit, QtWidgets.QAbstractScrollArea)
    unnamed = [c for c in controls if not c.accessibleName() and not isinstance(c.parent(), internal)]
    assert unnamed == []


def test_cancel_while_waiting_stops_the_sign_in(service: DialerService, qtbot: Any) -> None:
    dialog = SignInDialog(service, "ringcentral")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.client_id_edit.setText("sandbox-rc-client-id")
    opened: list[str] = []
    dialog.open_browser = opened.append  # a browser the user never finishes in
    qtbot.mouseClick(dialog.browser_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(opened))
    task = dialog._task
    assert task is not None and not task.done()
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(task.done)
    assert task.cancelled() and not dialog.isVisible()
    assert service.accounts.list() == []


def test_ringcentral_browser_sign_in_keeps_the_typed_secret_and_uses_the_redirect_uri(
        service: DialerService, sandbox_url: str, qtbot: Any) -> None:
    creds = httpx.get(f"{sandbox_url}/_sandbox/credentials", timeout=5).json()["ringcentral"]
    dialog = SignInDialog(service, "ringcentral")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.redirect_edit.text() == "http://127.0.0.1:53682/callback"  # the documented default
    assert "http://127.0.0.1:53682/callback" in dialog.ringcentral_page.findChild(QtWidgets.QLabel).text()
    opened: list[str] = []

    def browser(url: str) -> None:
        opened.append(url)
        threading.Thread(target=httpx.get, args=(url + "&approve=1",),
                         kwargs={"follow_redirects": True, "timeout": 10}, daemon=True).start()

    dialog.open_browser = browser
    dialog.client_id_edit.setText(creds["client_id"])
    dialog.client_secret_edit.setText(creds["client_secret"])
    dialog.redirect_edit.setText("http://127.0.0.1:53999/not-registered")
    qtbot.mouseClick(dialog.browser_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=10_000)
    assert "OAU-109" in dialog.error_label.text() and "Redirect URIs do not match" in dialog.error_label.text()
    assert opened == []  # refused before the browser was sent to an error page

    dialog.redirect_edit.setText(creds["redirect_uris"][0])
    with qtbot.waitSignal(dialog.signedIn, timeout=10_000) as blocker:
        qtbot.mouseClick(dialog.browser_button, Qt.MouseButton.LeftButton)
    account = blocker.args[0]
    client = service.accounts.client(account.id)
    assert client._secret("client_secret") == creds["client_secret"]  # type: ignore[attr-defined]
