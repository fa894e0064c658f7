"""Caller ID through the real clients and the sandbox (issue 11 item 9): RingCentral's forwarding numbers and
caller-ID numbers, ``callerId``/``caller_id``/``playPrompt`` sent only when chosen, Called.in's checks."""

from __future__ import annotations

from typing import Any

import pytest

from dialer.providers.base import CallerIdChoices, InvalidNumberError, NotSupported, StartCall
from dialer.providers.calledin import CalledInProvider
from dialer.providers.ringcentral import RingCentralProvider

from .conftest import Sandbox, run_with

OWN = "+14155559876"
DEST = "+14155550100"
OTHER = "+14155550101"  # Called.in's flood protection refuses the same number twice a minute


def rc_settings(creds: dict, **extra: str) -> dict[str, str]:
    rc = creds["ringcentral"]
    return {"client_id": rc["client_id"], "client_secret": rc["client_secret"], **extra}


def ringout_bodies(box: Sandbox) -> list[dict[str, Any]]:
    return [r["body"] for r in box.requests()
            if r["provider"] == "ringcentral" and r["method"] == "POST" and r["path"].endswith("/ring-out")]


def clicktocall_queries(box: Sandbox) -> list[str]:
    return [r["query"] for r in box.requests() if r["provider"] == "calledin"]


def test_ringcentral_lists_forwarding_numbers_and_caller_ids(sandbox_url: str, creds: dict) -> None:
    async def body(p: object) -> tuple[list, CallerIdChoices]:
        assert isinstance(p, RingCentralProvider)
        await p.sign_in({"jwt": creds["ringcentral"]["jwt"]})
        return list(await p.own_numbers()), await p.caller_ids()

    own, ids = run_with("ringcentral", sandbox_url, body, settings=rc_settings(creds))
    assert [(c.number, c.label, c.ref) for c in own] == [
        ("+12025550199", "Mobile", "1"), ("+12025550142", "Home", "2"), ("+12025550143", "Work", "3")]
    # Only the numbers whose features include CallerId; the fax number is left out.
    assert [c.number for c in ids.numbers] == ["+12025550100", "+12025550111"]
    assert ids.numbers[0].label == "direct number"
    assert not ids.free_entry and "RingOut from Web" in ids.note


def test_ringcentral_lists_follow_the_pages(sandbox_url: str, creds: dict, box: Sandbox,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("dialer.providers.ringcentral.LIST_PAGE_SIZE", 2)

    async def body(p: object) -> list:
        assert isinstance(p, RingCentralProvider)
        await p.sign_in({"jwt": creds["ringcentral"]["jwt"]})
        return list(await p.own_numbers())

    own = run_with("ringcentral", sandbox_url, body, settings=rc_settings(creds))
    assert len(own) == 3
    pages = [r["query"] for r in box.requests() if r["path"].endswith("/forwarding-number")]
    assert pages == ["page=1&perPage=2", "page=2&perPage=2"]


def test_ringcentral_sends_caller_id_and_play_prompt_only_when_chosen(sandbox_url: str, creds: dict,
                                                                      box: Sandbox) -> None:
    async def body(p: object) -> None:
        assert isinstance(p, RingCentralProvider)
        await p.sign_in({"jwt": creds["ringcentral"]["jwt"]})
        await p.start_call(StartCall(destination=DEST, own_number=OWN))
        await p.start_call(StartCall(destination=DEST, own_number=OWN, caller_id="+12025550111"))

    run_with("ringcentral", sandbox_url, body, settings=rc_settings(creds))
    plain, chosen = ringout_bodies(box)
    assert "callerId" not in plain and "playPrompt" not in plain
    assert chosen["callerId"] == {"phoneNumber": "+12025550111"} and "playPrompt" not in chosen


def test_ringcentral_sends_play_prompt_when_the_user_set_it(sandbox_url: str, creds: dict, box: Sandbox) -> None:
    async def body(p: object) -> None:
        assert isinstance(p, RingCentralProvider)
        await p.sign_in({"jwt": creds["ringcentral"]["jwt"]})
        await p.start_call(StartCall(destination=DEST, own_number=OWN))

    run_with("ringcentral", sandbox_url, body, settings=rc_settings(creds, play_prompt="true"))
    assert ringout_bodies(box)[0]["playPrompt"] is True


def test_calledin_caller_id_is_free_entry_checked_before_sending(sandbox_url: str, creds: dict,
                                                                  box: Sandbox) -> None:
    async def body(p: object) -> CallerIdChoices:
        assert isinstance(p, CalledInProvider)
        await p.sign_in({"api_key": creds["calledin"]["api_key"]})
        with pytest.raises(InvalidNumberError, match=r"own phone's country \(\+1\)"):
            await p.start_call(StartCall(destination=DEST, own_number=OWN, caller_id="+442079460000"))
        with pytest.raises(InvalidNumberError, match="10-digit"):
            p.check_caller_id("+1242555012", OWN)
        with pytest.raises(NotSupported):
            await p.own_numbers()
        await p.start_call(StartCall(destination=DEST, own_number=OWN))
        await p.start_call(StartCall(destination=OTHER, own_number=OWN, caller_id="+12025550111"))
        return await p.caller_ids()

    choices = run_with("calledin", sandbox_url, body)
    assert choices.free_entry and not choices.numbers
    plain, chosen = clicktocall_queries(box)  # the refused caller ID never reached Called.in
    assert "caller_id" not in plain
    assert "caller_id=2025550111" in chosen
