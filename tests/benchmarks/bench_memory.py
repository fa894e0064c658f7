"""Memory of a running dialer after one finished call and a quiet spell, against a bare PySide6 window.

Three processes side by side, offscreen Qt, each DIALER_HOME holding 10,000 contacts and 100,000 history rows
(``--quick``: 1,000 / 5,000):

* ``steady_rss_mb``: the real app (``dialer``, not the demo) signed in to a Ringez account of a sandbox that
  runs in this benchmark's process (so the sandbox's memory is not counted). The account was signed in
  beforehand by another process, with the app's own service and keyring code; the secrets sit in a file
  keyring (:mod:`tests.benchmarks._keyring`) so the app finds them as it would in the system keyring.
  Target <= 110.
* ``demo_rss_mb``: ``dialer --demo``, which runs its own sandbox in-process (counted). Target <= 130.
* ``bare_window_rss_mb``: the bare PySide6 window (:data:`tests.benchmarks._apps.BARE_WINDOW`), the baseline.

Each app gets one call the way a user places one from a link: a hand-off over the app's socket, then Call
pressed in the confirmation (the ``test-accept`` hook of ``DIALER_TEST_HOOKS=1``). The number is busy at the
far end, so the call ends by itself; once its history row is final, the apps stay idle for 60 s
(``--quick``: 3 s) and their resident memory (``VmRSS``) is read. ``steady_anon_mb`` is the anonymous part
(the heap: what the app allocated, as opposed to mapped library code).
"""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests.benchmarks import _apps

FULL_IDLE_S = 60.0
QUICK_IDLE_S = 3.0
BUSY_NUMBER = "+12025550001"  # the sandbox answers "busy" after 1 s: the call ends by itself
OWN_NUMBER = "+14155550123"
START_TIMEOUT_S = 60.0
ROOT = Path(__file__).resolve().parents[2]
KEYRING_BACKEND = "tests.benchmarks._keyring.FileKeyring"

_SIGN_IN = """
import asyncio, os, sys
from pathlib import Path
from dialer.service.accounts import demo_credentials
from dialer.service.app import DialerService
import httpx

async def main():
    url = sys.argv[1]
    creds = httpx.get(f"{url}/_sandbox/credentials", timeout=10).json()["ringez"]
    service = await DialerService.open(home=Path(os.environ["DIALER_HOME"]))
    assert service.secrets_warning is None, service.secrets_warning
    await service.accounts.sign_in("ringez", demo_credentials("ringez", creds))
    service.settings.own_number = sys.argv[2]
    await service.aclose()

asyncio.run(main())
"""


def _request(home: Path, action: str, args: dict[str, str] | None = None) -> dict[str, object]:
    """One exchange on the app's hand-off socket (what a second ``dialer`` process sends)."""
    line = json.dumps({"v": 1, "action": action, "args": args or {}}).encode() + b"\n"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(20)
        sock.connect(str(home / "run" / "dialer.sock"))
        sock.sendall(line)
        reply = b""
        while b"\n" not in reply:
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
    result: dict[str, object] = json.loads(reply)
    return result


def _wait(predicate: Callable[[], bool], what: str, timeout: float = START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _listening(proc: subprocess.Popen[bytes], home: Path) -> bool:
    if proc.poll() is not None:
        raise RuntimeError(f"the app exited during start-up ({proc.returncode})")
    try:
        return bool(_request(home, "show").get("ok"))
    except OSError:
        return False


def _last_call_state(db_path: Path) -> str | None:
    with contextlib.closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)) as db:
        row = db.execute("SELECT state, finished FROM history WHERE destination = ? ORDER BY id DESC LIMIT 1",
                         (BUSY_NUMBER,)).fetchone()
    if row is None:
        return None
    # A Ringez bridge call ends "unknown" (only your phone's leg is reported): finished is what counts.
    return "finished" if row[1] else str(row[0])


