"""Call-history paging at 1,000,000 rows (``--quick``: 10,000).

Reports ``history_page_ms`` (first page of 100, newest first), a filtered first page, a keyset page deep
in the history, ``count()``, and the bare ``SELECT 1`` baseline from the same run.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from dialer.store.db import Database
from dialer.store.history import HistoryFilter, HistoryStore
from tests.benchmarks import _data
from tests.benchmarks._timing import percentile, summary, time_ms


def run(quick: bool) -> dict[str, float]:
    size = 10_000 if quick else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        db = Database.open(Path(tmp) / "bench.sqlite3")
        history = HistoryStore(db)
        t0 = time.perf_counter()
        history.add_many(_data.history_rows(size))
        build_s = time.perf_counter() - t0
        db.execute("ANALYZE")

        baseline = time_ms(lambda: db.query_one("SELECT 1"), repeat=1000)
        first = time_ms(lambda: history.page(0, 100), repeat=200)
        by_provider = time_ms(lambda: history.page(0, 100, HistoryFilter(provider="calledin")), repeat=100)
        by_state = time_ms(lambda: history.page(0, 100, HistoryFilter(state="busy")), repeat=100)
        middle = history.page(size // 2, 1)[0]
        deep = time_ms(lambda: history.page_before(middle, 100), repeat=100)
        counted = time_ms(lambda: history.count(), repeat=5)
        db.close()

    figures: dict[str, float] = {"rows": float(size), "build_s": round(build_s, 2),
                                 "history_page_ms": round(percentile(first, 50), 3)}
    figures.update(summary("page0", first))
    figures.update(summary("page0_provider", by_provider))
    figures.update(summary("page0_state", by_state))
    figures.update(summary("keyset_middle", deep))
    figures["count_ms"] = round(percentile(counted, 50), 3)
    figures.update(summary("baseline_select1", baseline))
    return figures
