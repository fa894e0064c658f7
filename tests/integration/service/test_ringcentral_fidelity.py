"""RingCentral RingOut as its document says, through the call and account services and the real sandbox:
no "completed" without evidence, DELETE that does not end a ringing call, the exact redirect URI, a client
secret typed for the browser sign-in, rate-limit budgets per group, token errors on polls and on the
RingOut POST."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import httpx
import pytest

from dialer.core.calls import LegRole, LegState, Origin
from dialer.providers.base import RejectedByProvider, SignInRequired
from dialer.service import ActiveCall, DialError, DialerService

from .conftest import Box, open_service, run

NORMAL = "+14155550100"
RO = "/restapi/v1.0/account/~/extension/~/ring-out"


async def _signed_in(sandbox_url: str) -> tuple[DialerService, int]:
    service = await open_service(sandbox_url)
    views = await service.accounts.sign_in_demo(sandbox_url)
    return service, next(v for v in views if v.provider_id == "ringcentral").id


async def _call(service: DialerService, account_id: int, number: str) -> ActiveCall:
    plan = service.calls.prepare(number, origin=Origin.WINDOW, account_id=account_id)
    return await service.calls.place(plan, confirmed=True)


async def _until(check: Any, what: str) -> None:
    """Wait (on the event loop) until ``check()``; the caller's ``run`` timeout bounds it."""
    while not check():
        await asyncio.sleep(0.02)


def _requests(url: str) -> list[dict[str, Any]]:
    log: list[dict[str, Any]] = httpx.get(f"{url}/_sandbox/requests", timeout=5).json()["requests"]
    return log


def _config(url: str, **settings: Any) -> None:
    httpx.post(f"{url}/_sandbox/config", json=settings, timeout=5).raise_for_status()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# ------------------------------------------------------------------------------------------- item 3


@pytest.mark.parametrize("suffix", ["0008", "0004", "0007"])  # CannotReach with callee Success, CannotReach,
def test_a_failing_call_status_is_a_failed_call_whatever_the_callee_says(sandbox_url: str, box: Box,
                                                                         suffix: str) -> None:
    """NoAnsweringMachine: the RingOut document's failure words (sandbox scenarios 0008, 0004, 0007)."""
    async def body() -> tuple[ActiveCall, Any]:
        service, account_id = await _signed_in(sandbox_url)
        try:
            active = await _call(service, account_id, f"+1415555{suffix}")
            await service.calls.wait_finished(active.id, timeout=20)
            return active, service.history.get(active.id)
        finally:
            await service.aclose()

    active, row = run(body)
    assert active.call.outcome is LegState.FAILED and active.outcome == "failed"
    assert row.state == "failed" and row.legs["destination"] == "failed"
    last = [r for r in _requests(sandbox_url) if r["method"] == "GET" and "/ring-out/" in r["path"]][-1]
    assert last["status"] == 200
    call = box.calls("ringcentral")[0]
    assert call["ended"]
    if suffix == "0008":  # the destination did answer (and RingCentral's calleeStatus said Success)
        assert call["legs"][1]["state"] == "completed"


def _session_gone(box: Box, *, status: int = 404) -> None:
    body = {"errorCode": "CMN-102", "message": "Resource for parameter [ringoutId] is not found",
            "errors": [{"errorCode": "CMN-102", "message": "Resource for parameter [ringoutId] is not found",
                        "parameterName": "ringoutId"}], "parameterName": "ringoutId"}
    box.fault(kind="error", provider="ringcentral", path=f"{RO}/*", method="GET", status=status, body=body,
              times=None)


def test_a_session_gone_before_the_destination_answered_is_unknown(sandbox_url: str, box: Box) -> None:
    """Was: 404 / CMN-102 on a poll finished the call as "completed"."""
    _session_gone(box)

    async def body() -> tuple[ActiveCall, Any]:
        service, account_id = await _signed_in(sandbox_url)
        try:
            active = await _call(service, account_id, NORMAL)
            await service.calls.wait_finished(active.id, timeout=20)
            return active, service.history.get(active.id)
        finally:
            await service.aclose()

    active, row = run(body)
    assert active.outcome == "unknown" and active.call.outcome is LegState.UNKNOWN
    assert active.error is not None and "not known" in active.error and "call log" in active.error
    assert row.finished and row.state == "unknown" and row.error == active.error


