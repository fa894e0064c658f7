"""Render every main state of the window to PNG, in light and dark: ``python -m dialer.ui.screenshots DIR``.

Runs offscreen against an in-process sandbox with a throw-away data folder, so it needs no display and no
account. States: idle (a number typed), contacts, history, ringing, connected (with the keypad), outcome,
sign-in, confirmation, settings. Used to review the look (and for the README picture).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

WIDTH, HEIGHT = 460, 760
STATES = ("idle", "contacts", "history", "ringing", "connected", "outcome", "signin", "confirm", "confirm-premium",
          "settings", "signin-ringostat", "callerid", "confirm-callerid")


async def _until(check: Callable[[], bool], timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not check():
        if loop.time() > end:
            raise TimeoutError("the window did not reach the expected state in time")
        await asyncio.sleep(0.02)


async def _sandbox_connected(sandbox_url: str, timeout: float = 20.0) -> None:
    """Wait until the sandbox's newest call has both legs connected (only the sandbox knows that)."""
    import httpx

    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    async with httpx.AsyncClient(base_url=sandbox_url) as client:
        while True:
            calls = (await client.get("/_sandbox/calls")).json()["calls"]
            if calls and calls[-1]["state"] == "answered":
                return
            if loop.time() > end:
                raise TimeoutError("the sandbox call did not connect in time")
            await asyncio.sleep(0.05)


async def _settle() -> None:
    for _ in range(3):
        await asyncio.sleep(0.05)


def _save(widget: Any, out: Path, name: str) -> Path:
    path = out / f"{name}.png"
    widget.grab().save(str(path))
    print(path)
    return path


async def _shoot_theme(app: Any, service: Any, sandbox_url: str, out: Path, mode: str) -> None:
    from dialer.core.calls import Origin
    from dialer.ui import theme
    from dialer.ui.main_window import TAB_CONTACTS, TAB_DIAL, TAB_HISTORY, MainWindow

    theme.apply(app, mode)
    win = MainWindow(demo=True)
    win.resize(WIDTH, HEIGHT)
    win.attach(service)
    await win.reload_accounts()
    win.show()
    await _settle()
    # Ringez first: it reports balance and progress.
    picker = win.dial_page.accounts
    for index, account in enumerate(picker._accounts):
        if account.provider_id == "ringez":
            picker.combo.setCurrentIndex(index)
    await win._refresh_balance()
    win.dial_page.number.set_number("+44 20 7946 0958")
    await _settle()
    _save(win, out, f"idle-{mode}")

    win.show_tab(TAB_CONTACTS)
    await _settle()
    _save(win, out, f"contacts-{mode}")
    win.show_tab(TAB_HISTORY)
    await _settle()
    _save(win, out, f"history-{mode}")
    win.show_tab(TAB_DIAL)

    # Confirmation, as for a tel: link (cancelled: nothing is placed).
    task = asyncio.ensure_future(win.dial("tel:+1-202-555-0143", Origin.TEL_LINK))
    await _until(lambda: win.confirm_dialog is not None and win.confirm_dialog.isVisible())
    await _settle()
    dialog = win.confirm_dialog
    assert dialog is not None
    _save(dialog, out, f"confirm-{mode}")
    dialog.reject()
    await task

    # A premium-rate number: the extra step.
    task = asyncio.ensure_future(win.dial("+1 900 555 0100", Origin.WINDOW))
    await _until(lambda: win.confirm_dialog is not None and win.confirm_dialog.isVisible())
    await _settle()
    dialog = win.confirm_dialog
    assert dialog is not None
    _save(dialog, out, f"confirm-premium-{mode}")
    dialog.reject()
    await task

    # A live Ringez bridge call with keys to send: ringing, your phone answered (the keypad and the
    # "Send 22" button: Ringez does not report when the destination answers), then the outcome.
    win.dial_page.number.set_number("+44 20 7946 0958")
    task = asyncio.ensure_future(win.dial("tel:+44-20-7946-0958;postd=22", Origin.WINDOW))
    await _until(lambda: win.call_live and any("ringing" in r.current_text()
                                               for r in win.call_panel.leg_rows.values()))
    await _settle()
    _save(win, out, f"ringing-{mode}")
    await task
    await _until(lambda: win.call_panel.send_postdial.isVisible())
    await _sandbox_connected(sandbox_url)  # keys reach a connected call only
    win.call_panel._key("1")
    await asyncio.sleep(1.2)
    win.call_panel._tick()
    await _settle()
    _save(win, out, f"connected-{mode}")
    win.hang_up()
    await _until(lambda: not win.call_live)
    await _settle()
    _save(win, out, f"outcome-{mode}")
    win.call_panel.dismissed.emit()

    # Caller ID: RingCentral chosen, its caller-ID list loaded, one number picked for this call.
    for index, account in enumerate(picker._accounts):
        if account.provider_id == "ringcentral":
            picker.combo.setCurrentIndex(index)
    chooser = picker.caller_id.combo
    await _until(lambda: chooser.count() > 1)
    chooser.setCurrentIndex(chooser.count() - 1)
    win.dial_page.number.set_number("+1 202 555 0143")
    await _settle()
    _save(win, out, f"callerid-{mode}")
    task = asyncio.ensure_future(win.dial("tel:+1-202-555-0143", Origin.TEL_LINK))
    await _until(lambda: win.confirm_dialog is not None and win.confirm_dialog.isVisible())
    await _settle()
    dialog = win.confirm_dialog
    assert dialog is not None
    _save(dialog, out, f"confirm-callerid-{mode}")
    dialog.reject()
    await task

    for name, opener in (("signin", win.open_sign_in), ("settings", win.open_settings),
                         ("signin-ringostat", lambda: win.open_sign_in("ringostat"))):
        before = list(win.dialogs)
        opener()
        await _settle()
        new = [d for d in win.dialogs if d not in before]
        fields: dict[int, Any] = getattr(new[0], "caller_ids", {}) if new else {}

        def loaded(fields: dict[int, Any] = fields) -> bool:
            return all(not f.hint.text().startswith("Loading") for f in fields.values())

        await _until(loaded)
        await _settle()
        if new:
            _save(new[0], out, f"{name}-{mode}")
            new[0].reject()
            await _settle()
    if win.bridge is not None:
        await win.bridge.aclose()
    win.allow_close()
    win.close()
    win.deleteLater()
    await _settle()


