"""Loaded by every Python process started by ``python -m tests.benchmarks.at_hour`` (this folder is put
first on PYTHONPATH): shifts the wall clock that Python code reads (``datetime.now``/``utcnow``/``today``,
``time.time``) by ``DIALER_WALL_CLOCK_OFFSET_S`` seconds. The monotonic clock is left alone, so timings and
cross-process ``time.monotonic()`` comparisons stay true. Not for the app: a proof harness only.
"""

from __future__ import annotations

import datetime as _dt
import os
import time as _time

_OFFSET_S = float(os.environ.get("DIALER_WALL_CLOCK_OFFSET_S", "0") or 0)

if _OFFSET_S:
    _Real = _dt.datetime
    _OFFSET = _dt.timedelta(seconds=_OFFSET_S)
    _real_time = _time.time
    _real_time_ns = _time.time_ns

    class _ShiftedDatetime(_Real):
        @classmethod
        def now(cls, tz: _dt.tzinfo | None = None) -> _ShiftedDatetime:
            moment = _Real.now(tz) + _OFFSET
            return cls.combine(moment.date(), moment.timetz())

        @classmethod
        def utcnow(cls) -> _ShiftedDatetime:
            return cls.now(_dt.UTC).replace(tzinfo=None)

        @classmethod
        def today(cls) -> _ShiftedDatetime:
            return cls.now()

    _dt.datetime = _ShiftedDatetime  # type: ignore[misc]
    _time.time = lambda: _real_time() + _OFFSET_S
    _time.time_ns = lambda: _real_time_ns() + int(_OFFSET_S * 1e9)