def test_a_session_gone_after_the_destination_answered_is_completed(sandbox_url: str, box: Box) -> None:
    async def body() -> tuple[ActiveCall, Any]:
        service, account_id = await _signed_in(sandbox_url)
        try:
            active = await _call(service, account_id, NORMAL)
            await _until(lambda: active.answered_at is not None, "answered")
            _session_gone(box)
            await service.calls.wait_finished(active.id, timeout=20)
            return active, service.history.get(active.id)
        finally:
            await service.aclose()

    active, row = run(body)
    assert active.call.outcome is LegState.COMPLETED and active.error is None
    assert row.state == "completed" and row.legs == {"self": "completed", "destination": "completed"}


def test_no_session_found_in_the_status_is_unknown(sandbox_url: str, box: Box) -> None:
    gone = {"callStatus": "NoSessionFound", "callerStatus": "NoSessionFound", "calleeStatus": "NoSessionFound"}
    box.fault(kind="error", provider="ringcentral", path=f"{RO}/*", method="GET", status=200, times=None,
              body={"id": "1", "uri": "x", "status": gone})

    async def body() -> ActiveCall:
        service, account_id = await _signed_in(sandbox_url)
        try:
            active = await _call(service, account_id, NORMAL)
            await service.calls.wait_finished(active.id, timeout=20)
            return active
        finally:
            await service.aclose()

    active = run(body)
    assert active.outcome == "unknown" and "NoSessionFound" in (active.error or "")


# ------------------------------------------------------------------------------------------- item 4


def test_hang_up_while_the_first_leg_rings_tells_the_user_to_decline_on_the_phone(sandbox_url: str,
                                                                                   box: Box) -> None:
    _config(sandbox_url, speed=0.5)  # the user's phone starts ringing after 1 s and rings 6 s

    async def body() -> tuple[ActiveCall, str]:
        service, account_id = await _signed_in(sandbox_url)
        try:
            active = await _call(service, account_id, NORMAL)
            # RingCentral says InProgress for a first leg queued or ringing: wait until the phone really rings
            await _until(lambda: box.calls("ringcentral")[0]["legs"][0]["state"] == "ringing", "ringing")
            assert active.leg_state(LegRole.SELF) is LegState.RINGING
            with pytest.raises(DialError) as caught:
                await service.calls.hang_up(active.id)
            assert not active.finished and service.calls.poller.is_tracking(active.id)  # still followed
            return active, str(caught.value)
        finally:
            await service.aclose()

    _active, message = run(body)
    assert "Decline the call on your phone" in message or "hang up on your phone" in message
    call = box.calls("ringcentral")[0]
    assert not call["ended"]  # RingCentral's DELETE did not end it, and the app did not pretend it did
    deletes = [r["status"] for r in _requests(sandbox_url) if r["method"] == "DELETE"]
    assert deletes == [204]


def test_hang_up_before_the_first_leg_cancels_and_finishes(sandbox_url: str, box: Box) -> None:
    _config(sandbox_url, speed=0.05)  # 10 s before the user's phone starts ringing

    async def body() -> ActiveCall:
        service, account_id = await _signed_in(sandbox_url)
        try:
            active = await _call(service, account_id, NORMAL)
            await service.calls.hang_up(active.id)
            await service.calls.wait_finished(active.id, timeout=20)
            return active
        finally:
            await service.aclose()

    active = run(body)
    assert active.finished and active.answered_at is None and active.call.outcome is not LegState.COMPLETED
    assert box.calls("ringcentral")[0]["state"] == "canceled"


# ------------------------------------------------------------------------------------------- item 5


