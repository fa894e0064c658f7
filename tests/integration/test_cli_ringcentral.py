"""`dialer login ringcentral --redirect-uri` and hanging up a RingOut from `dialer call`: real processes
against the sandbox over loopback (fixtures and helpers from test_cli_call.py).

The browser is a small script named by the BROWSER variable (Python's webbrowser honours it): it opens
the address the app prints, approves, and follows RingCentral's redirect back to the app.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tests.integration import test_cli_call as cli

cli_env = cli.cli_env  # fixtures shared with test_cli_call.py
creds = cli.creds
dialer = cli.dialer

BROWSER_SCRIPT = """\
import sys, httpx
page = httpx.get(sys.argv[1] + "&approve=1", follow_redirects=True, timeout=10)
print(page.status_code, page.url, file=sys.stderr)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _browser_env(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    script = tmp_path / "fake_browser.py"
    script.write_text(BROWSER_SCRIPT)
    return {**env, "BROWSER": f"{sys.executable} {script} %s"}


def test_login_with_the_registered_redirect_uri_in_the_browser(cli_env: dict[str, str], creds: dict[str, Any],
                                                               sandbox_url: str, tmp_path: Path) -> None:
    redirect = f"http://127.0.0.1:{_free_port()}/callback"
    httpx.post(f"{sandbox_url}/_sandbox/config", json={"rc_redirect_uris": [redirect]}, timeout=5)
    c = creds["ringcentral"]
    result = dialer(_browser_env(cli_env, tmp_path), "login", "ringcentral", "--client-id", c["client_id"],
                    "--redirect-uri", redirect, "--client-secret-stdin", stdin=c["client_secret"] + "\n")
    assert result.returncode == 0, result.stderr
    assert "Signed in to RingCentral" in result.stdout
    assert "redirect_uri=" + redirect.replace(":", "%3A").replace("/", "%2F") in result.stderr  # the printed URL
    keyring_file = Path(cli_env["DIALER_HOME"]) / "test-keyring.json"
    assert c["client_secret"] in keyring_file.read_text()  # the secret is kept (keyring), for refreshes
    elsewhere = [p for p in Path(cli_env["DIALER_HOME"]).rglob("*")
                 if p.is_file() and p != keyring_file and c["client_secret"].encode() in p.read_bytes()]
    assert elsewhere == []  # never in the database, the settings or the logs


def test_login_with_an_unregistered_redirect_uri_shows_oau_109(cli_env: dict[str, str], creds: dict[str, Any],
                                                               tmp_path: Path) -> None:
    wrong = f"http://127.0.0.1:{_free_port()}/callback"
    result = dialer(_browser_env(cli_env, tmp_path), "login", "ringcentral", "--client-id",
                    creds["ringcentral"]["client_id"], "--redirect-uri", wrong)
    assert result.returncode == 1
    assert "Signed in" not in result.stdout
    assert "OAU-109" in result.stderr and "Redirect URIs do not match" in result.stderr
    assert wrong in result.stderr and "--redirect-uri" in result.stderr
    assert "Sign in to RingCentral in your browser" not in result.stderr  # no browser was sent to an error


def test_login_redirect_uri_must_be_a_loopback_address(cli_env: dict[str, str], creds: dict[str, Any]) -> None:
    result = dialer(cli_env, "login", "ringcentral", "--client-id", creds["ringcentral"]["client_id"],
                    "--redirect-uri", "https://example.com/callback")
    assert result.returncode == 1
    assert "cannot be used" in result.stderr and "127.0.0.1" in result.stderr


def test_ctrl_c_while_your_phone_rings_says_to_decline_it(cli_env: dict[str, str], creds: dict[str, Any],
                                                         sandbox_url: str) -> None:
    """RingCentral's DELETE does not end a RingOut once the first leg rings: the app checks and says so."""
    cli.login(cli_env, "ringcentral", creds)
    httpx.post(f"{sandbox_url}/_sandbox/config", json={"speed": 0.5}, timeout=5).raise_for_status()
    proc = subprocess.Popen([sys.executable, "-m", "dialer", "call", "+14155550100", "--provider", "ringcentral",
                             "--from", cli.OWN, "--yes", "--json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=cli_env, cwd=cli.ROOT)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # wait until the user's phone really rings
            calls = cli.sandbox_calls(sandbox_url, "ringcentral")
            if calls and calls[0]["legs"][0]["state"] == "ringing":
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "Hanging up" in err
    assert "on your phone" in err and ("Decline the call" in err or "hang up on your phone" in err), err
    calls = cli.sandbox_calls(sandbox_url, "ringcentral")
    assert len(calls) == 1 and not calls[0]["ended"]  # the call goes on: the user was told, not misled
    assert '"outcome": "completed"' not in out and not any(
        json.loads(line).get("outcome") == "canceled" for line in out.splitlines() if line.strip())
