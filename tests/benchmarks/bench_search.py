"""Per-keystroke contact search at 100,000 contacts (``--quick``: 2,000).

Types names, numbers and T9 digits one keystroke at a time (every prefix of every query is one search) for
several rounds, and reports p95/median per keystroke next to a baseline measured in the same run (a bare
``SELECT 1`` round trip through the same Database), so figures from different machines can be compared.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

from dialer.core import numbers
from dialer.store.contacts import ContactStore
from dialer.store.db import Database
from tests.benchmarks import _data
from tests.benchmarks._timing import summary, time_ms

ROUNDS = 3


def _queries(rng: random.Random, sample: list[tuple[str, list[str]]]) -> dict[str, list[str]]:
    names, digits, t9 = [], [], []
    for name, nums in sample:
        names.append(name.split()[0] if rng.random() < 0.5 else name.split()[-1])
        names.append(name)
        num = numbers.digits_only(rng.choice(nums))
        start = rng.randint(0, max(0, len(num) - 7))
        digits.append(num[start:start + 7])
        t9.append(numbers.t9_digits(name.split()[rng.randint(0, len(name.split()) - 1)]))
    return {"name": names, "number": digits, "t9": t9}


def run(quick: bool) -> dict[str, float]:
    size = 2_000 if quick else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        db = Database.open(Path(tmp) / "bench.sqlite3")
        store = ContactStore(db)
        t0 = time.perf_counter()
        store.add_many(_data.contacts(size))
        build_s = time.perf_counter() - t0
        db.execute("ANALYZE")

        rng = random.Random(3)
        sample = [(c.name, [n.raw for n in c.numbers]) for c in _data.contacts(60, seed=99)]
        stored = store.list_all(limit=40, offset=size // 3)
        sample += [(c.name, [n.raw for n in c.numbers]) for c in stored]
        queries = _queries(rng, sample)

        baseline = time_ms(lambda: db.query_one("SELECT 1"), repeat=2000)
        per_kind: dict[str, list[float]] = {k: [] for k in queries}
        for _ in range(ROUNDS):
            for kind, texts in queries.items():
                for text in texts:
                    for end in range(1, len(text) + 1):
                        prefix = text[:end]
                        per_kind[kind] += time_ms(lambda p=prefix: store.search(p, 20))  # type: ignore[misc]
        db.close()

    every = [s for samples in per_kind.values() for s in samples]
    figures: dict[str, float] = {"contacts": float(size), "build_s": round(build_s, 2)}
    figures.update(summary("search", every))
    for kind, samples in per_kind.items():
        figures.update(summary(f"search_{kind}", samples))
    figures.update(summary("baseline_select1", baseline))
    figures["search_p95_over_baseline"] = round(figures["search_p95_ms"] / max(figures["baseline_select1_median_ms"],
                                                                                1e-6), 1)
    figures["keystrokes"] = float(len(every))
    return figures
