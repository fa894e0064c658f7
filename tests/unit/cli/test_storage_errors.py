"""The CLI meets a damaged or unusable database: a sentence naming the file and the fix, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _dialer(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONFAULTHANDLER"}
    env["DIALER_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "dialer", *args], capture_output=True, text=True, env=env,
                          timeout=120)


def _damage(home: Path) -> Path:
    db = home / "data" / "dialer.sqlite3"
    db.parent.mkdir(parents=True, exist_ok=True)
    db.write_bytes(b"garbage, not SQLite" * 100)
    return db


def test_reading_a_damaged_database_says_what_to_do(tmp_path: Path) -> None:
    db = _damage(tmp_path)
    out = _dialer(tmp_path, "history")
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert str(db) in out.stderr and "damaged" in out.stderr and "Start dialer again" in out.stderr


def test_a_writing_command_moves_the_damaged_database_aside_and_says_so(tmp_path: Path) -> None:
    _damage(tmp_path)
    vcf = tmp_path / "one.vcf"
    vcf.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Ada Lovelace\nTEL:+44 20 7946 0958\nEND:VCARD\n", encoding="utf-8")
    out = _dialer(tmp_path, "contacts", "import", str(vcf))
    assert out.returncode == 0, out.stderr
    assert "the database was damaged; it was moved to" in out.stderr and "kept for recovery" in out.stderr
    kept = list((tmp_path / "data").glob("dialer.sqlite3.damaged-*"))
    assert len(kept) == 1 and kept[0].read_bytes().startswith(b"garbage")
    listed = _dialer(tmp_path, "contacts", "list")
    assert "Ada Lovelace" in listed.stdout


def test_history_before_anything_was_saved_is_empty_and_creates_nothing(tmp_path: Path) -> None:
    out = _dialer(tmp_path, "history")
    assert out.returncode == 0 and out.stderr == ""
    assert not (tmp_path / "data" / "dialer.sqlite3").exists()
