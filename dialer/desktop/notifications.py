"""Desktop notifications: a call that ended while the user looked elsewhere, a balance running low.

Three routes, chosen once when the notifier starts:

``portal``
    Inside Flatpak, the sandbox's only way out: ``org.freedesktop.portal.Notification`` on the session bus
    (``AddNotification(id, {title, body, default-action, ...})``; clicks come back as ``ActionInvoked``).
``freedesktop``
    Everywhere with a notification server (GNOME Shell, KDE Plasma, Xfce, dunst, mako...):
    ``org.freedesktop.Notifications.Notify`` with a ``default`` action; clicks come back as
    ``ActionInvoked(id, "default")``.
``fallback``
    No bus or no server (Windows, macOS, a bare X session): the caller's fallback, e.g. a tray balloon.

The D-Bus side uses jeepney (pure Python, asyncio, already installed on Linux as keyring's dependency):
PySide6's QtDBus cannot marshal the ``uint32`` ``replaces_id`` that ``Notify`` requires. Every D-Bus failure
is logged and falls back; a notification never raises into the window. Each notification carries a
``key`` (e.g. ``call:42``); a click calls ``on_activated(key)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

APP_ID = "io.github.dialer.Dialer"
APP_NAME = "Dialer"
NOTIFICATIONS = ("org.freedesktop.Notifications", "/org/freedesktop/Notifications",
                 "org.freedesktop.Notifications")
PORTAL = ("org.freedesktop.portal.Desktop", "/org/freedesktop/portal/desktop",
          "org.freedesktop.portal.Notification")
PORTAL_ACTION = "app.show-item"  # the portal's default action; its target carries our key
EXPIRE_MS = 10_000


def in_flatpak(environ: Mapping[str, str] | None = None, info_file: Path = Path("/.flatpak-info")) -> bool:
    env = os.environ if environ is None else environ
    return bool(env.get("FLATPAK_ID")) or info_file.exists()


class Notifier:
    """Sends notifications by the best route this desktop offers; reports clicks through ``on_activated``."""

    def __init__(self, *, on_activated: Callable[[str], None],
                 fallback: Callable[[str, str], None] | None = None,
                 environ: Mapping[str, str] | None = None, flatpak: bool | None = None) -> None:
        self.on_activated = on_activated
        self.fallback = fallback
        self._environ = os.environ if environ is None else environ
        self._flatpak = in_flatpak(self._environ) if flatpak is None else flatpak
        self.route = "fallback"
        self._router: Any = None
        self._router_cm: Any = None
        self._listener: asyncio.Task[None] | None = None
        self._keys: dict[int | str, str] = {}  # notification id -> key
        self.sent: list[tuple[str, str, str]] = []  # (route, title, body), newest last

    # ----------------------------------------------------------------------------------- set-up
    async def start(self) -> str:
        """Connect to the session bus and pick the route. Returns it ("portal", "freedesktop", "fallback")."""
        if not self._environ.get("DBUS_SESSION_BUS_ADDRESS"):
            return self.route
        try:
            from jeepney.io.asyncio import open_dbus_router

            self._router_cm = open_dbus_router(bus=self._environ["DBUS_SESSION_BUS_ADDRESS"])
            self._router = await asyncio.wait_for(self._router_cm.__aenter__(), 5)
            if self._flatpak:
                self.route = "portal"
            elif await self._has_notification_server():
                self.route = "freedesktop"
            else:
                await self._close_router()
                return self.route
            await self._listen()
        except (TimeoutError, OSError, ImportError, ValueError, KeyError) as exc:
            log.info("Desktop notifications: no session bus (%s); using the fallback", exc)
            await self._close_router()
            self.route = "fallback"
        except Exception as exc:  # jeepney's DBusErrorResponse and protocol errors share no base class
            log.warning("Desktop notifications unavailable (%s); using the fallback", exc)
            await self._close_router()
            self.route = "fallback"
        return self.route

    async def _has_notification_server(self) -> bool:
        from jeepney.bus_messages import message_bus

        owner = await self._router.send_and_get_reply(message_bus.NameHasOwner(NOTIFICATIONS[0]))
        if owner.body and owner.body[0]:
            return True
        activatable = await self._router.send_and_get_reply(message_bus.ListActivatableNames())
        return bool(activatable.body) and NOTIFICATIONS[0] in activatable.body[0]

    async def _listen(self) -> None:
        from jeepney import MatchRule
        from jeepney.bus_messages import message_bus

        _name, path, interface = PORTAL if self.route == "portal" else NOTIFICATIONS
        rule = MatchRule(type="signal", interface=interface, member="ActionInvoked", path=path)
        await self._router.send_and_get_reply(message_bus.AddMatch(rule))
        queue: asyncio.Queue[Any] = asyncio.Queue()
        self._filter = self._router.filter(rule, queue=queue)
        self._listener = asyncio.get_running_loop().create_task(self._read_clicks(queue))

    async def _read_clicks(self, queue: asyncio.Queue[Any]) -> None:
        while True:
            message = await queue.get()
            key = self._key_of(message.body)
            if key is not None:
                try:
                    self.on_activated(key)
                except Exception:  # the window's handler must not end the listener
                    log.exception("Handling a notification click failed")

    def _key_of(self, body: tuple[Any, ...]) -> str | None:
        if self.route == "portal":  # (app_id, id, action, parameter); the action with or without "app."
            if len(body) >= 3 and body[2] in (PORTAL_ACTION, PORTAL_ACTION.removeprefix("app.")):
                return self._keys.get(body[1])
            return None
        if len(body) >= 2 and body[1] == "default":  # (id, action_key)
            return self._keys.get(body[0])
        return None

    # ----------------------------------------------------------------------------------- sending
    async def notify(self, title: str, body: str, *, key: str) -> None:
        """Show one notification; never raises (a failed D-Bus call falls back)."""
        if self.route in ("portal", "freedesktop"):
            try:
                await asyncio.wait_for(self._send(title, body, key), 5)
                self.sent.append((self.route, title, body))
                return
            except Exception as exc:  # any D-Bus failure: say it in the log, fall back for this one
                log.warning("Desktop notification failed (%s); using the fallback", exc)
        if self.fallback is not None:
            self.fallback(title, body)
            self.sent.append(("fallback", title, body))

    async def _send(self, title: str, body: str, key: str) -> None:
        from jeepney import DBusAddress, new_method_call

        if self.route == "portal":
            name, path, interface = PORTAL
            notification_id = key
            content = {"title": ("s", title), "body": ("s", body), "priority": ("s", "normal"),
                       "default-action": ("s", PORTAL_ACTION), "default-action-target": ("v", ("s", key))}
            message = new_method_call(DBusAddress(path, bus_name=name, interface=interface), "AddNotification",
                                      "sa{sv}", (notification_id, content))
            reply = await self._router.send_and_get_reply(message)
            _raise_for_error(reply)
            self._keys[notification_id] = key
            return
        name, path, interface = NOTIFICATIONS
        hints = {"desktop-entry": ("s", APP_ID), "category": ("s", "call")}
        message = new_method_call(DBusAddress(path, bus_name=name, interface=interface), "Notify",
                                  "susssasa{sv}i",
                                  (APP_NAME, 0, APP_ID, title, body, ["default", "Open"], hints, EXPIRE_MS))
        reply = await self._router.send_and_get_reply(message)
        _raise_for_error(reply)
        self._keys[int(reply.body[0])] = key

    # ----------------------------------------------------------------------------------- closing
    async def aclose(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        await self._close_router()

    async def _close_router(self) -> None:
        cm, self._router_cm, self._router = self._router_cm, None, None
        if cm is not None:
            with contextlib.suppress(Exception):
                await cm.__aexit__(None, None, None)


def _raise_for_error(reply: Any) -> None:
    from jeepney import MessageType

    if reply.header.message_type == MessageType.error:
        raise RuntimeError(f"D-Bus error {reply.header.fields.get(4, '')}: {reply.body}")