async def _main(app: Any, out: Path) -> None:
    from dialer.service.app import DialerService
    from dialer.ui.app import seed_demo_data, start_sandbox

    loop = asyncio.get_running_loop()
    sandbox = start_sandbox(speed=2.0)  # your phone rings 1.5 s: longer than one status poll
    service = None
    try:
        from dialer.providers.secretstore import MemorySecretStore

        service = await DialerService.open(home=Path(os.environ["DIALER_HOME"]), secrets=MemorySecretStore(),
                                           demo_sandbox_url=sandbox.url)
        await service.accounts.sign_in_demo(sandbox.url)
        service.settings.own_number = "+14155550123"
        seed_demo_data(service)
        for mode in ("light", "dark"):
            await _shoot_theme(app, service, sandbox.url, out, mode)
    finally:
        if service is not None:
            await service.aclose()
        await loop.run_in_executor(None, sandbox.stop)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m dialer.ui.screenshots DIR", file=sys.stderr)
        return 2
    out = Path(args[0])
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = tempfile.TemporaryDirectory(prefix="dialer-shots-")
    os.environ["DIALER_HOME"] = home.name
    # The same pictures at any hour: pin the dial guard's clock to a weekday afternoon (otherwise, after
    # 22:00 in London, the demo's UK call would stop at the night-time confirmation).
    from datetime import UTC, datetime

    from dialer.service import planner

    planner.now_utc = lambda: datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
    from dialer import i18n

    i18n.install()  # DIALER_LANGUAGE=de python -m dialer.ui.screenshots DIR: the pictures in German
    from dialer.ui.app import create_app

    app = create_app()
    import qasync

    try:
        qasync.run(_main(app, out))
    finally:
        home.cleanup()
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
