"""Desktop tests: a short private DIALER_HOME, so the hand-off socket path fits AF_UNIX's ~100 bytes."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def short_home(dialer_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = Path(tempfile.mkdtemp(prefix="dh-"))
    monkeypatch.setenv("DIALER_HOME", str(home))
    try:
        yield home
    finally:
        shutil.rmtree(home, ignore_errors=True)