def _one_call(proc: subprocess.Popen[bytes], home: Path, db_path: Path) -> None:
    """Hand the number over, press Call in the confirmation, wait until the call's row is final."""
    from dialer.core.calls import TERMINAL_STATES

    _wait(lambda: _listening(proc, home), "the app to listen for hand-offs")
    assert _request(home, "call", {"number": BUSY_NUMBER}).get("ok")
    finals = {str(state) for state in TERMINAL_STATES} | {"finished"}

    def accepted() -> bool:  # the confirmation opens shortly after the hand-off: press Call once it is up
        _request(home, "test-accept")
        return _last_call_state(db_path) is not None

    _wait(accepted, "the call to be placed")
    _wait(lambda: _last_call_state(db_path) in finals, "the call to end")


def smaps_rollup(pid: int) -> dict[str, float]:
    """``/proc/PID/smaps_rollup`` in MB (Rss, Pss_Anon, Pss_File, Anonymous, ...)."""
    out: dict[str, float] = {}
    with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                out[parts[0].rstrip(":")] = int(parts[1]) / 1024
    return out


def run(quick: bool) -> dict[str, float]:
    from dialer.sandbox.server import start_in_thread

    contacts, history = (1_000, 5_000) if quick else (10_000, 100_000)
    idle_s = QUICK_IDLE_S if quick else FULL_IDLE_S
    procs: dict[str, subprocess.Popen[bytes]] = {}
    sandbox = start_in_thread(speed=100.0)
    with tempfile.TemporaryDirectory(prefix="dh-mem-") as tmp:
        homes = {name: Path(tmp) / name for name in ("steady", "demo", "bare")}
        _apps.filled_home(homes["steady"], contacts, history)
        _apps.filled_home(homes["demo"] / "demo", contacts, history)  # --demo keeps its data in home/demo
        url = str(sandbox.url)
        steady_env = {**_apps.app_env(homes["steady"]), "PYTHON_KEYRING_BACKEND": KEYRING_BACKEND,
                      "DIALER_BENCH_KEYRING": str(Path(tmp) / "keyring.json"), "DIALER_TEST_HOOKS": "1",
                      "DIALER_RINGEZ_URL": url}
        subprocess.run([sys.executable, "-c", _SIGN_IN, url, OWN_NUMBER], env=steady_env, cwd=ROOT, check=True,
                       timeout=120)
        demo_env = {**_apps.app_env(homes["demo"]), "DIALER_TEST_HOOKS": "1"}
        demo_env.pop("DIALER_SANDBOX_URL", None)  # the demo starts its own sandbox, in its own process
        try:
            commands = {
                "steady": (_apps.dialer_command(), steady_env),
                "demo": (_apps.dialer_command("--demo"), demo_env),
                "bare": (_apps.bare_command(), _apps.app_env(homes["bare"])),
            }
            for name, (command, env) in commands.items():
                procs[name] = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                               stderr=subprocess.DEVNULL)
            _one_call(procs["steady"], homes["steady"], homes["steady"] / "data" / "dialer.sqlite3")
            _one_call(procs["demo"], homes["demo"], homes["demo"] / "demo" / "data" / "dialer.sqlite3")
            time.sleep(idle_s)
            for name, proc in procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"the {name} process ended ({proc.returncode})")
            rss = {name: _apps.proc_rss_mb(proc.pid) for name, proc in procs.items()}
            rollup = {name: smaps_rollup(proc.pid) for name, proc in procs.items()}
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in procs.values():
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(10)
            sandbox.stop()
    figures = {
        "steady_rss_mb": round(rss["steady"], 1),
        "demo_rss_mb": round(rss["demo"], 1),
        "bare_window_rss_mb": round(rss["bare"], 1),
        "steady_anon_mb": round(rollup["steady"].get("Anonymous", float("nan")), 1),
        "demo_anon_mb": round(rollup["demo"].get("Anonymous", float("nan")), 1),
        "bare_window_anon_mb": round(rollup["bare"].get("Anonymous", float("nan")), 1),
        "idle_s": idle_s,
    }
    print(f"steady_rss_mb={figures['steady_rss_mb']} demo_rss_mb={figures['demo_rss_mb']} "
          f"(bare window {figures['bare_window_rss_mb']})", file=sys.stderr)
    return figures


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv)))
