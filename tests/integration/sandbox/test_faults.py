"""Fault injection: each kind, one-shot and probabilistic, as a real client sees it."""

from __future__ import annotations

import time

import httpx
import pytest

API = "/api/v1"
DEMO = {"email": "demo@ringez.test", "password": "ringez-demo-password"}


def fault(client: httpx.Client, **spec: object) -> dict:
    r = client.post("/_sandbox/faults", json=spec)
    assert r.status_code == 201, r.text
    return r.json()["faults"][0]


def login(client: httpx.Client) -> dict[str, str]:
    return {"X-Session-ID": client.post(f"{API}/auth/login", json=DEMO).json()["session_id"]}


def place(client: httpx.Client, h: dict[str, str]) -> httpx.Response:
    return client.post(f"{API}/calls/initiate", headers=h, json={"to_number": "+12025550123", "mode": "direct"})


def n_calls(client: httpx.Client) -> int:
    return len(client.get("/_sandbox/calls").json()["calls"])


def test_error_fault_is_one_shot(client: httpx.Client) -> None:
    h = login(client)
    fault(client, kind="error", provider="ringez", path="/api/v1/calls/initiate", method="POST", status=503,
          body={"error": "down", "code": "maintenance"})
    r = place(client, h)
    assert r.status_code == 503 and r.json()["code"] == "maintenance"
    assert n_calls(client) == 0
    assert place(client, h).status_code == 200
    log = client.get("/_sandbox/requests").json()["requests"]
    assert [e["fault"] for e in log if e["path"].endswith("initiate")] == ["error", None]


def test_rate_limit_burst(client: httpx.Client) -> None:
    h = login(client)
    fault(client, kind="rate_limit", provider="ringez", path="/api/v1/calls/*", times=2, retry_after=7)
    first, second = place(client, h), place(client, h)
    assert first.status_code == second.status_code == 429 and first.headers["Retry-After"] == "7"
    assert place(client, h).status_code == 200


def test_rate_limit_burst_on_ringcentral_uses_its_error_shape(client: httpx.Client) -> None:
    fault(client, kind="rate_limit", provider="ringcentral", path="/restapi/oauth/token")
    r = client.post("/restapi/oauth/token", data={"grant_type": "password"})
    assert r.status_code == 429 and r.json()["errorCode"] == "CMN-301" and r.headers["Retry-After"]


def test_drop_before_has_no_effect(client: httpx.Client) -> None:
    h = login(client)
    fault(client, kind="drop_before", path="/api/v1/calls/initiate")
    with pytest.raises(httpx.RemoteProtocolError):
        place(client, h)
    assert n_calls(client) == 0


def test_drop_after_loses_the_response_but_places_the_call(client: httpx.Client) -> None:
    h = login(client)
    fault(client, kind="drop_after", provider="ringez", path="/api/v1/calls/initiate")
    with pytest.raises(httpx.RemoteProtocolError):
        client.post(f"{API}/calls/initiate", headers=h, json={"to_number": "+12025550123", "mode": "direct",
                                                              "idempotency_key": "k-lost"})
    assert n_calls(client) == 1
    retry = client.post(f"{API}/calls/initiate", headers=h, json={"to_number": "+12025550123", "mode": "direct",
                                                                  "idempotency_key": "k-lost"})
    assert retry.json()["alreadyInitiated"] is True and n_calls(client) == 1


def test_malformed_and_truncated_json(client: httpx.Client) -> None:
    h = login(client)
    fault(client, kind="malformed_json", path="/api/v1/auth/me")
    r = client.get(f"{API}/auth/me", headers=h)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    with pytest.raises(ValueError):
        r.json()
    fault(client, kind="truncated_json", path="/api/v1/auth/me")
    r = client.get(f"{API}/auth/me", headers=h)
    assert r.status_code == 200 and r.text.startswith('{"balance_minutes"')
    with pytest.raises(ValueError):
        r.json()
    assert client.get(f"{API}/auth/me", headers=h).json()["balance_minutes"] == 60


def test_latency_and_slow_body(client: httpx.Client) -> None:
    h = login(client)
    fault(client, kind="latency", path="/api/v1/auth/me", latency_ms=300)
    start = time.monotonic()
    assert client.get(f"{API}/auth/me", headers=h).status_code == 200
    assert time.monotonic() - start >= 0.3
    fault(client, kind="slow_body", path="/api/v1/auth/me", chunk_size=10, chunk_delay_ms=40)
    with httpx.Client(base_url=str(client.base_url), timeout=httpx.Timeout(5, read=0.02)) as impatient, \
            pytest.raises(httpx.ReadTimeout):
        impatient.get(f"{API}/auth/me", headers=h)
    fault(client, kind="slow_body", path="/api/v1/auth/me", chunk_size=10, chunk_delay_ms=20)
    assert client.get(f"{API}/auth/me", headers=h).json()["email"] == DEMO["email"]  # slow but whole


def test_probabilistic_faults_are_repeatable_with_a_seed(client: httpx.Client) -> None:
    def run() -> list[int]:
        client.delete("/_sandbox/faults")
        fault(client, kind="error", provider="ringez", path="/api/v1/auth/check-email", status=500,
              probability=0.5, seed=42)
        return [client.post(f"{API}/auth/check-email", json={"email": "a@b.cd"}).status_code for _ in range(12)]
    first = run()
    assert first == run() and 500 in first and 200 in first


def test_faults_match_provider_path_and_method(client: httpx.Client) -> None:
    h = login(client)
    fault(client, kind="error", provider="ringcentral", path="/api/v1/*", status=500)  # wrong provider
    fault(client, kind="error", provider="ringez", path="/api/v1/auth/me", method="POST", status=500)
    assert client.get(f"{API}/auth/me", headers=h).status_code == 200
    assert len(client.get("/_sandbox/faults").json()["faults"]) == 2
    assert client.delete("/_sandbox/faults").json() == {"faults": []}
    assert client.post("/_sandbox/faults", json={"kind": "explode"}).status_code == 400
