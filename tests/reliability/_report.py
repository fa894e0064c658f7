"""Figures the reliability tests collect, printed as tables at the end of the run.

Each test adds to named counters (``add("Fault matrix", "cases")``); the suite's conftest prints every table
in pytest's terminal summary, so ``pytest -m reliability`` and ``python -m tests.reliability`` show them.
"""

from __future__ import annotations

import os
from collections import defaultdict

FULL = os.environ.get("DIALER_RELIABILITY_FULL") == "1"
"""``--full``: the whole fault matrix, 100 kills, thousands of hostile inputs per target."""

TABLE_ORDER = ("Fault matrix", "Crash safety", "Hostile input", "Consent", "Secrets", "OAuth", "Local socket")
_tables: dict[str, dict[str, int]] = defaultdict(dict)


def add(table: str, counter: str, amount: int = 1) -> None:
    """Add ``amount`` to ``counter`` of ``table`` (created at 0)."""
    row = _tables[table]
    row[counter] = row.get(counter, 0) + amount


def ensure(table: str, *counters: str) -> None:
    """Show ``counters`` even when they stay 0 (a table of zero failures must say so)."""
    for counter in counters:
        _tables[table].setdefault(counter, 0)


def examples(ci: int, full: int) -> int:
    """How many generated cases a hostile-input test runs."""
    return full if FULL else ci


def render() -> str:
    """Every table collected so far, as aligned text."""
    lines: list[str] = []
    names = [t for t in TABLE_ORDER if t in _tables] + sorted(t for t in _tables if t not in TABLE_ORDER)
    for name in names:
        row = _tables[name]
        if not row:
            continue
        width = max(len(k) for k in row)
        lines.append(f"{name}{' (full)' if FULL else ' (CI subset)'}")
        lines.append("-" * (width + 12))
        for key, value in row.items():
            lines.append(f"  {key.ljust(width)}  {value:>8}")
        lines.append("")
    return "\n".join(lines)
