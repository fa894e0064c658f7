"""Keys sent after answering: extensions, PINs, menus, with pauses in between."""

from __future__ import annotations

import pytest

from dialer.core import dtmf
from dialer.core.dtmf import DtmfError, DtmfStep


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1234", "1234"), (" 12-34 ", "1234"), ("*#abcd", "*#ABCD"), ("(1).2/3", "123"), ("1P2w3,4", "1p2w3,4")],
)
def test_validate_normalizes(raw: str, expected: str) -> None:
    assert dtmf.validate(raw) == expected


@pytest.mark.parametrize(("raw", "bad"), [("12e4", "'e'"), ("1+2", "'+'"), ("١٢", "'١'"), ("9x", "'x'")])
def test_validate_names_the_bad_character(raw: str, bad: str) -> None:
    with pytest.raises(DtmfError) as err:
        dtmf.validate(raw)
    assert bad in str(err.value)
    assert "0-9 * # A-D" in str(err.value)


def test_validate_refuses_empty_and_pauses_when_not_allowed() -> None:
    with pytest.raises(DtmfError, match="no keys"):
        dtmf.validate(" - ")
    with pytest.raises(DtmfError, match="Pauses"):
        dtmf.validate("1p2", allow_pauses=False)


def test_pause_lengths_are_documented_choice() -> None:
    assert dtmf.PAUSES == {"p": 2.0, ",": 2.0, "w": 0.5}
    assert dtmf.VALID == "0123456789*#ABCD"


@pytest.mark.parametrize(
    ("raw", "steps"),
    [
        ("1234", [DtmfStep("1234", 0.0)]),
        ("pp1234w#", [DtmfStep("1234", 4.0), DtmfStep("#", 0.5)]),
        (",1,,2", [DtmfStep("1", 2.0), DtmfStep("2", 4.0)]),
        ("1w w2", [DtmfStep("1", 0.0), DtmfStep("2", 1.0)]),
        ("12pp", [DtmfStep("12", 0.0)]),  # trailing pauses: nothing follows
        ("", []),
        ("   ", []),
        ("pw", []),
    ],
)
def test_plan_groups_keys_between_pauses(raw: str, steps: list[DtmfStep]) -> None:
    assert dtmf.plan(raw) == steps


def test_plan_refuses_bad_keys() -> None:
    with pytest.raises(DtmfError):
        dtmf.plan("12;3")


@pytest.mark.parametrize(
    ("extension", "postdial", "expected"),
    [
        ("123", None, "p123"),
        (None, "w9#", "w9#"),
        ("12", "w9", "p12w9"),
        (None, None, ""),
        ("", "  ", ""),
    ],
)
def test_postdial_for(extension: str | None, postdial: str | None, expected: str) -> None:
    assert dtmf.postdial_for(extension, postdial) == expected


def test_extension_plan_starts_with_a_pause() -> None:
    assert dtmf.plan(dtmf.postdial_for("4567", None)) == [DtmfStep("4567", 2.0)]
