"""Run a command with Python's wall clock set to an hour of today in some time zone, to prove that what the
command does not depend on the hour: ``python -m tests.benchmarks.at_hour 03:00 America/New_York --
python -m tests.benchmarks --quick``.

Every Python process the command starts reads the shifted clock (``datetime.now``, ``time.time``; see
``_at_hour/sitecustomize.py``); the monotonic clock is untouched, so the benchmarks' timings stay true.
(libfaketime would shift C code too, but it hangs Python's threads and asyncio on this machine.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo


def offset_to(hour_minute: str, zone_name: str) -> float:
    """Seconds to add to the wall clock so that it reads ``HH:MM`` today in ``zone_name``."""
    hour, minute = (int(part) for part in hour_minute.split(":"))
    zone = ZoneInfo(zone_name)
    now = datetime.now(zone)
    target = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return (target.astimezone(UTC) - now.astimezone(UTC)).total_seconds()


def main(argv: list[str]) -> int:
    if len(argv) < 4 or argv[2] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    offset = offset_to(argv[0], argv[1])
    here = Path(__file__).resolve().parent / "_at_hour"
    env = {**os.environ, "DIALER_WALL_CLOCK_OFFSET_S": f"{offset:.3f}",
           "PYTHONPATH": os.pathsep.join(p for p in (str(here), os.environ.get("PYTHONPATH", "")) if p)}
    shown = datetime.fromtimestamp(time.time() + offset, ZoneInfo(argv[1]))
    print(f"# wall clock set to {shown:%Y-%m-%d %H:%M %Z} ({argv[1]})", file=sys.stderr, flush=True)
    return subprocess.run(argv[3:], env=env, check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
