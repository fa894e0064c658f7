"""Small timing helpers shared by benchmark modules."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def time_ms(fn: Callable[[], object], repeat: int = 1) -> list[float]:
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return samples


def summary(prefix: str, samples: list[float]) -> dict[str, float]:
    return {f"{prefix}_p95_ms": round(percentile(samples, 95), 3),
            f"{prefix}_median_ms": round(statistics.median(samples), 3),
            f"{prefix}_max_ms": round(max(samples), 3)}
