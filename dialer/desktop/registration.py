"""Make dialer the desktop's handler for ``tel:`` and ``callto:`` links (and undo it), per user.

* Linux/BSD: an ``io.github.dialer.Dialer.desktop`` entry in ``$XDG_DATA_HOME/applications`` whose ``Exec`` passes the link
  through ``--untrusted-args %u`` (the link is never read as an option), made the default with
  ``xdg-mime`` (or written into ``mimeapps.list`` directly when xdg-utils is missing).
* Windows: per-user registry keys (HKCU only, no administrator rights), then the Default apps settings
  page, where Windows lets only the user confirm the choice.
* macOS: the app bundle declares the schemes in ``Info.plist`` (``CFBundleURLTypes``); there is nothing
  to write at run time, so :func:`register` explains what to do.

The file and registry contents are built by pure functions, so they are testable on any platform.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dialer.i18n import N_, _

APP_ID = "io.github.dialer.Dialer"
APP_NAME = "Dialer"
HANDLER_DESKTOP_ID = f"{APP_ID}.desktop"  # one id everywhere: Flatpak, AppStream, Qt's desktopFileName
LEGACY_DESKTOP_IDS = ("dialer.desktop",)  # what versions before 0.2 registered; removed on (un)register
SCHEMES = ("tel", "callto")
WINDOWS_PROG_ID = "Dialer.PhoneLink"
WINDOWS_APP_KEY = r"Software\Dialer"
_SUBPROCESS_TIMEOUT_S = 15


class RegistrationError(Exception):
    """Registering or unregistering failed; the text says why and what to do."""


# --- the command the desktop runs ---------------------------------------------------------------------


def dialer_command() -> list[str]:
    """The absolute command line that starts this dialer (without arguments).

    A frozen bundle is its own executable; an installed console script is preferred over
    ``python -m dialer`` (it starts the same code, with a clearer name in process lists).
    """
    if getattr(sys, "frozen", False):
        return [str(Path(sys.executable).resolve())]
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if script is not None and script.name in ("dialer", "dialer.exe") and script.exists():
        return [str(script.resolve())]
    beside = Path(sys.executable).parent / ("dialer.exe" if sys.platform == "win32" else "dialer")
    if beside.exists():
        return [str(beside.absolute())]
    found = shutil.which("dialer")
    if found:
        return [str(Path(found).absolute())]
    return [str(Path(sys.executable).absolute()), "-m", "dialer"]


# --- Linux / freedesktop ------------------------------------------------------------------------------

_EXEC_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def desktop_exec_arg(arg: str) -> str:
    """Quote one argument for a desktop entry's ``Exec`` key (Desktop Entry Specification, "Exec").

    Reserved characters need double quotes, inside which ``"`` `` ` `` ``$`` ``\\`` are backslash-escaped;
    then the string-value escaping doubles every backslash, and ``%`` is written ``%%``.
    """
    if not arg:
        return '""'
    quoted = arg
    if any(ch in _EXEC_RESERVED for ch in arg):
        escaped = "".join("\\" + ch if ch in '"`$\\' else ch for ch in arg)
        quoted = f'"{escaped}"'
    return quoted.replace("\\", "\\\\").replace("%", "%%")


def desktop_entry(command: Sequence[str], icon: str = APP_ID) -> str:
    """The ``dialer.desktop`` file text for ``command`` (the dialer executable and any fixed arguments)."""
    exec_line = " ".join(desktop_exec_arg(arg) for arg in command)
    mime = "".join(f"x-scheme-handler/{scheme};" for scheme in SCHEMES)
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        f"Name={APP_NAME}\n"
        "GenericName=Phone Dialer\n"
        "Comment=Place calls through your web telephony provider\n"
        f"Exec={exec_line} --untrusted-args %u\n"
        f"Icon={icon}\n"
        "Terminal=false\n"
        "StartupNotify=false\n"
        "Categories=Network;Telephony;\n"
        "Keywords=phone;call;dial;tel;\n"
        f"MimeType={mime}\n"
    )


def xdg_data_home() -> Path:
    value = os.environ.get("XDG_DATA_HOME", "").strip()
    return Path(value) if value and os.path.isabs(value) else Path.home() / ".local" / "share"


def xdg_config_home() -> Path:
    value = os.environ.get("XDG_CONFIG_HOME", "").strip()
    return Path(value) if value and os.path.isabs(value) else Path.home() / ".config"


def _icon_source() -> Path | None:
    """The app icon shipped inside the package (``dialer/resources/dialer.svg``)."""
    candidate = Path(__file__).resolve().parent.parent / "resources" / "dialer.svg"
    return candidate if candidate.is_file() else None


def set_mimeapps_default(mimeapps: Path, mime_types: Sequence[str], desktop_id: str | None) -> None:
    """Set (or with ``desktop_id=None`` remove our) ``[Default Applications]`` entries in ``mimeapps``.

    Line-based, so comments, other sections and other entries stay as they were. Removal only touches
    entries that name :data:`HANDLER_DESKTOP_ID` (or an id of ours from an older version).
    """
    lines = mimeapps.read_text(encoding="utf-8").splitlines() if mimeapps.exists() else []
    out: list[str] = []
    section = ""
    seen_default_section = False
    pending = set(mime_types) if desktop_id else set()

    def flush_pending() -> None:
        for mime in mime_types:
            if mime in pending:
                out.append(f"{mime}={desktop_id};")
        pending.clear()

    for line in lines:
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            if section == "[Default Applications]":
                flush_pending()
            section = stripped
            seen_default_section = seen_default_section or section == "[Default Applications]"
            out.append(line)
            continue
        key, eq, value = stripped.partition("=")
        if section == "[Default Applications]" and eq and key.strip() in mime_types:
            if desktop_id:
                if key.strip() in pending:
                    out.append(f"{key.strip()}={desktop_id};")
                    pending.discard(key.strip())
                continue
            ours = (HANDLER_DESKTOP_ID, *LEGACY_DESKTOP_IDS)
            kept = [item for item in value.split(";") if item and item not in ours]
            if kept:
                out.append(f"{key.strip()}={';'.join(kept)};")
            continue
        out.append(line)
    if section == "[Default Applications]":
        flush_pending()
    if pending:
        if not seen_default_section:
            out.append("[Default Applications]")
            flush_pending()
        else:  # pragma: no cover - the section was seen, so pending was flushed there
            flush_pending()
    mimeapps.parent.mkdir(parents=True, exist_ok=True)
    mimeapps.write_text("\n".join(out) + "\n", encoding="utf-8")


def _run(args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=_SUBPROCESS_TIMEOUT_S, check=False)


@dataclass
class LinuxPaths:
    """Where the Linux registration writes."""

    desktop_file: Path
    icon_file: Path
    mimeapps: Path

    @classmethod
    def current(cls) -> LinuxPaths:
        data = xdg_data_home()
        return cls(
            desktop_file=data / "applications" / HANDLER_DESKTOP_ID,
            icon_file=data / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg",
            mimeapps=xdg_config_home() / "mimeapps.list",
        )


def _remove_legacy_entries(where: LinuxPaths) -> None:
    """An older version's ``dialer.desktop`` (and its mimeapps defaults) would show a second Dialer."""
    for legacy in LEGACY_DESKTOP_IDS:
        with contextlib.suppress(OSError):
            (where.desktop_file.parent / legacy).unlink()
    if where.mimeapps.exists():
        text = where.mimeapps.read_text(encoding="utf-8")
        if any(legacy in text for legacy in LEGACY_DESKTOP_IDS):
            set_mimeapps_default(where.mimeapps, [f"x-scheme-handler/{s}" for s in SCHEMES], None)


