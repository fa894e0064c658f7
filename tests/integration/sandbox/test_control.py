"""The /_sandbox control routes, the request log's masking, start-up and the CLI."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx

from dialer.sandbox import start_in_thread

from .helpers import wait_for


def test_scenarios_are_listed(client: httpx.Client) -> None:
    scenarios = client.get("/_sandbox/scenarios").json()["scenarios"]
    text = str(scenarios)
    for suffix in ("0001", "0002", "0003", "0004", "0005", "0006"):
        assert suffix in text


def test_calls_view_shape(client: httpx.Client) -> None:
    h = {"X-Session-ID": client.post("/api/v1/auth/login", json={"email": "demo@ringez.test",
                                                                 "password": "ringez-demo-password"}).json()["session_id"]}
    client.post("/api/v1/calls/initiate", headers=h, json={"to_number": "+12025550006"})
    call = client.get("/_sandbox/calls").json()["calls"][0]
    assert {"id", "provider", "mode", "from", "to", "state", "legs", "created_at"} <= set(call)
    assert call["provider"] == "ringez" and call["mode"] == "bridge"
    assert call["created_at"].endswith("Z")
    # 0006: answers, then the far end hangs up after 30 s
    wait_for(lambda: client.get("/_sandbox/calls").json()["calls"][0]["state"] == "completed")
    done = client.get("/_sandbox/calls").json()["calls"][0]
    assert done["end_cause"] == "remote-hangup" and 29 <= done["talk_seconds"] <= 31


def test_request_log_masks_secrets(client: httpx.Client) -> None:
    login = client.post("/api/v1/auth/login", json={"email": "demo@ringez.test", "password": "ringez-demo-password"})
    client.get("/api/v1/auth/me", headers={"X-Session-ID": login.json()["session_id"]})
    client.post("/restapi/oauth/token", data={"grant_type": "password", "password": "pw-secret"},
                headers={"Authorization": "Basic c2VjcmV0OnNlY3JldA=="})
    client.post("/callback/outward_call", data={"extension": "1"}, headers={"Auth-key": "ak-secret"})
    log = client.get("/_sandbox/requests").json()["requests"]
    text = str(log)
    for secret in ("ringez-demo-password", login.json()["session_id"], "pw-secret", "c2VjcmV0OnNlY3JldA==",
                   "ak-secret"):
        assert secret not in text
    assert [e["method"] for e in log] == ["POST", "GET", "POST", "POST"]
    assert log[1]["headers"]["x-session-id"] == "***" and log[0]["body"]["email"] == "demo@ringez.test"
    assert all("/_sandbox" not in e["path"] for e in log)


def test_reset_clears_everything(client: httpx.Client) -> None:
    client.post("/api/v1/auth/send-otp", json={"email": "x@y.zz"})
    client.post("/_sandbox/faults", json={"kind": "latency", "path": "*"})
    client.post("/_sandbox/reset")
    assert client.get("/_sandbox/outbox").json() == {"messages": []}
    assert client.get("/_sandbox/faults").json() == {"faults": []}
    assert client.get("/_sandbox/requests").json() == {"requests": []}


def test_start_in_thread_is_fast_and_stops() -> None:
    start = time.monotonic()
    with start_in_thread(speed=10) as server:
        elapsed = time.monotonic() - start
        assert server.url.startswith("http://127.0.0.1:")
        assert httpx.get(f"{server.url}/_sandbox/scenarios").status_code == 200
    assert elapsed < 2.0  # typically ~0.1 s; generous for a loaded CI machine
    try:
        httpx.get(f"{server.url}/_sandbox/scenarios", timeout=1)
        raise AssertionError("the server still answers after stop()")
    except httpx.TransportError:
        pass


def test_cli_refuses_public_host_without_flag() -> None:
    r = subprocess.run([sys.executable, "-m", "dialer", "sandbox", "--host", "0.0.0.0"], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 2 and "--public" in r.stderr


def test_cli_prints_its_url() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "dialer", "sandbox", "--port", "0", "--speed", "5"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("Sandbox listening on http://127.0.0.1:")
        url = line.rsplit(" ", 1)[1]
        assert httpx.get(f"{url}/_sandbox/credentials", timeout=5).json()["calledin"]["api_key"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
