"""`dialer login` and `dialer call` end to end: real processes, real clients, the sandbox over loopback.

Each command is its own process, as a user would run them; the sign-in survives from one to the next
through a file-backed keyring (tests/integration/service/file_keyring.py) under a temporary DIALER_HOME.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
OWN = "+14155559876"
ANSWERED = "+14155550006"  # answers, then the far end hangs up after 30 simulated seconds
BUSY = "+14155550001"


@pytest.fixture
def cli_env(sandbox_reset: Any, sandbox_url: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIALER_")}
    home = tmp_path / "cli-home"
    home.mkdir()
    env.update(
        DIALER_HOME=str(home), PYTHONPATH=str(ROOT),
        PYTHON_KEYRING_BACKEND="tests.integration.service.file_keyring.FileKeyring",
        DIALER_RINGEZ_URL=sandbox_url, DIALER_RINGCENTRAL_URL=sandbox_url, DIALER_CALLEDIN_URL=sandbox_url,
        DIALER_RINGOSTAT_URL=sandbox_url,
    )
    return env


@pytest.fixture
def creds(sandbox_url: str) -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = httpx.get(f"{sandbox_url}/_sandbox/credentials", timeout=5).json()
    return data


def dialer(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dialer", *args], input=stdin, capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=60)


def login(env: dict[str, str], provider: str, creds: dict[str, dict[str, str]]) -> None:
    c = creds[provider]
    if provider == "ringez":
        result = dialer(env, "login", "ringez", "--email", c["email"], "--password-stdin",
                        stdin=c["password"] + "\n")
    elif provider == "ringcentral":
        result = dialer(env, "login", "ringcentral", "--client-id", c["client_id"], "--client-secret",
                        c["client_secret"], "--jwt", c["jwt"])
    elif provider == "calledin":
        result = dialer(env, "login", "calledin", "--api-key", c["api_key"])
    else:
        result = dialer(env, "login", "ringostat", "--auth-key", c["auth_key"], "--project-id",
                        c["project_id"], "--extension", c["extension"])
    assert result.returncode == 0, result.stderr
    assert "Signed in" in result.stdout


def sandbox_calls(url: str, provider: str) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = httpx.get(f"{url}/_sandbox/calls", timeout=5).json()["calls"]
    return [c for c in calls if c["provider"] == provider]


@pytest.mark.parametrize("provider", ["ringez", "ringcentral", "calledin", "ringostat"])
def test_login_then_call_succeeds_with_every_provider(cli_env: dict[str, str], creds: dict[str, Any],
                                                      sandbox_url: str, provider: str) -> None:
    login(cli_env, provider, creds)
    own = [] if provider == "ringez" else ["--from", OWN]  # Ringez rings the phone registered with the account
    result = dialer(cli_env, "call", ANSWERED, "--provider", provider, *own, "--yes", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert events[0]["event"] == "plan" and events[0]["destination"] == ANSWERED
    final = events[-1]
    assert final["event"] == "finished" and final["finished"]
    if provider == "ringez":  # bridge mode: Ringez reports your phone's leg only
        assert final["outcome"] == "ended; destination not reported"
        assert final["legs"] == {"self": "completed", "destination": "unknown"}
    elif provider == "ringcentral":
        assert final["outcome"] == "completed"
        assert final["legs"] == {"self": "completed", "destination": "completed"}
    else:  # no progress reports: done once the provider accepted the request
        assert final["outcome"] == "request accepted"
    assert len(sandbox_calls(sandbox_url, provider)) == 1

    history = dialer(cli_env, "history", "--json")
    rows = json.loads(history.stdout)
    assert len(rows) == 1 and rows[0]["destination"] == ANSWERED and rows[0]["finished"]


def test_a_busy_line_exits_non_zero_with_the_reason(cli_env: dict[str, str], creds: dict[str, Any]) -> None:
    login(cli_env, "ringez", creds)
    result = dialer(cli_env, "call", BUSY, "--mode", "direct", "--yes")  # direct: the status is the destination's
    assert result.returncode == 1, result.stdout + result.stderr
    assert "busy" in result.stdout.lower()


def test_without_a_terminal_or_yes_nothing_is_placed(cli_env: dict[str, str], creds: dict[str, Any],
                                                     sandbox_url: str) -> None:
    login(cli_env, "ringez", creds)
    result = dialer(cli_env, "call", ANSWERED, "--from", OWN)
    assert result.returncode == 2
    assert "--yes" in result.stderr
    assert sandbox_calls(sandbox_url, "ringez") == []


def test_a_service_code_is_refused(cli_env: dict[str, str], creds: dict[str, Any], sandbox_url: str) -> None:
    login(cli_env, "ringez", creds)
    result = dialer(cli_env, "call", "*21#", "--yes")
    assert result.returncode == 2
    assert "service code" in result.stderr
    assert sandbox_calls(sandbox_url, "ringez") == []


def test_accounts_balance_and_logout(cli_env: dict[str, str], creds: dict[str, Any]) -> None:
    login(cli_env, "ringez", creds)
    login(cli_env, "calledin", creds)
    accounts = json.loads(dialer(cli_env, "accounts", "--json").stdout)
    assert sorted(a["provider"] for a in accounts) == ["calledin", "ringez"]
    assert all(a["signed_in"] for a in accounts)
    balance = json.loads(dialer(cli_env, "balance", "--json").stdout)
    assert [b["provider"] for b in balance] == ["ringez"] and balance[0]["minutes"] > 0
    out = dialer(cli_env, "logout", "ringez")
    assert out.returncode == 0
    accounts = json.loads(dialer(cli_env, "accounts", "--json").stdout)
    assert [a["provider"] for a in accounts] == ["calledin"]
    keyring_file = Path(cli_env["DIALER_HOME"]) / "test-keyring.json"
    assert creds["ringez"]["password"] not in keyring_file.read_text()


def test_ctrl_c_hangs_up_the_call(cli_env: dict[str, str], creds: dict[str, Any], sandbox_url: str) -> None:
    import signal
    import time

    login(cli_env, "ringez", creds)
    proc = subprocess.Popen([sys.executable, "-m", "dialer", "call", "+14155550100", "--yes",
                             "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=cli_env, cwd=ROOT)
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 30
        for line in proc.stdout:  # wait until your phone has answered (all a Ringez bridge status tells)
            if '"self": "answered"' in line or time.monotonic() > deadline:
                break
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "Hanging up" in err
    calls = sandbox_calls(sandbox_url, "ringez")
    assert len(calls) == 1 and calls[0]["ended"]
    assert json.loads(out.splitlines()[-1])["event"] == "finished"


# ------------------------------------------------------------------------------------- issue 11: Ringez


def _run_until(env: dict[str, str], args: list[str], *, stop_when: str) -> tuple[int, list[tuple[float, dict]], str]:
    """Run `dialer call ... --json`, Ctrl-C it once an event's message contains ``stop_when``."""
    import signal
    import time

    proc = subprocess.Popen([sys.executable, "-m", "dialer", "call", *args, "--json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    events: list[tuple[float, dict]] = []
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 40
        for line in proc.stdout:
            if line.strip():
                events.append((time.monotonic(), json.loads(line)))
                if stop_when in (events[-1][1].get("message") or "") or time.monotonic() > deadline:
                    break
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    events += [(0.0, json.loads(line)) for line in out.splitlines() if line.strip()]
    return proc.returncode, events, err


def test_a_ringez_bridge_call_needs_no_from_and_no_own_number(cli_env: dict[str, str], creds: dict[str, Any],
                                                               sandbox_url: str) -> None:
    login(cli_env, "ringez", creds)
    result = dialer(cli_env, "call", ANSWERED, "--provider", "ringez", "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "The phone registered with your Ringez account rings first" in result.stdout
    assert "does not report whether" in result.stdout  # the destination's outcome is not claimed
    log = httpx.get(f"{sandbox_url}/_sandbox/requests", timeout=5).json()["requests"]
    [initiate] = [r for r in log if r["path"] == "/api/v1/calls/initiate"]
    assert set(initiate["body"]) == {"to_number", "idempotency_key"}
    assert sandbox_calls(sandbox_url, "ringez")[0]["legs"][0]["number"] == creds["ringez"]["phone"]
    rows = json.loads(dialer(cli_env, "history", "--json").stdout)
    assert rows[0]["state"] == "unknown" and rows[0]["finished"]


def test_dtmf_in_a_ringez_bridge_call_waits_the_dtmf_delay(cli_env: dict[str, str], creds: dict[str, Any],
                                                           sandbox_url: str) -> None:
    login(cli_env, "ringez", creds)
    code, events, err = _run_until(cli_env, ["+14155550100", "--yes", "--dtmf", "22", "--dtmf-delay", "2"],
                                   stop_when="Sent 22")
    assert code == 130, err
    messages = [e.get("message") or "" for _t, e in events]
    offered = next(t for t, e in events if "send 22 once you hear it" in (e.get("message") or ""))
    sent = next(t for t, e in events if e.get("message") == "Sent 22")
    assert "Sending 22 in 2 s…" in messages
    assert sent - offered >= 1.5  # waited the --dtmf-delay after your phone answered, not sent on answer
    calls = sandbox_calls(sandbox_url, "ringez")
    assert calls[0]["mode"] == "bridge" and calls[0]["dtmf"] == ["22"]


def test_dtmf_in_a_direct_call_goes_when_answered(cli_env: dict[str, str], creds: dict[str, Any],
                                                  sandbox_url: str) -> None:
    login(cli_env, "ringez", creds)
    code, events, err = _run_until(cli_env, ["+14155550100", "--mode", "direct", "--yes", "--dtmf", "22"],
                                   stop_when="Sent 22")
    assert code == 130, err
    assert not any("once you hear it" in (e.get("message") or "") for _t, e in events)  # nothing waits for the user
    assert sandbox_calls(sandbox_url, "ringez")[0]["dtmf"] == ["22"]


def test_dtmf_delay_is_documented_in_help(cli_env: dict[str, str]) -> None:
    out = dialer(cli_env, "call", "--help").stdout
    assert "--dtmf-delay SECONDS" in out and "default 15" in out

def test_a_status_that_never_changes_exits_3_with_an_honest_history_row(cli_env: dict[str, str],
                                                                        creds: dict[str, Any],
                                                                        sandbox_url: str) -> None:
    login(cli_env, "ringcentral", creds)
    # The sandbox almost stops its clock: the call stays where it is, as a provider that stops reporting.
    httpx.post(f"{sandbox_url}/_sandbox/config", json={"speed": 0.0001}, timeout=5).raise_for_status()
    result = dialer(cli_env, "call", ANSWERED, "--provider", "ringcentral", "--from", OWN, "--yes",
                    "--ring-timeout", "1")
    assert result.returncode == 3, result.stdout + result.stderr
    assert "stopped following the call" in result.stderr and "Check your phone" in result.stderr
    rows = json.loads(dialer(cli_env, "history", "--json").stdout)
    assert len(rows) == 1 and rows[0]["finished"] and rows[0]["state"] == "unknown"
    assert "stopped following the call" in rows[0]["error"]
    assert len(sandbox_calls(sandbox_url, "ringcentral")) == 1  # placed once, never re-sent


def test_a_bad_ring_timeout_places_nothing(cli_env: dict[str, str], creds: dict[str, Any],
                                           sandbox_url: str) -> None:
    login(cli_env, "ringez", creds)
    result = dialer(cli_env, "call", ANSWERED, "--from", OWN, "--yes", "--ring-timeout", "0")
    assert result.returncode == 2 and "--ring-timeout" in result.stderr
    assert sandbox_calls(sandbox_url, "ringez") == []


@pytest.mark.parametrize(("number", "own", "named"), [
    ("+33 1 23 45 67 89", OWN, "+33 1 23 45 67 89"),   # France: 9 national digits
    ("+49 30 1234567", OWN, "+49 30 1234567"),         # Germany: 9
    (ANSWERED, "+33 6 12 34 56 78", "+33 6 12 34 56 78"),  # my own phone: 9 digits after +33
])
def test_calledin_refuses_a_number_without_ten_national_digits_before_any_request(
        cli_env: dict[str, str], creds: dict[str, Any], sandbox_url: str, number: str, own: str,
        named: str) -> None:
    login(cli_env, "calledin", creds)
    result = dialer(cli_env, "call", number, "--provider", "calledin", "--from", own, "--yes")
    assert result.returncode == 2, result.stdout + result.stderr
    assert named in result.stderr and "exactly 10 digits after the country code" in result.stderr
    sent = httpx.get(f"{sandbox_url}/_sandbox/requests", timeout=5).json()["requests"]
    assert [r for r in sent if r["provider"] == "calledin"] == []
    assert json.loads(dialer(cli_env, "history", "--json").stdout) == []  # nothing placed, nothing recorded


def test_calledin_takes_a_uk_mobile_with_ten_national_digits(cli_env: dict[str, str], creds: dict[str, Any],
                                                            sandbox_url: str) -> None:
    login(cli_env, "calledin", creds)
    result = dialer(cli_env, "call", "+44 7911 123456", "--provider", "calledin", "--from", OWN, "--yes",
                    "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    (call,) = sandbox_calls(sandbox_url, "calledin")
    assert call["to"] == "+447911123456"


@pytest.mark.parametrize(("method", "path"), [("simple", "/callback/outward_call"), ("extended", "/a/v2")])
def test_ringostat_method_is_chosen_at_login_shown_and_used(cli_env: dict[str, str], creds: dict[str, Any],
                                                            sandbox_url: str, method: str, path: str) -> None:
    c = creds["ringostat"]
    result = dialer(cli_env, "login", "ringostat", "--auth-key-stdin", "--project-id", c["project_id"],
                    "--extension", c["extension"], "--method", method, stdin=c["auth_key"] + "\n")
    assert result.returncode == 0, result.stderr
    listed = dialer(cli_env, "accounts")
    assert f"{method} method" in listed.stdout
    accounts = json.loads(dialer(cli_env, "accounts", "--json").stdout)
    assert accounts[0]["detail"].startswith(f"{method} method")
    # An own number (--from, as set for other providers) never switches the method.
    call = dialer(cli_env, "call", ANSWERED, "--provider", "ringostat", "--from", OWN, "--yes")
    assert call.returncode == 0, call.stdout + call.stderr
    sent = httpx.get(f"{sandbox_url}/_sandbox/requests", timeout=5).json()["requests"]
    assert [r["path"] for r in sent if r["provider"] == "ringostat"] == [path]
    if method == "simple":
        assert c["extension"] in call.stdout and "+1 415-555-9876" not in call.stdout  # what rings first


def test_ringostat_login_help_says_the_extension_is_a_project_number(cli_env: dict[str, str]) -> None:
    text = " ".join(dialer(cli_env, "login", "--help").stdout.split())
    assert "a phone number of your project connected as incoming (Virtual PBX > Connect phone numbers)" in text
    assert "not a SIP login" in text and "--method {simple,extended}" in text


def test_ringostat_extended_login_without_project_is_refused(cli_env: dict[str, str],
                                                             creds: dict[str, Any]) -> None:
    c = creds["ringostat"]
    result = dialer(cli_env, "login", "ringostat", "--auth-key-stdin", "--method", "extended",
                    stdin=c["auth_key"] + "\n")
    assert result.returncode != 0 and "project id" in result.stderr.lower()
    assert json.loads(dialer(cli_env, "accounts", "--json").stdout) == []