def register_linux(command: Sequence[str] | None = None) -> str:
    """Install the desktop entry and make it the default for tel:/callto:. Returns a report for the user."""
    where = LinuxPaths.current()
    command = list(command or dialer_command())
    icon = _icon_source()
    _remove_legacy_entries(where)
    try:
        where.desktop_file.parent.mkdir(parents=True, exist_ok=True)
        where.desktop_file.write_text(desktop_entry(command), encoding="utf-8")
        if icon is not None:
            where.icon_file.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(icon, where.icon_file)
    except OSError as exc:
        raise RegistrationError(_("Could not write {path}: {reason}.").format(
            path=where.desktop_file, reason=exc.strerror or exc)) from None
    mime_types = [f"x-scheme-handler/{scheme}" for scheme in SCHEMES]
    notes = [_("Wrote {path}").format(path=where.desktop_file)]
    xdg_mime = shutil.which("xdg-mime")
    if xdg_mime:
        for mime in mime_types:
            result = _run([xdg_mime, "default", HANDLER_DESKTOP_ID, mime])
            if result.returncode != 0:
                raise RegistrationError(
                    _("xdg-mime could not make dialer the default for {mime}: {reason}.").format(
                        mime=mime, reason=(result.stderr or result.stdout).strip()
                        or _("exit code {code}").format(code=result.returncode))
                )
        notes.append(_("Made it the default for tel: and callto: links (xdg-mime)"))
    else:
        set_mimeapps_default(where.mimeapps, mime_types, HANDLER_DESKTOP_ID)
        notes.append(_("xdg-mime is not installed (package xdg-utils): wrote the defaults into {path}").format(
            path=where.mimeapps))
    update_db = shutil.which("update-desktop-database")
    if update_db:
        _run([update_db, str(where.desktop_file.parent)])
    if any(ch in _EXEC_RESERVED for arg in command for ch in arg):
        notes.append(
            _("Note: the dialer's path ({path}) contains spaces or special characters. Desktops "
              "(GNOME, KDE, Xfce...) open links with their own launcher and handle that, but plain xdg-open "
              "without a desktop environment splits the path at the spaces: if tel: links do nothing there, "
              "install dialer in a folder whose path has no spaces (for example with pipx)").format(
                path=" ".join(command))
        )
    return "\n".join(notes)


