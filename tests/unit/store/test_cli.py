"""`dialer contacts ...` and `dialer history ...` through the real entry point."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from dialer.cli.main import main
from dialer.store.db import Database
from dialer.store.history import HistoryRow, HistoryStore
from tests.unit.store.conftest import FIXTURES


def test_import_prints_the_report_and_list_shows_contacts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["contacts", "import", str(FIXTURES / "apple-contacts.vcf")]) == 0
    out = capsys.readouterr().out
    assert "2 added, 0 merged" in out
    assert "flagged  Johnny Appleseed: (555) 010-0188: no country code" in out
    assert main(["contacts", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [c["name"] for c in listed] == ["Blue Bottle Coffee", "Johnny Appleseed"]
    assert listed[1]["numbers"][2] == {"label": "work", "raw": "(555) 010-0188", "e164": None, "valid": False}


def test_import_with_region_resolves_national_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["contacts", "import", "--region", "us", str(FIXTURES / "apple-contacts.vcf")]) == 0
    assert "flagged  Johnny Appleseed: (555) 010-0188: not a valid phone number" in capsys.readouterr().out


def test_malformed_import_exits_2_with_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["contacts", "import", str(FIXTURES / "malformed.vcf")]) == 2
    captured = capsys.readouterr()
    assert "line 9 (card 2)" in captured.err and "Nothing was imported" in captured.err
    main(["contacts", "list"])
    assert "No contacts yet" in capsys.readouterr().out


def test_missing_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["contacts", "import", str(tmp_path / "nope.vcf")]) == 2
    assert "Cannot read" in capsys.readouterr().err


def test_search_and_export(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    main(["contacts", "import", str(FIXTURES / "google-contacts.vcf")])
    capsys.readouterr()
    assert main(["contacts", "search", "zoe", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert {m["number"] for m in found} == {"+33612345678", "+33142685300"}
    assert main(["contacts", "search", "4123456"]) == 0
    assert "Kwame Mensah  +233244123456 (mobile)" in capsys.readouterr().out
    out_file = tmp_path / "all.vcf"
    assert main(["contacts", "export", str(out_file)]) == 0
    assert "Exported 2 contact(s)" in capsys.readouterr().out
    assert out_file.read_text(encoding="utf-8").count("BEGIN:VCARD") == 2


def test_history_shows_newest_first_and_exports_csv(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = Database.open()
    history = HistoryStore(db)
    for minute, state in ((1, "completed"), (2, "busy"), (3, "no-answer")):
        history.add(HistoryRow(
            id=None, provider="ringez", account_id=None, provider_call_id=None, destination=f"+4420794600{minute:02d}",
            display_name="Zoë" if minute == 1 else None, mode="bridge", origin="window", state=state,
            legs={"destination": state}, started_at=datetime(2026, 3, 1, 12, minute, tzinfo=UTC),
            duration_s=61 if state == "completed" else 0, cost=Decimal("0.05"), currency="EUR", finished=True))
    db.close()
    assert main(["history", "--json", "--limit", "2"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["state"] for r in rows] == ["no-answer", "busy"]
    assert main(["history"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "Zoë +442079460001" in lines[-1] and "1:01" in lines[-1]
    out_file = tmp_path / "calls.csv"
    assert main(["history", "export", str(out_file)]) == 0
    csv_lines = out_file.read_text(encoding="utf-8").splitlines()
    assert csv_lines[0].startswith("started_at,destination") and len(csv_lines) == 4
    assert main(["history", "--limit", "0"]) == 2
