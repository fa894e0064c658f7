"""`dialer parse`: how the dialer reads a number or a link, for people and for scripts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dialer.cli.main import main


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["parse", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_for_a_number(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "+44 20 7946 0958", "--json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["e164"] == "+442079460958"
    assert data["valid"] is True
    assert data["region"] == "GB"
    assert data["type"] == "fixed-line"
    assert data["international"] == "+44 20 7946 0958"
    assert data["national"] == "020 7946 0958"
    assert data["timezones"] == ["Europe/London"]
    assert data["extension"] is None and data["postdial"] is None


def test_json_for_a_national_number_with_region(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "(201) 555-0123", "--region", "us", "--json")
    assert code == 0
    assert json.loads(out)["e164"] == "+12015550123"


def test_json_for_a_tel_uri(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "tel:+1-201-555-0123;ext=42;isub=7;postd=pp9", "--json")
    assert code == 0
    data = json.loads(out)
    assert (data["e164"], data["extension"], data["isub"], data["postdial"], data["phone_context"]) == (
        "+12015550123", "42", "7", "pp9", None)
    assert data["uri"] == "tel:+12015550123;ext=42;isub=7;postd=pp9"


def test_json_for_a_local_uri_with_context(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "tel:7946-0958;phone-context=+44-20", "--json")
    data = json.loads(out)
    assert code == 0
    assert (data["e164"], data["phone_context"]) == ("+442079460958", "+4420")


def test_json_for_callto(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "callto://+919876543210", "--json")
    assert code == 0
    assert json.loads(out)["type"] == "mobile"


def test_readable_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "tel:+44-20-7946-0958;ext=12")
    assert code == 0
    assert "+44 20 7946 0958  (valid)" in out
    assert "United Kingdom (GB), London" in out
    assert "fixed-line" in out
    assert "Extension:  12" in out


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("hello", "No phone number found"),
        ("tel:5550123", "needs a phone-context"),
        ("+999 123 4567", "Unknown country code"),
        ("callto:echo123", "names a user"),
    ],
)
def test_unusable_input_exits_2_with_reason(capsys: pytest.CaptureFixture[str], text: str, reason: str) -> None:
    code, out, err = _run(capsys, text, "--json")
    assert code == 2
    assert out == ""
    assert reason in err


def test_invalid_but_readable_number_is_shown_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "+1 555 010 0000", "--json")
    assert code == 2
    assert json.loads(out)["valid"] is False
    assert "not a valid number" in err


def test_unknown_region_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "2015550123", "--region", "QQ")
    assert code == 2 and "unknown region" in err


def test_installed_command() -> None:
    exe = Path(sys.executable).with_name("dialer")
    if not exe.exists():
        pytest.skip("dialer script not installed next to this Python")
    ok = subprocess.run([str(exe), "parse", "00 44 20 7946 0958", "--json"], capture_output=True, text=True,
                        timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["e164"] == "+442079460958"
    bad = subprocess.run([str(exe), "parse", "nonsense"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "No phone number found" in bad.stderr