def unregister_linux() -> str:
    """Remove the desktop entry, the icon copy and our default entries."""
    where = LinuxPaths.current()
    removed = []
    legacy = [where.desktop_file.parent / name for name in LEGACY_DESKTOP_IDS]
    for path in (where.desktop_file, where.icon_file, *legacy):
        try:
            path.unlink()
            removed.append(str(path))
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise RegistrationError(_("Could not remove {path}: {reason}.").format(
                path=path, reason=exc.strerror or exc)) from None
    if where.mimeapps.exists():
        set_mimeapps_default(where.mimeapps, [f"x-scheme-handler/{s}" for s in SCHEMES], None)
    update_db = shutil.which("update-desktop-database")
    if update_db and where.desktop_file.parent.is_dir():
        _run([update_db, str(where.desktop_file.parent)])
    if not removed:
        return _("dialer was not registered as the tel: handler; nothing to remove.")
    return _("Removed {files}; tel: links now go to the desktop's next choice.").format(files=", ".join(removed))


# --- Windows ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegistryValue:
    """One value to write under HKEY_CURRENT_USER (``name`` "" is the key's default value)."""

    key: str
    name: str
    value: str


def windows_command_line(command: Sequence[str]) -> str:
    """The shell\\open\\command string: the executable (always quoted), then the link as one untrusted
    argument."""
    exe, *rest = command
    quoted = " ".join([f'"{exe}"', *(f'"{part}"' if (" " in part or not part) else part for part in rest)])
    return f'{quoted} --untrusted-args "%1"'


