"""A hard crash (a segfault inside Qt, an abort) leaves every thread's Python stack in the log folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CRASH = """
from dialer import logsetup
logsetup.install_crash_reporter()
import faulthandler
def in_the_call_panel():
    faulthandler._sigsegv()
in_the_call_panel()
"""


def test_a_segfault_leaves_the_stacks_in_faults_txt(tmp_path: Path) -> None:
    home = tmp_path / "home"
    out = subprocess.run([sys.executable, "-c", CRASH], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, DIALER_HOME=str(home)))
    assert out.returncode != 0
    faults = home / "logs" / "faults.txt"
    text = faults.read_text(encoding="utf-8")
    assert "Fatal Python error: Segmentation fault" in text
    assert "in_the_call_panel" in text
    assert faults.stat().st_mode & 0o777 == 0o600
