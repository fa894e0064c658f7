"""Start at login, per user, the way each desktop expects it; the system itself holds the truth.

* Linux/BSD: an XDG autostart entry ``$XDG_CONFIG_HOME/autostart/io.github.dialer.Dialer.desktop``
  (Desktop Application Autostart Specification) running ``dialer --minimized``.
* Windows: the value ``Dialer`` under ``HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run``.
* macOS: a LaunchAgent ``~/Library/LaunchAgents/io.github.dialer.Dialer.plist`` with ``RunAtLoad``.

Whether it is on is read back from there (no setting of ours can disagree with what the desktop does).
The file and registry contents are built by pure functions, testable on any platform.
"""

from __future__ import annotations

import contextlib
import plistlib
import sys
from collections.abc import Sequence
from pathlib import Path

from dialer.desktop.registration import APP_ID, APP_NAME, desktop_exec_arg, dialer_command, xdg_config_home
from dialer.i18n import _

START_ARGS = ("--minimized",)  # at login the app waits in the tray (the window opens from there)
WINDOWS_RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"


class AutostartError(Exception):
    """Turning start-at-login on or off failed; the text says why and what to do."""


def autostart_entry(command: Sequence[str]) -> str:
    exec_line = " ".join(desktop_exec_arg(arg) for arg in [*command, *START_ARGS])
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        f"Name={APP_NAME}\n"
        "Comment=Place calls through your web telephony provider\n"
        f"Exec={exec_line}\n"
        f"Icon={APP_ID}\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


def launch_agent(command: Sequence[str]) -> bytes:
    return plistlib.dumps({"Label": APP_ID, "ProgramArguments": [*command, *START_ARGS], "RunAtLoad": True,
                           "ProcessType": "Interactive"})


def windows_run_value(command: Sequence[str]) -> str:
    exe, *rest = command
    return " ".join([f'"{exe}"', *(f'"{a}"' if " " in a else a for a in rest), *START_ARGS])


def _file(platform: str) -> Path:
    if platform == "darwin":
        return Path.home() / "Library" / "LaunchAgents" / f"{APP_ID}.plist"
    return xdg_config_home() / "autostart" / f"{APP_ID}.desktop"


if sys.platform == "win32":  # pragma: no cover - Windows only
    import winreg

    def _windows_enabled() -> bool:
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, WINDOWS_RUN_KEY) as key:
                winreg.QueryValueEx(key, APP_NAME)
            return True
        except OSError:
            return False

    def _windows_set(enabled: bool, command: Sequence[str]) -> None:
        with winreg.CreateKeyEx(winreg.HKEY_CURRENT_USER, WINDOWS_RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
            if enabled:
                winreg.SetValueEx(key, APP_NAME, 0, winreg.REG_SZ, windows_run_value(command))
            else:
                with contextlib.suppress(FileNotFoundError):
                    winreg.DeleteValue(key, APP_NAME)


def is_enabled(platform: str = sys.platform) -> bool:
    if sys.platform == "win32":  # pragma: no cover - Windows only
        return _windows_enabled()
    return _file(platform).is_file()


def set_enabled(enabled: bool, *, command: Sequence[str] | None = None, platform: str = sys.platform) -> None:
    """Turn start-at-login on (for the running dialer's command) or off."""
    command = list(command or dialer_command())
    if sys.platform == "win32":  # pragma: no cover - Windows only
        _windows_set(enabled, command)
        return
    path = _file(platform)
    try:
        if not enabled:
            path.unlink(missing_ok=True)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        if platform == "darwin":
            path.write_bytes(launch_agent(command))
        else:
            path.write_text(autostart_entry(command), encoding="utf-8")
    except OSError as exc:
        message = (_("Could not write {path}: {reason}. Check that the folder is yours and writable.") if enabled
                   else _("Could not remove {path}: {reason}. Check that the folder is yours and writable."))
        raise AutostartError(message.format(path=path, reason=exc.strerror or exc)) from None