def windows_registry_values(command: Sequence[str], icon: str) -> list[RegistryValue]:
    """Every HKCU value that registers dialer for tel:/callto: (per user, no administrator rights).

    The scheme keys (``Software\\Classes\\tel``) open the link directly; the ProgID, ``Capabilities``
    and ``RegisteredApplications`` entries make dialer appear in Settings > Default apps, where the user
    confirms it (Windows does not let programs take the default themselves).
    """
    open_command = windows_command_line(command)
    values: list[RegistryValue] = []
    for scheme in SCHEMES:
        base = rf"Software\Classes\{scheme}"
        values += [
            RegistryValue(base, "", f"URL:{scheme} Protocol"),
            RegistryValue(base, "URL Protocol", ""),
            RegistryValue(rf"{base}\DefaultIcon", "", f"{icon},0"),
            RegistryValue(rf"{base}\shell\open\command", "", open_command),
        ]
    prog = rf"Software\Classes\{WINDOWS_PROG_ID}"
    values += [
        RegistryValue(prog, "", "Phone link"),
        RegistryValue(prog, "URL Protocol", ""),
        RegistryValue(rf"{prog}\DefaultIcon", "", f"{icon},0"),
        RegistryValue(rf"{prog}\shell\open\command", "", open_command),
        RegistryValue(rf"{WINDOWS_APP_KEY}\Capabilities", "ApplicationName", APP_NAME),
        RegistryValue(rf"{WINDOWS_APP_KEY}\Capabilities", "ApplicationDescription",
                      "Place calls through your web telephony provider"),
        RegistryValue(rf"{WINDOWS_APP_KEY}\Capabilities", "ApplicationIcon", f"{icon},0"),
    ]
    values += [RegistryValue(rf"{WINDOWS_APP_KEY}\Capabilities\URLAssociations", scheme, WINDOWS_PROG_ID)
               for scheme in SCHEMES]
    values.append(RegistryValue(r"Software\RegisteredApplications", APP_NAME, rf"{WINDOWS_APP_KEY}\Capabilities"))
    return values


def windows_keys_to_delete() -> list[str]:
    """The keys :func:`unregister_windows` removes (deepest first)."""
    keys: list[str] = []
    for base in [rf"Software\Classes\{s}" for s in SCHEMES] + [rf"Software\Classes\{WINDOWS_PROG_ID}"]:
        keys += [rf"{base}\shell\open\command", rf"{base}\shell\open", rf"{base}\shell", rf"{base}\DefaultIcon", base]
    keys += [rf"{WINDOWS_APP_KEY}\Capabilities\URLAssociations", rf"{WINDOWS_APP_KEY}\Capabilities", WINDOWS_APP_KEY]
    return keys


if sys.platform == "win32":  # pragma: no cover - Windows only

    def register_windows(command: Sequence[str] | None = None) -> str:
        import winreg

        command = list(command or dialer_command())
        for item in windows_registry_values(command, icon=command[0]):
            with winreg.CreateKeyEx(winreg.HKEY_CURRENT_USER, item.key, 0, winreg.KEY_SET_VALUE) as key:
                winreg.SetValueEx(key, item.name or None, 0, winreg.REG_SZ, item.value)
        os.startfile("ms-settings:defaultapps")  # type: ignore[attr-defined]
        return _("Registered dialer for tel: and callto: links. In the Default apps settings that just "
                 "opened, choose Dialer for TEL and CALLTO.")

    def unregister_windows() -> str:
        import winreg

        for path in windows_keys_to_delete():
            with contextlib.suppress(FileNotFoundError):
                winreg.DeleteKey(winreg.HKEY_CURRENT_USER, path)
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, r"Software\RegisteredApplications", 0,
                                winreg.KEY_SET_VALUE) as key:
                winreg.DeleteValue(key, APP_NAME)
        except FileNotFoundError:
            pass
        return _("Removed dialer's tel: and callto: registration.")


# --- macOS --------------------------------------------------------------------------------------------

MACOS_INSTRUCTIONS = N_(
    "On macOS the Dialer app declares tel: and callto: in its Info.plist, so there is nothing to register "
    "from the command line. Move Dialer.app to Applications and open it once; then, to make it the "
    "default, open FaceTime > Settings > Default for calls (or use a tool such as 'duti': "
    "duti -s io.github.dialer.Dialer tel)."
)


# --- dispatch -----------------------------------------------------------------------------------------


def register() -> str:
    """Register for this platform; returns what was done, in the user's terms."""
    if sys.platform == "win32":  # pragma: no cover - Windows only
        return register_windows()
    if sys.platform == "darwin":  # pragma: no cover - macOS only
        return _(MACOS_INSTRUCTIONS)
    return register_linux()


def unregister() -> str:
    """Undo :func:`register`."""
    if sys.platform == "win32":  # pragma: no cover - Windows only
        return unregister_windows()
    if sys.platform == "darwin":  # pragma: no cover - macOS only
        return _("On macOS, choose another default app for calls in FaceTime > Settings, or delete Dialer.app.")
    return unregister_linux()
