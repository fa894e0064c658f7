"""The screenshot tool renders every state in both looks (slow: it walks a real call twice)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dialer.ui.screenshots import STATES


@pytest.mark.slow
def test_screenshots_cover_every_state_in_light_and_dark(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-m", "dialer.ui.screenshots", str(tmp_path)], env=env,
                            capture_output=True, text=True, timeout=110)
    assert result.returncode == 0, result.stderr[-2000:]
    for state in STATES:
        for mode in ("light", "dark"):
            png = tmp_path / f"{state}-{mode}.png"
            assert png.is_file() and png.stat().st_size > 5000, png
