"""The Called.in callback path: the loopback listener and matching a callback to its call by secret."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from dialer.core.calls import LegRole, LegState
from dialer.providers.base import CallStatus, HangupSupport, LegReporting, StartCall
from dialer.service.callbacks import CALLBACK_PATH, CallbackListener
from dialer.service.calls import CallService
from dialer.store.accounts import AccountStore
from dialer.store.db import Database
from dialer.store.history import HistoryStore

from .fakes import FakeProvider, FakeSource, caps, plan


@dataclass
class CalledInLike(FakeProvider):
    """Places calls that only a callback can finish, each with its own secret."""

    secrets_by_call: dict[str, str] = field(default_factory=dict)

    async def start_call(self, request: StartCall) -> CallStatus:
        status = await super().start_call(request)
        self.secrets_by_call[status.call_id] = f"s{len(self.secrets_by_call)}"
        return status

    def expected_secret(self, call_id: str) -> str | None:
        return self.secrets_by_call.get(call_id)


@pytest.fixture
def history(tmp_path: Path) -> Iterator[HistoryStore]:
    db = Database.open(tmp_path / "h.sqlite3")
    AccountStore(db).add("calledin", "fake")
    yield HistoryStore(db)
    db.close()


def test_the_listener_serves_only_its_path_on_loopback() -> None:
    received: list[Mapping[str, str]] = []

    async def body() -> tuple[int, int, str]:
        listener = CallbackListener(lambda q: received.append(q) is None)
        url = await listener.start()
        try:
            assert url.startswith("http://127.0.0.1:") and url.endswith(CALLBACK_PATH)
            async with httpx.AsyncClient() as http:
                ok = await http.get(url, params={"secret": "abc", "answered": "1", "minutes": "2"})
                missing = await http.get(url.replace(CALLBACK_PATH, "/other"))
            return ok.status_code, missing.status_code, ok.text
        finally:
            await listener.aclose()

    ok, missing, text = asyncio.run(body())
    assert (ok, missing, text.strip()) == (200, 404, "ok")
    assert received == [{"secret": "abc", "answered": "1", "minutes": "2"}]


def test_a_callback_finishes_only_the_call_whose_secret_it_carries(history: HistoryStore) -> None:
    provider = CalledInLike(capabilities=caps("calledin", leg_status=LegReporting.CALLBACK_ONLY,
                                              hangup=HangupSupport.NEVER, dtmf=False))
    svc = CallService(history=history, providers=FakeSource(provider), callbacks_enabled=lambda: True)

    async def body() -> tuple[bool, bool, bool, bool]:
        first = await svc.place(plan(provider), confirmed=True)
        second = await svc.place(plan(provider), confirmed=True)
        forged = svc.handle_calledin_callback({"secret": "nope", "answered": "1", "minutes": "3"})
        busy = svc.handle_calledin_callback({"secret": "s1", "answered": "0", "reason": "5"})
        answered = svc.handle_calledin_callback({"secret": "s0", "answered": "1", "minutes": "3"})
        again = svc.handle_calledin_callback({"secret": "s0", "answered": "1", "minutes": "3"})
        assert first.finished and second.finished
        assert first.call.outcome is LegState.COMPLETED and first.duration_s == 180
        assert second.call.outcome is LegState.BUSY
        assert second.leg_state(LegRole.DESTINATION) is LegState.BUSY
        await svc.aclose()
        return forged, busy, answered, again

    assert asyncio.run(body()) == (False, True, True, False)
    rows = {r.id: r for r in history.page(0, 10)}
    assert sorted(r.state for r in rows.values()) == ["busy", "completed"]
    assert all(r.finished for r in rows.values())
