"""tel:/callto: handler registration: the files and registry values it writes, and what xdg-mime then says."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from dialer.desktop import registration as reg


@pytest.fixture
def xdg_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated freedesktop home: nothing touches the real user's desktop settings."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_DIRS", str(tmp_path / "system"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "system-config"))
    for var in ("XDG_CURRENT_DESKTOP", "DESKTOP_SESSION", "KDE_FULL_SESSION", "GNOME_DESKTOP_SESSION_ID"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def test_desktop_entry_passes_the_link_as_one_untrusted_argument() -> None:
    text = reg.desktop_entry(["/opt/dialer/bin/dialer"])
    assert "Exec=/opt/dialer/bin/dialer --untrusted-args %u\n" in text
    assert "MimeType=x-scheme-handler/tel;x-scheme-handler/callto;\n" in text
    assert text.startswith("[Desktop Entry]\nType=Application\n")


@pytest.mark.parametrize(
    ("arg", "written"),
    [
        ("/usr/bin/dialer", "/usr/bin/dialer"),
        ("/home/me/My Apps/dialer", '"/home/me/My Apps/dialer"'),
        ("/opt/100%/dialer", "/opt/100%%/dialer"),
        ('/odd"$`\\/dialer', '"/odd\\\\"\\\\$\\\\`\\\\\\\\/dialer"'),
        ("", '""'),
    ],
)
def test_exec_arguments_are_quoted_per_the_desktop_entry_spec(arg: str, written: str) -> None:
    assert reg.desktop_exec_arg(arg) == written


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils not installed")
def test_desktop_entry_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "dialer.desktop"
    path.write_text(reg.desktop_entry(["/home/me/My Apps/dialer", "-m", "dialer"]), encoding="utf-8")
    result = subprocess.run(["desktop-file-validate", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr


@pytest.mark.skipif(shutil.which("xdg-mime") is None, reason="xdg-mime (xdg-utils) not installed")
def test_register_makes_dialer_the_tel_handler_and_unregister_undoes_it(xdg_home: Path) -> None:
    def query(scheme: str) -> str:
        return subprocess.run(["xdg-mime", "query", "default", f"x-scheme-handler/{scheme}"],
                              capture_output=True, text=True, check=False).stdout.strip()

    report = reg.register_linux(["/opt/dialer/bin/dialer"])
    desktop_file = xdg_home / "data" / "applications" / "io.github.dialer.Dialer.desktop"
    assert str(desktop_file) in report
    assert "Exec=/opt/dialer/bin/dialer --untrusted-args %u" in desktop_file.read_text()
    assert query("tel") == "io.github.dialer.Dialer.desktop"
    assert query("callto") == "io.github.dialer.Dialer.desktop"
    icon = xdg_home / "data" / "icons" / "hicolor" / "scalable" / "apps" / "io.github.dialer.Dialer.svg"
    assert icon.read_bytes().startswith(b"<?xml")

    report = reg.unregister_linux()
    assert "Removed" in report
    assert not desktop_file.exists() and not icon.exists()
    assert query("tel") == ""
    assert reg.unregister_linux().startswith("dialer was not registered")


def test_without_xdg_mime_the_defaults_go_into_mimeapps_list(xdg_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mimeapps = xdg_home / "config" / "mimeapps.list"
    mimeapps.parent.mkdir(parents=True)
    mimeapps.write_text("# mine\n[Default Applications]\ntext/html=firefox.desktop;\n"
                        "x-scheme-handler/tel=other.desktop;\n[Added Associations]\nx=y;\n")
    monkeypatch.setattr(reg.shutil, "which", lambda name: None)
    report = reg.register_linux(["/opt/dialer/bin/dialer"])
    assert "xdg-utils" in report
    text = mimeapps.read_text()
    assert "x-scheme-handler/tel=io.github.dialer.Dialer.desktop;" in text
    assert "x-scheme-handler/callto=io.github.dialer.Dialer.desktop;" in text
    assert "other.desktop" not in text
    assert "# mine" in text and "text/html=firefox.desktop;" in text and "[Added Associations]\nx=y;" in text
    reg.unregister_linux()
    text = mimeapps.read_text()
    assert "Dialer.desktop" not in text and "text/html=firefox.desktop;" in text


def test_mimeapps_list_is_created_when_missing(tmp_path: Path) -> None:
    mimeapps = tmp_path / "mimeapps.list"
    reg.set_mimeapps_default(mimeapps, ["x-scheme-handler/tel"], "dialer.desktop")
    assert mimeapps.read_text() == "[Default Applications]\nx-scheme-handler/tel=dialer.desktop;\n"


def test_unregister_keeps_other_handlers_in_a_shared_entry(tmp_path: Path) -> None:
    mimeapps = tmp_path / "mimeapps.list"
    mimeapps.write_text("[Default Applications]\nx-scheme-handler/tel=dialer.desktop;skype.desktop;\n")
    reg.set_mimeapps_default(mimeapps, ["x-scheme-handler/tel"], None)
    assert mimeapps.read_text() == "[Default Applications]\nx-scheme-handler/tel=skype.desktop;\n"


def test_command_is_absolute() -> None:
    command = reg.dialer_command()
    assert os.path.isabs(command[0])


def test_windows_registry_values() -> None:
    values = reg.windows_registry_values([r"C:\Program Files\Dialer\dialer.exe"], icon=r"C:\Program Files\Dialer\dialer.exe")
    table = {(v.key, v.name): v.value for v in values}
    command = '"C:\\Program Files\\Dialer\\dialer.exe" --untrusted-args "%1"'
    for scheme in ("tel", "callto"):
        assert table[(rf"Software\Classes\{scheme}", "URL Protocol")] == ""
        assert table[(rf"Software\Classes\{scheme}\shell\open\command", "")] == command
        assert table[(rf"Software\Classes\{scheme}\DefaultIcon", "")] == r"C:\Program Files\Dialer\dialer.exe,0"
        assert table[(r"Software\Dialer\Capabilities\URLAssociations", scheme)] == reg.WINDOWS_PROG_ID
    assert table[(rf"Software\Classes\{reg.WINDOWS_PROG_ID}\shell\open\command", "")] == command
    assert table[(r"Software\RegisteredApplications", "Dialer")] == r"Software\Dialer\Capabilities"
    assert all(not v.key.startswith(("HKEY_LOCAL_MACHINE", "SOFTWARE\\Microsoft")) for v in values)
    # Unregistering removes every key that registering created.
    created = {v.key for v in values if v.key != r"Software\RegisteredApplications"}
    assert created <= set(reg.windows_keys_to_delete())


def test_windows_command_for_a_python_install() -> None:
    line = reg.windows_command_line([r"C:\Python311\pythonw.exe", "-m", "dialer"])
    assert line == r'"C:\Python311\pythonw.exe" -m dialer --untrusted-args "%1"'


def test_cli_register_and_unregister(xdg_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from dialer.cli.main import main

    assert main(["register-handler"]) == 0
    desktop_file = xdg_home / "data" / "applications" / "io.github.dialer.Dialer.desktop"
    assert desktop_file.exists()
    assert "--untrusted-args %u" in desktop_file.read_text()
    assert str(desktop_file) in capsys.readouterr().out
    assert main(["unregister-handler"]) == 0
    assert not desktop_file.exists()


def test_cli_reports_a_failure_with_the_cause(xdg_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from dialer.cli.main import main

    (xdg_home / "data").mkdir()
    (xdg_home / "data" / "applications").write_text("a file where the folder should be")
    assert main(["register-handler"]) == 1
    assert "Could not write" in capsys.readouterr().err


def test_an_older_versions_dialer_desktop_is_replaced_not_doubled(xdg_home: Path) -> None:
    apps = xdg_home / "data" / "applications"
    apps.mkdir(parents=True)
    (apps / "dialer.desktop").write_text(reg.desktop_entry(["/old/dialer"]), encoding="utf-8")
    mimeapps = xdg_home / "config" / "mimeapps.list"
    mimeapps.parent.mkdir(parents=True, exist_ok=True)
    mimeapps.write_text("[Default Applications]\nx-scheme-handler/tel=dialer.desktop;\n", encoding="utf-8")
    reg.register_linux(["/new/dialer"])
    assert not (apps / "dialer.desktop").exists()
    assert (apps / "io.github.dialer.Dialer.desktop").is_file()
    assert "=dialer.desktop" not in mimeapps.read_text(encoding="utf-8")
