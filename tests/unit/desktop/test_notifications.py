"""Desktop notifications over a real D-Bus: a private ``dbus-daemon`` per test and a small notification
server (or portal) on it that records what it was asked to show and clicks like a user would.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from dialer.desktop.notifications import NOTIFICATIONS, PORTAL, Notifier

pytestmark = pytest.mark.skipif(shutil.which("dbus-daemon") is None, reason="dbus-daemon not installed")


@pytest.fixture
def bus() -> Iterator[str]:
    proc = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1", "--nosyslog"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    address = proc.stdout.readline().strip()
    try:
        yield address
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class FakeServer:
    """Owns a well-known name on the bus, answers the notification methods, and can click."""

    def __init__(self, address: str, which: tuple[str, str, str], *, fail: bool = False) -> None:
        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import open_dbus_connection

        self.name, self.path, self.interface = which
        self.fail = fail
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.conn = open_dbus_connection(bus=address)
        self.conn.send_and_get_reply(message_bus.RequestName(self.name))
        self._stop = threading.Event()
        self.received = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        from jeepney import MessageType, new_error, new_method_return

        while not self._stop.is_set():
            try:
                msg = self.conn.receive(timeout=0.1)
            except TimeoutError:
                continue
            except OSError:
                return
            if msg.header.message_type != MessageType.method_call:
                continue
            member = msg.header.fields.get(3)
            self.calls.append((member, msg.body))
            if self.fail:
                self.conn.send(new_error(msg, "org.freedesktop.DBus.Error.Failed", "s", ("broken",)))
            elif member == "Notify":
                self.conn.send(new_method_return(msg, "u", (7,)))
            else:
                self.conn.send(new_method_return(msg))
            self.received.set()

    def click(self, *args: Any, signature: str) -> None:
        from jeepney import DBusAddress, new_signal

        self.conn.send(new_signal(DBusAddress(self.path, interface=self.interface), "ActionInvoked", signature,
                                  args))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.conn.close()


async def _until(check: Any, timeout: float = 5.0) -> None:
    end = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < end, "timed out"
        await asyncio.sleep(0.01)


def test_the_freedesktop_server_shows_the_notification_and_a_click_opens_the_call(bus: str) -> None:
    server = FakeServer(bus, NOTIFICATIONS)
    clicked: list[str] = []
    fallback: list[tuple[str, str]] = []

    async def main() -> None:
        notifier = Notifier(on_activated=clicked.append, fallback=lambda t, b: fallback.append((t, b)),
                            environ={"DBUS_SESSION_BUS_ADDRESS": bus}, flatpak=False)
        assert await notifier.start() == "freedesktop"
        await notifier.notify("Call ended", "Ada Lovelace: busy", key="call:42")
        member, body = server.calls[-1]
        assert member == "Notify"
        app_name, replaces, _icon, summary, text, actions, hints, _expire = body
        assert (app_name, replaces, summary, text) == ("Dialer", 0, "Call ended", "Ada Lovelace: busy")
        assert actions == ["default", "Open"]
        assert hints["desktop-entry"] == ("s", "io.github.dialer.Dialer")
        server.click(7, "default", signature="us")
        await _until(lambda: clicked)
        await notifier.aclose()

    try:
        asyncio.run(main())
    finally:
        server.close()
    assert clicked == ["call:42"] and fallback == []


def test_inside_flatpak_the_portal_is_used(bus: str) -> None:
    server = FakeServer(bus, PORTAL)
    clicked: list[str] = []

    async def main() -> None:
        notifier = Notifier(on_activated=clicked.append, environ={"DBUS_SESSION_BUS_ADDRESS": bus}, flatpak=True)
        assert await notifier.start() == "portal"
        await notifier.notify("Call failed", "+44 20 7946 0958: not reached", key="call:9")
        member, (notification_id, content) = server.calls[-1]
        assert member == "AddNotification" and notification_id == "call:9"
        assert content["title"] == ("s", "Call failed") and content["body"][1].endswith("not reached")
        server.click("io.github.dialer.Dialer", "call:9", "show-item", [], signature="sssav")
        await _until(lambda: clicked)
        await notifier.aclose()

    try:
        asyncio.run(main())
    finally:
        server.close()
    assert clicked == ["call:9"]


def test_a_bus_without_a_notification_server_falls_back_to_the_tray(bus: str) -> None:
    shown: list[tuple[str, str]] = []

    async def main() -> None:
        notifier = Notifier(on_activated=lambda key: None, fallback=lambda t, b: shown.append((t, b)),
                            environ={"DBUS_SESSION_BUS_ADDRESS": bus}, flatpak=False)
        assert await notifier.start() == "fallback"
        await notifier.notify("Low balance", "2 minutes left", key="balance")
        await notifier.aclose()

    asyncio.run(main())
    assert shown == [("Low balance", "2 minutes left")]


def test_no_session_bus_at_all_falls_back() -> None:
    shown: list[tuple[str, str]] = []

    async def main() -> None:
        notifier = Notifier(on_activated=lambda key: None, fallback=lambda t, b: shown.append((t, b)),
                            environ={}, flatpak=False)
        assert await notifier.start() == "fallback"
        await notifier.notify("Call ended", "done", key="call:1")

    asyncio.run(main())
    assert shown == [("Call ended", "done")]


def test_a_server_that_answers_with_an_error_still_gets_the_message_through_the_fallback(bus: str) -> None:
    server = FakeServer(bus, NOTIFICATIONS, fail=True)
    shown: list[tuple[str, str]] = []

    async def main() -> None:
        notifier = Notifier(on_activated=lambda key: None, fallback=lambda t, b: shown.append((t, b)),
                            environ={"DBUS_SESSION_BUS_ADDRESS": bus}, flatpak=False)
        assert await notifier.start() == "freedesktop"
        await notifier.notify("Call ended", "Grace Hopper: no answer", key="call:3")
        await notifier.aclose()

    try:
        asyncio.run(main())
    finally:
        server.close()
    assert shown == [("Call ended", "Grace Hopper: no answer")]
