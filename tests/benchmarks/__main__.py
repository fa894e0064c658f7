"""Run every benchmark module and print a table of figures.

Each ``tests/benchmarks/bench_*.py`` module exposes ``run(quick: bool) -> dict[str, float]``; the runner
discovers them, runs them one by one (``--only NAME`` to pick some) and prints ``module  figure  value``
rows, or one JSON object with ``--json``. Figures are measurements, not pass/fail checks.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
import time
import traceback
from pathlib import Path


def discover() -> list[str]:
    here = Path(__file__).parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds, for CI smoke runs)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--only", action="append", default=[], help="run only this module (bench_search)")
    args = parser.parse_args(argv)

    results: dict[str, dict[str, float]] = {}
    failed = False
    for name in discover():
        if args.only and name not in args.only and name.removeprefix("bench_") not in args.only:
            continue
        started = time.perf_counter()
        try:
            module = importlib.import_module(f"tests.benchmarks.{name}")
            figures = dict(module.run(args.quick))
        except Exception:
            traceback.print_exc()
            failed = True
            continue
        figures["wall_s"] = round(time.perf_counter() - started, 2)
        results[name] = figures
        if not args.json:
            print(f"# {name} done in {figures['wall_s']} s", file=sys.stderr, flush=True)

    if args.json:
        print(json.dumps({"quick": args.quick, "results": results}, indent=2))
    else:
        width = max((len(k) for figs in results.values() for k in figs), default=10)
        print(f"{'module':<20} {'figure':<{width}} {'value':>12}")
        for name, figures in results.items():
            for key, value in figures.items():
                print(f"{name:<20} {key:<{width}} {value:>12.3f}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
