"""The bundle's third-party notices list what ships, with each licence and its text."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_notices_name_qt_bindings_and_libraries_with_their_licence_texts(tmp_path: Path) -> None:
    out = tmp_path / "THIRD-PARTY-NOTICES.txt"
    done = subprocess.run([sys.executable, str(ROOT / "packaging" / "notices.py"), str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    for name in ("PySide6_Essentials", "shiboken6", "httpx", "phonenumbers", "qasync"):
        assert any(line.lower().startswith(name.lower().replace("_", "-")) or line.lower().startswith(name.lower())
                   for line in text.splitlines()), name
    qt = text[text.lower().index("pyside6"):]
    assert "LGPL" in qt.split("\n\n", 1)[0] or "Lesser General Public License" in qt[:20000]
    assert "Permission is hereby granted" in text  # an MIT licence text, not only its name
    assert "\npip " not in text  # the installer is not shipped


def test_the_lock_file_pins_every_dependency_with_hashes() -> None:
    lock = (ROOT / "packaging" / "requirements.lock").read_text(encoding="utf-8")
    pins = [line for line in lock.splitlines() if "==" in line and not line.startswith("#")]
    assert pins and all(line.rstrip().endswith("\\") for line in pins)  # each pin continues with its hashes
    for package in ("httpx", "qasync", "phonenumbers", "keyring", "pyinstaller", "pyside6-essentials"):
        assert any(line.startswith(f"{package}==") for line in pins), package
    assert lock.count("--hash=sha256:") >= len(pins)
