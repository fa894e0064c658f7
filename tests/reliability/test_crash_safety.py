"""Killing the app (SIGKILL) at random moments while it places calls loses no record and corrupts nothing.

"The app" is ``dialer call NUMBER --yes --json``, a real process signed in once with ``dialer login``
(secrets in a file keyring under its DIALER_HOME), against the sandbox over loopback. After each kill the
database passes ``PRAGMA integrity_check``, every call the sandbox received has a history row, and after a
restart (``DialerService.open`` + ``reconcile_unfinished``) no row is left unfinished.
"""

from __future__ import annotations

import asyncio
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import keyring
import pytest

from dialer.service import DialerService
from tests.integration.service.file_keyring import FileKeyring

from . import _report
from ._cli import ROOT, cli_env, login
from .conftest import Box

OWN = "+14155559876"
PROVIDERS = ("ringez", "ringcentral")
AREAS = ("415", "212", "646", "718", "312", "617")
KILLS = 100 if _report.FULL else 10


def _rows(db_path: Path) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return list(conn.execute("SELECT * FROM history"))
    finally:
        conn.close()


def _lost(sandbox_calls: list[dict[str, Any]], rows: list[sqlite3.Row]) -> int:
    """Calls the provider received that no history row accounts for.

    A row is matched by the provider's call id; a row without one (killed between the request and its
    answer) accounts for one call to the same destination.
    """
    known = {r["provider_call_id"] for r in rows if r["provider_call_id"]}
    spare: dict[str, int] = {}
    for r in rows:
        if not r["provider_call_id"]:
            spare[r["destination"]] = spare.get(r["destination"], 0) + 1
    lost = 0
    for call in sandbox_calls:
        if call["id"] in known or call["id"].split("-", 1)[-1] in known:  # the sandbox lists "rc-<id>"
            continue
        if spare.get(call["to"], 0) > 0:
            spare[call["to"]] -= 1
            continue
        lost += 1
    return lost


async def _restart(home: Path) -> int:
    """Start the app again: reconcile, wait for what it resumes; returns the rows still unfinished."""
    service = await DialerService.open(home=home, time_scale=0.05)
    try:
        await service.calls.reconcile_unfinished()
        for active in service.calls.active():
            await service.calls.wait_finished(active.id, timeout=30)
        return len(service.history.store.unfinished())
    finally:
        await service.aclose()


@pytest.mark.timeout(1800)
def test_random_kills_lose_no_call(box: Box, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _report.ensure("Crash safety", "kills", "runs that ended before the kill", "calls left open by the kill",
                   "rows lost", "corrupt databases", "unfinished after restart")
    home = tmp_path / "app-home"
    home.mkdir()
    env = cli_env(box, home)
    # A hundred RingOuts in a few minutes is far past RingCentral's Heavy limit (10 a minute): lift it.
    box.http.post("/_sandbox/config", json={"rate_limits": {"heavy": 10000, "light": 10000,
                                                            "medium": 10000, "auth": 10000}}).raise_for_status()
    login(env, box, *PROVIDERS)
    monkeypatch.setenv("DIALER_HOME", str(home))
    keyring.set_keyring(FileKeyring())  # the in-process restart reads the same sign-ins
    rng = random.Random(20261124)
    db_path = home / "data" / "dialer.sqlite3"
    for attempt in range(KILLS):
        provider = PROVIDERS[attempt % len(PROVIDERS)]
        number = f"+1{rng.choice(AREAS)}5550006"  # answers; the far end hangs up after 30 simulated s
        process = subprocess.Popen(
            [sys.executable, "-m", "dialer", "call", number, "--provider", provider, "--from", OWN, "--yes",
             "--json"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, 1.6))  # a random moment: start-up, request, ringing, talking or done
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            _report.add("Crash safety", "kills")
        else:
            _report.add("Crash safety", "runs that ended before the kill")
        process.wait(timeout=30)

        try:
            rows = _rows(db_path) if db_path.exists() else []
        except AssertionError:
            _report.add("Crash safety", "corrupt databases")
            raise
        _report.add("Crash safety", "calls left open by the kill", sum(1 for r in rows if not r["finished"]))
        lost = _lost(box.calls(), rows)
        _report.add("Crash safety", "rows lost", lost)
        assert lost == 0, (f"kill {attempt + 1}: {lost} call(s) the provider received have no history row: "
                           f"{[(c['id'], c['to']) for c in box.calls()]} vs "
                           f"{[(r['provider_call_id'], r['destination'], r['state']) for r in rows]}")
        if db_path.exists():
            unfinished = asyncio.run(_restart(home))
            _report.add("Crash safety", "unfinished after restart", unfinished)
            assert unfinished == 0, f"kill {attempt + 1}: {unfinished} row(s) left unfinished after a restart"
