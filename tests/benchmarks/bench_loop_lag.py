"""Event-loop lag while 50 calls are followed at once by the real service, against the same loop idle.

A child process runs what the app runs: offscreen Qt, the qasync loop, the real :class:`DialerService`
(demo accounts, real provider clients, the shared poller, the history writer) against the sandbox, which
runs in yet another process so its work does not share the measured interpreter. A heartbeat task sleeps
5 ms at a time and records how late each wake-up is. Two phases of the same length (20 s; ``--quick``:
3 s), in the same run: the heartbeat alone with the service open (baseline), then with 50 calls placed
at once and followed while they stay connected (40 on Ringez, 10 on RingCentral, both polled; RingCentral's
RingOut limit allows 10 a minute).

* ``loop_lag_p99_ms``: the 99th percentile wake-up lateness with 50 calls (target <= 20)
* ``loop_lag_max_ms``, ``loop_lag_median_ms``; ``idle_loop_lag_p99_ms`` for the baseline
* ``calls_live``: how many of the 50 were still live at the end (all, when nothing failed);
  ``calls_failed``: calls the service could not place
* ``status_polls``: status requests the sandbox received during the phase
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.benchmarks._timing import percentile

CALLS = 50
RINGCENTRAL_CALLS = 10
STAYS_CONNECTED = "+1415555{:04d}"  # suffix 0100+: the far end answers and stays until hung up
OWN = "+14155559876"
HEARTBEAT_S = 0.005

_SANDBOX = """
import sys
from dialer.sandbox.server import start_in_thread
server = start_in_thread()
print(server.url, flush=True)
sys.stdin.read()
server.stop()
"""


def run(quick: bool) -> dict[str, float]:
    phase_s = 3.0 if quick else 20.0
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_API": "pyside6"}
    sandbox = subprocess.Popen([sys.executable, "-c", _SANDBOX], env=env, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True, cwd=root)
    try:
        assert sandbox.stdout is not None
        url = sandbox.stdout.readline().strip()
        if not url.startswith("http"):
            raise RuntimeError("the sandbox did not start")
        with tempfile.TemporaryDirectory(prefix="dh-lag-") as tmp:
            out = subprocess.run([sys.executable, "-m", "tests.benchmarks.bench_loop_lag", "--measure", url,
                                  str(phase_s)], env={**env, "DIALER_HOME": tmp}, capture_output=True,
                                 text=True, timeout=600, check=False, cwd=root)
    finally:
        if sandbox.stdin is not None:
            sandbox.stdin.close()
        try:
            sandbox.wait(15)
        except subprocess.TimeoutExpired:
            sandbox.kill()
            sandbox.wait(10)
    if out.returncode != 0:
        raise RuntimeError(f"loop lag measurement failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    busy, idle = result["busy"], result["idle"]
    figures = {
        "loop_lag_p99_ms": round(percentile(busy, 99), 2),
        "loop_lag_median_ms": round(statistics.median(busy), 2),
        "loop_lag_max_ms": round(max(busy), 2),
        "idle_loop_lag_p99_ms": round(percentile(idle, 99), 2),
        "calls_live": float(result["calls_live"]),
        "calls_failed": float(result["calls_failed"]),
        "status_polls": float(result["status_polls"]),
        "phase_s": phase_s,
    }
    print(f"loop_lag_p99_ms={figures['loop_lag_p99_ms']} with {CALLS} calls "
          f"(idle {figures['idle_loop_lag_p99_ms']}; {result['calls_live']} live)", file=sys.stderr)
    return figures


# ----------------------------------------------------------------------------------------- child side


def _measure(url: str, phase_s: float) -> dict[str, Any]:
    import asyncio
    import time

    import httpx

    import qasync

    from dialer.core.calls import Origin
    from dialer.providers.secretstore import MemorySecretStore
    from dialer.qt import QtWidgets
    from dialer.service.accounts import DEMO_ENV
    from dialer.service.app import DialerService

    for name in (*DEMO_ENV, "DIALER_SANDBOX_URL"):
        os.environ[name] = url
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    async def heartbeat(seconds: float) -> list[float]:
        lags: list[float] = []
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            t0 = time.monotonic()
            await asyncio.sleep(HEARTBEAT_S)
            lags.append(max(0.0, (time.monotonic() - t0 - HEARTBEAT_S) * 1000))
        return lags

    def status_requests() -> int:
        entries = httpx.get(f"{url}/_sandbox/requests", timeout=5).json()["requests"]
        return sum(1 for e in entries if e["method"] == "GET")

    async def main() -> dict[str, Any]:
        service = await DialerService.open(home=Path(os.environ["DIALER_HOME"]), secrets=MemorySecretStore(),
                                           demo_sandbox_url=url)
        views = await service.accounts.sign_in_demo(url)
        by_provider = {v.provider_id: v.id for v in views}
        # RingCentral's RingOut rate limit (10 calls a minute, in the sandbox as in the docs) caps its share.
        accounts = [by_provider["ringcentral"]] * RINGCENTRAL_CALLS + \
            [by_provider["ringez"]] * (CALLS - RINGCENTRAL_CALLS)
        idle = await heartbeat(phase_s)
        polls0 = await asyncio.to_thread(status_requests)
        beat = asyncio.ensure_future(heartbeat(phase_s))

        async def place(index: int) -> Any:
            plan = service.calls.prepare(STAYS_CONNECTED.format(100 + index), origin=Origin.WINDOW,
                                         account_id=accounts[index], own_number=OWN)
            return await service.calls.place(plan, confirmed=True)

        placed = await asyncio.gather(*(place(i) for i in range(CALLS)), return_exceptions=True)
        busy = await beat
        polls = await asyncio.to_thread(status_requests) - polls0
        actives = [a for a in placed if not isinstance(a, BaseException)]
        live = sum(1 for a in actives if not a.call.is_finished)
        errors = [repr(e) for e in placed if isinstance(e, BaseException)]
        if errors:
            print(f"{len(errors)} calls failed, e.g. {errors[0]}", file=sys.stderr)
        await asyncio.gather(*(service.calls.hang_up(a.id) for a in actives), return_exceptions=True)
        await service.aclose()
        return {"busy": busy, "idle": idle, "calls_live": live, "calls_failed": len(errors),
                "status_polls": polls}

    with loop:
        result: dict[str, Any] = loop.run_until_complete(main())
    return result


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--measure":
        print(json.dumps(_measure(sys.argv[2], float(sys.argv[3]))))
    else:
        print(json.dumps(run("--quick" in sys.argv)))
