"""Dial latency: from the Call click in the real window until the sandbox has the initiate request.

The sandbox runs in this benchmark's process (its own thread); a fresh child process (offscreen Qt, the
qasync loop, the real :class:`DialerService` signed in to the demo accounts, the real ``MainWindow``)
measures. Each round types a number that is busy at the far end, clicks Call, and reads the sandbox's
request log, whose entries carry ``received_monotonic`` (the system-wide monotonic clock, comparable
across processes); then waits for the call to end and goes back to the pad. The baseline, in the same
child and the same rounds: one bare ``httpx.AsyncClient`` POST to the same provider path.

The dial guard's clock is pinned to noon today at the destination (``DialerService.open(clock=...)``): a
call at night there would open a confirmation, which is not the path measured, so the figures do not
depend on the hour the benchmark runs at. A confirmation that opens anyway stops the run with its reason.

* ``dial_latency_ms``: median click -> request received (target <= 20)
* ``dial_latency_p95_ms``, ``httpx_post_ms`` (baseline median), ``dial_over_post_ms``
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tests.benchmarks._timing import percentile

INITIATE = "/api/v1/calls/initiate"  # Ringez: the provider the rounds use
BUSY_NUMBER = "+12025550001"  # the sandbox answers "busy": the call ends by itself


def run(quick: bool) -> dict[str, float]:
    from dialer.sandbox.server import start_in_thread

    rounds = 5 if quick else 30
    sandbox = start_in_thread(speed=100.0)
    try:
        with tempfile.TemporaryDirectory(prefix="dh-dial-") as tmp:
            env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_API": "pyside6", "DIALER_HOME": tmp}
            out = subprocess.run([sys.executable, "-m", "tests.benchmarks.bench_dial", "--measure",
                                  str(sandbox.url), str(rounds)], env=env, capture_output=True, text=True,
                                 timeout=600, check=False, cwd=Path(__file__).resolve().parents[2])
    finally:
        sandbox.stop()
    if out.returncode != 0:
        raise RuntimeError(f"dial measurement failed:\n{out.stderr[-3000:]}")
    samples = json.loads(out.stdout.strip().splitlines()[-1])
    dial, post = samples["dial"], samples["post"]
    figures = {
        "dial_latency_ms": round(statistics.median(dial), 2),
        "dial_latency_p95_ms": round(percentile(dial, 95), 2),
        "httpx_post_ms": round(statistics.median(post), 2),
        "dial_over_post_ms": round(statistics.median(dial) - statistics.median(post), 2),
        "rounds": float(rounds),
    }
    print(f"dial_latency_ms={figures['dial_latency_ms']} (bare httpx POST {figures['httpx_post_ms']})",
          file=sys.stderr)
    return figures


# ----------------------------------------------------------------------------------------- child side


def noon_at_destination(e164: str) -> datetime:
    """Noon today in the destination's (first) time zone, as an aware UTC datetime."""
    from dialer.core import numbers

    zone = ZoneInfo(numbers.describe(e164).timezones[0])
    today = datetime.now(zone).date()
    return datetime(today.year, today.month, today.day, 12, tzinfo=zone).astimezone(UTC)


def _measure(url: str, rounds: int) -> dict[str, list[float]]:
    import asyncio
    import time

    import httpx

    import qasync  # after dialer.qt (QT_API)

    from dialer.providers.secretstore import MemorySecretStore
    from dialer.qt import QtWidgets
    from dialer.service.accounts import DEMO_ENV
    from dialer.service.app import DialerService
    from dialer.ui.main_window import MainWindow

    for name in (*DEMO_ENV, "DIALER_SANDBOX_URL"):
        os.environ[name] = url
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    def received_after(client: httpx.Client, t0: float) -> float | None:
        entries: list[dict[str, Any]] = client.get(f"{url}/_sandbox/requests", timeout=5).json()["requests"]
        times = [e["received_monotonic"] for e in entries
                 if e["path"] == INITIATE and e["method"] == "POST" and e["received_monotonic"] >= t0]
        return min(times) if times else None

    async def wait_for(predicate: Any, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError("the window did not get there in time")
            await asyncio.sleep(0.005)

    async def main() -> dict[str, list[float]]:
        noon = noon_at_destination(BUSY_NUMBER)
        service = await DialerService.open(home=Path(os.environ["DIALER_HOME"]), secrets=MemorySecretStore(),
                                           demo_sandbox_url=url, clock=lambda: noon)
        await service.accounts.sign_in_demo(url)
        service.settings.own_number = "+14155550123"
        window = MainWindow(demo=True)
        window.attach(service)
        await window.reload_accounts()
        window.show()
        combo = window.dial_page.accounts.combo
        accounts = window.dial_page.accounts._accounts
        combo.setCurrentIndex(next(i for i, a in enumerate(accounts) if a.provider_id == "ringez"))
        dial: list[float] = []
        post: list[float] = []
        log = httpx.Client()
        bare = httpx.AsyncClient()
        await bare.post(f"{url}{INITIATE}", json={})  # warm the connection, like the app's client
        for index in range(rounds + 1):  # the first round warms up (imports, first call panel)
            window.dial_page.number.setText(BUSY_NUMBER)
            await asyncio.sleep(0.05)
            t0 = time.monotonic()
            window.dial_page.call.click()
            # The log is read once the window shows the call: polling it (a blocking GET) sooner would
            # hold up the very loop that is sending the request.
            await wait_for(lambda: window.confirm_dialog is not None or (
                window.call_panel is not None and window.dial_stack.currentWidget() is window.call_panel))
            if window.confirm_dialog is not None:
                raise RuntimeError("the Call click opened a confirmation (not the dial path measured): "
                                   + " ".join(window.confirm_dialog.plan.verdict.warnings))
            received = received_after(log, t0)
            assert received is not None
            await wait_for(lambda: not window.call_panel.is_live)
            window.call_panel.done.click()
            await asyncio.sleep(0.05)
            t1 = time.monotonic()
            await bare.post(f"{url}{INITIATE}", json={"to": BUSY_NUMBER})
            posted = received_after(log, t1)
            assert posted is not None
            if index:
                dial.append((received - t0) * 1000)
                post.append((posted - t1) * 1000)
        await bare.aclose()
        log.close()
        if window.bridge is not None:
            await window.bridge.aclose()
        await service.aclose()
        window.allow_close()
        window.close()
        return {"dial": dial, "post": post}

    with loop:
        result: dict[str, list[float]] = loop.run_until_complete(main())
    return result


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--measure":
        print(json.dumps(_measure(sys.argv[2], int(sys.argv[3]))))
    else:
        print(json.dumps(run("--quick" in sys.argv)))