class _Browser:
    """The user's browser: follows RingCentral's redirect back to the app and approves."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.tasks: list[asyncio.Task[None]] = []

    def __call__(self, url: str) -> None:
        self.urls.append(url)
        self.tasks.append(asyncio.get_running_loop().create_task(self._visit(url)))

    @staticmethod
    async def _visit(url: str) -> None:
        async with httpx.AsyncClient(follow_redirects=True, timeout=10) as agent:
            await agent.get(url + "&approve=1")


def test_an_unregistered_redirect_uri_is_refused_with_oau_109_before_the_browser_opens(sandbox_url: str) -> None:
    creds = httpx.get(f"{sandbox_url}/_sandbox/credentials", timeout=5).json()["ringcentral"]
    browser = _Browser()
    wrong = f"http://127.0.0.1:{_free_port()}/callback"

    async def body() -> str:
        service = await open_service(sandbox_url)
        try:
            with pytest.raises(SignInRequired) as caught:
                await service.accounts.sign_in_browser(
                    "ringcentral", {"client_id": creds["client_id"], "redirect_uri": wrong}, browser)
            assert service.accounts.list() == []
            return str(caught.value)
        finally:
            await service.aclose()

    message = run(body)
    assert "OAU-109" in message and "Redirect URIs do not match" in message and wrong in message
    assert browser.urls == []


def test_browser_sign_in_on_a_registered_redirect_uri_keeps_the_typed_client_secret(sandbox_url: str) -> None:
    creds = httpx.get(f"{sandbox_url}/_sandbox/credentials", timeout=5).json()["ringcentral"]
    redirect = f"http://127.0.0.1:{_free_port()}/rc/back"
    _config(sandbox_url, rc_redirect_uris=[redirect])
    browser = _Browser()

    async def body() -> tuple[str | None, ActiveCall]:
        service = await open_service(sandbox_url)
        try:
            view = await service.accounts.sign_in_browser(
                "ringcentral", {"client_id": creds["client_id"], "client_secret": creds["client_secret"],
                                "redirect_uri": redirect}, browser)
            client = service.accounts.client(view.id)
            stored = client._secret("client_secret")  # type: ignore[attr-defined]
            active = await _call(service, view.id, "+14155550001")
            await service.calls.wait_finished(active.id, timeout=20)
            return stored, active
        finally:
            await service.aclose()

    stored, active = run(body)
    assert stored == creds["client_secret"]  # kept in the keyring, not in the settings
    assert active.call.outcome is LegState.BUSY
    assert f"redirect_uri={httpx.URL(redirect)}".replace(":", "%3A").replace("/", "%2F") in browser.urls[0]
    exchange = next(r for r in _requests(sandbox_url) if r["path"] == "/restapi/oauth/token")
    assert "authorization" in exchange["headers"]  # the secret went with the code exchange (HTTP Basic)
    assert "grant_type=authorization_code" in exchange["body"] and "redirect_uri=" in exchange["body"]


# ---------------------------------------------------------------------------------------- items 6, 11


def test_sign_in_and_call_creation_never_slow_the_polls(sandbox_url: str) -> None:
    """Was: the last rate-limit headers of any group set the poll pace, so after the sign-in (Auth) and
    the RingOut POST (Heavy) with one request left each, polls waited 60 s. Polls spend Light only."""
    _config(sandbox_url, rate_limits={"auth": 2, "heavy": 2})

    async def body() -> tuple[float, ActiveCall]:
        service, account_id = await _signed_in(sandbox_url)
        try:
            active = await _call(service, account_id, "+14155550001")
            provider = service.accounts.client(account_id)
            pace: float = provider.min_poll_interval()  # type: ignore[attr-defined]
            await service.calls.wait_finished(active.id, timeout=20)
            return pace, active
        finally:
            await service.aclose()

    pace, active = run(body)
    assert pace == 2.0 and active.call.outcome is LegState.BUSY


def test_light_budget_running_low_stretches_the_polls(sandbox_url: str) -> None:
    _config(sandbox_url, rate_limits={"light": 12})

    async def body() -> float:
        service, account_id = await _signed_in(sandbox_url)
        try:
            active = await _call(service, account_id, NORMAL)
            provider = service.accounts.client(account_id)
            await _until(lambda: provider.min_poll_interval() > 2.0, "slower polls")  # type: ignore[attr-defined]
            pace: float = provider.min_poll_interval()  # type: ignore[attr-defined]
            assert active.provider_call_id is not None
            return pace
        finally:
            await service.aclose()

    assert run(body) > 2.0


@pytest.mark.parametrize("code", ["OAU-123", "OAU-134"])
def test_a_token_error_on_a_poll_refreshes_once_and_polls_again(sandbox_url: str, box: Box, code: str) -> None:
    async def body() -> ActiveCall:
        service, account_id = await _signed_in(sandbox_url)
        try:
            box.fault(kind="error", provider="ringcentral", path=f"{RO}/*", method="GET", status=401, times=1,
                      body={"errorCode": code, "message": "Invalid Authorization header",
                            "errors": [{"errorCode": code, "message": "Invalid Authorization header"}]})
            active = await _call(service, account_id, "+14155550001")
            await service.calls.wait_finished(active.id, timeout=20)
            return active
        finally:
            await service.aclose()

    active = run(body)
    assert active.call.outcome is LegState.BUSY and active.error is None
    log = _requests(sandbox_url)
    refreshes = [r for r in log if r["path"] == "/restapi/oauth/token" and "refresh_token" in r["body"]]
    assert len(refreshes) == 1
    polls = [r["status"] for r in log if r["method"] == "GET" and "/ring-out/" in r["path"]]
    assert polls[0] == 401 and polls[1] == 200


@pytest.mark.parametrize("code", ["OAU-123", "OAU-134", "OAU-128"])
def test_a_token_error_on_the_ringout_post_is_never_resent(sandbox_url: str, box: Box, code: str) -> None:
    async def body() -> tuple[str, Any, ActiveCall]:
        service, account_id = await _signed_in(sandbox_url)
        try:
            box.fault(kind="error", provider="ringcentral", path=RO, method="POST", status=401, times=1,
                      body={"errorCode": code, "message": "token", "errors": [{"errorCode": code,
                                                                               "message": "token"}]})
            with pytest.raises(RejectedByProvider) as caught:
                await _call(service, account_id, NORMAL)
            row = service.history.page(0, 1)[0]
            again = await _call(service, account_id, "+14155550001")  # the user places it again
            await service.calls.wait_finished(again.id, timeout=20)
            return str(caught.value), row, again
        finally:
            await service.aclose()

    message, row, again = run(body)
    assert "nothing was placed" in message and "place the call again" in message
    assert row.state == "failed" and row.finished
    posts = [r["status"] for r in _requests(sandbox_url) if r["method"] == "POST" and r["path"] == RO]
    assert posts == [401, 200]  # one POST per user action
    assert len(box.calls("ringcentral")) == 1 and again.call.outcome is LegState.BUSY


def test_after_a_restart_a_ringout_the_provider_forgot_is_closed_as_unknown(sandbox_url: str, box: Box,
                                                                             tmp_path: Any) -> None:
    async def first_run() -> int:
        service = await open_service(sandbox_url, tmp_path)
        await service.accounts.sign_in_demo(sandbox_url)
        account_id = next(v.id for v in service.accounts.list() if v.provider_id == "ringcentral")
        box.fault(kind="drop_before", provider="ringcentral", path=f"{RO}/*", method="GET", times=None)
        active = await _call(service, account_id, NORMAL)  # the polls never get through: nothing is known
        await service.aclose()  # the app "crashes": nothing finishes the row
        return active.id

    row_id = run(first_run)
    httpx.delete(f"{sandbox_url}/_sandbox/faults", timeout=5).raise_for_status()
    _session_gone(box)

    async def second_run() -> Any:
        service = await open_service(sandbox_url, tmp_path)
        try:
            assert await service.calls.reconcile_unfinished() == 1
            return service.history.get(row_id)
        finally:
            await service.aclose()

    row = run(second_run)
    assert row.finished and row.state == "unknown"  # was: "completed" from a 404
    assert "not known" in row.error
