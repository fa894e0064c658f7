"""RingCentral-style rate limiting: fixed windows per (user+app, group), four groups."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .state import SandboxState


@dataclass
class Verdict:
    group: str
    limit: int
    remaining: int
    window: int
    retry_after: int  # seconds; 0 when allowed

    @property
    def allowed(self) -> bool:
        return self.retry_after == 0

    def headers(self) -> dict[str, str]:
        hdrs = {"X-Rate-Limit-Group": self.group, "X-Rate-Limit-Limit": str(self.limit),
                "X-Rate-Limit-Remaining": str(self.remaining), "X-Rate-Limit-Window": str(self.window)}
        if not self.allowed:
            hdrs["Retry-After"] = str(self.retry_after)
        return hdrs


class RateLimiter:
    def __init__(self, sandbox: SandboxState) -> None:
        self.sandbox = sandbox
        self.windows: dict[tuple[str, str], tuple[float, int]] = {}

    def reset(self) -> None:
        self.windows.clear()

    def check(self, key: str, group: str) -> Verdict:
        settings = self.sandbox.settings
        limit = settings.rate_limits.get(group, 50)
        window = settings.rate_window_s
        now = self.sandbox.clock.now()
        start, count = self.windows.get((key, group), (now, 0))
        if now - start >= window:
            start, count = now, 0
        if count >= limit:
            retry = max(1, math.ceil(start + window - now))
            return Verdict(group, limit, 0, window, retry)
        count += 1
        self.windows[(key, group)] = (start, count)
        return Verdict(group, limit, limit - count, window, 0)
