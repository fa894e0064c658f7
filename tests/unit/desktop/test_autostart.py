"""Start at login: the entry each desktop reads, written and removed in the user's own folders."""

from __future__ import annotations

import plistlib
import shutil
import subprocess
from pathlib import Path

import pytest

from dialer.desktop import autostart

COMMAND = ["/opt/my apps/dialer"]


def test_linux_writes_an_xdg_autostart_entry_that_starts_in_the_tray(tmp_path: Path) -> None:
    assert not autostart.is_enabled("linux")
    autostart.set_enabled(True, command=COMMAND, platform="linux")
    entry = tmp_path / "xdg-config" / "autostart" / "io.github.dialer.Dialer.desktop"
    assert entry.is_file() and autostart.is_enabled("linux")
    text = entry.read_text(encoding="utf-8")
    assert 'Exec="/opt/my apps/dialer" --minimized\n' in text
    autostart.set_enabled(False, command=COMMAND, platform="linux")
    assert not entry.exists() and not autostart.is_enabled("linux")
    autostart.set_enabled(False, command=COMMAND, platform="linux")  # already off: nothing to do, no error


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils not installed")
def test_the_autostart_entry_is_a_valid_desktop_file(tmp_path: Path) -> None:
    path = tmp_path / "io.github.dialer.Dialer.desktop"
    path.write_text(autostart.autostart_entry(COMMAND), encoding="utf-8")
    result = subprocess.run(["desktop-file-validate", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr


def test_macos_launch_agent_runs_the_app_at_load() -> None:
    agent = plistlib.loads(autostart.launch_agent(COMMAND))
    assert agent == {"Label": "io.github.dialer.Dialer", "ProgramArguments": [*COMMAND, "--minimized"],
                     "RunAtLoad": True, "ProcessType": "Interactive"}


def test_windows_run_value_quotes_the_path() -> None:
    assert autostart.windows_run_value([r"C:\Program Files\Dialer\dialer.exe"]) == \
        r'"C:\Program Files\Dialer\dialer.exe" --minimized'


def test_an_unwritable_folder_says_which_file_and_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "xdg-config").write_text("not a folder", encoding="utf-8")
    with pytest.raises(autostart.AutostartError, match=r"Could not write .*autostart.*writable"):
        autostart.set_enabled(True, command=COMMAND, platform="linux")
