"""`dialer call --caller-id` and `dialer caller-ids` end to end: real processes, the sandbox over loopback."""

from __future__ import annotations

import json
from typing import Any

import httpx

from .test_cli_call import ANSWERED, OWN, cli_env, creds, dialer, login  # noqa: F401 (fixtures)

MAIN = "+12025550111"


def ringout_bodies(sandbox_url: str) -> list[dict[str, Any]]:
    log = httpx.get(f"{sandbox_url}/_sandbox/requests", timeout=5).json()["requests"]
    return [r["body"] for r in log if r["method"] == "POST" and r["path"].endswith("/ring-out")]


def test_call_with_caller_id_sends_it_and_lists_choices(cli_env: dict[str, str],  # noqa: F811
                                                        creds: dict, sandbox_url: str) -> None:  # noqa: F811
    login(cli_env, "ringcentral", creds)
    listed = dialer(cli_env, "caller-ids", "--json")
    assert listed.returncode == 0, listed.stderr
    (row,) = json.loads(listed.stdout)
    assert [c["number"] for c in row["caller_ids"]] == ["+12025550100", MAIN]
    assert row["ring_first"][0] == {"number": "+12025550199", "label": "Mobile", "id": "1"}

    result = dialer(cli_env, "call", ANSWERED, "--provider", "ringcentral", "--from", OWN, "--yes",
                    "--caller-id", "+1 202-555-0111", "--json")
    plan = json.loads(result.stdout.splitlines()[0])
    assert plan["event"] == "plan" and plan["caller_id"] == MAIN
    plain = dialer(cli_env, "call", ANSWERED, "--provider", "ringcentral", "--from", OWN, "--yes")
    assert "They see" not in plain.stdout
    first, second = ringout_bodies(sandbox_url)
    assert first["callerId"] == {"phoneNumber": MAIN}
    assert "callerId" not in second and "playPrompt" not in second


def test_default_caller_id_is_saved_and_used(cli_env: dict[str, str], creds: dict,  # noqa: F811
                                             sandbox_url: str) -> None:
    login(cli_env, "ringcentral", creds)
    saved = dialer(cli_env, "caller-ids", "--provider", "ringcentral", "--set", MAIN)
    assert saved.returncode == 0 and "+1 202-555-0111" in saved.stdout, saved.stderr
    accounts = json.loads(dialer(cli_env, "accounts", "--json").stdout)
    assert accounts[0]["caller_id"] == MAIN
    result = dialer(cli_env, "call", ANSWERED, "--provider", "ringcentral", "--from", OWN, "--yes")
    assert f"They see:  {MAIN}" in result.stdout and "RingOut from Web" in result.stdout
    assert ringout_bodies(sandbox_url)[0]["callerId"] == {"phoneNumber": MAIN}
    assert dialer(cli_env, "caller-ids", "--provider", "ringcentral", "--clear").returncode == 0
    assert json.loads(dialer(cli_env, "accounts", "--json").stdout)[0]["caller_id"] is None


def test_caller_id_is_refused_where_it_cannot_be_sent(cli_env: dict[str, str], creds: dict,  # noqa: F811
                                                      sandbox_url: str) -> None:
    login(cli_env, "ringostat", creds)
    refused = dialer(cli_env, "call", ANSWERED, "--provider", "ringostat", "--yes", "--caller-id", MAIN)
    assert refused.returncode == 2 and "cannot choose the caller ID" in refused.stderr
    login(cli_env, "calledin", creds)
    bad = dialer(cli_env, "call", ANSWERED, "--provider", "calledin", "--from", OWN, "--yes",
                 "--caller-id", "+44 20 7946 0000")
    assert bad.returncode == 2 and "own phone's country (+1)" in bad.stderr
    invalid = dialer(cli_env, "call", ANSWERED, "--provider", "calledin", "--from", OWN, "--yes",
                     "--caller-id", "12")
    assert invalid.returncode == 2 and "not a valid phone number" in invalid.stderr
    assert not [r for r in httpx.get(f"{sandbox_url}/_sandbox/requests", timeout=5).json()["requests"]
                if r["provider"] in ("calledin", "ringostat") and r["method"] == "GET"
                and "clicktocall" in r["path"]]
    assert "--caller-id" in dialer(cli_env, "call", "--help").stdout
    assert "--set" in dialer(cli_env, "caller-ids", "--help").stdout
