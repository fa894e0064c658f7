"""What the whole sandbox shares: the clock, the telephony engine, the OTP outbox, the request log,
the fault list and the tunable settings. Each provider module keeps its own accounts on top of this."""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from .clock import SandboxClock
from .telephony import Telephony

REQUEST_LOG_MAX = 2000
# The redirect URI registered for the RingCentral demo app (RingCentral wants an exact match).
RC_REDIRECT_URIS = ("http://127.0.0.1:53682/callback",)


def iso(ts: float) -> str:
    """A Unix timestamp as ISO-8601 UTC with a Z, like the providers print it."""
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Settings:
    """Knobs tests may change at run time through POST /_sandbox/config."""

    access_token_ttl: int | None = None  # RingCentral: overrides the client's requested TTL when set
    refresh_token_ttl: int | None = None
    rate_limits: dict[str, int] = field(
        default_factory=lambda: {"light": 50, "medium": 40, "heavy": 10, "auth": 5})
    rate_window_s: int = 60
    public: bool = False  # allow Called.in callbacks to non-loopback hosts
    rc_redirect_uris: list[str] = field(default_factory=lambda: list(RC_REDIRECT_URIS))

    def as_dict(self) -> dict[str, Any]:
        return {
            "access_token_ttl": self.access_token_ttl,
            "refresh_token_ttl": self.refresh_token_ttl,
            "rate_limits": dict(self.rate_limits),
            "rate_window_s": self.rate_window_s,
            "public": self.public,
            "rc_redirect_uris": list(self.rc_redirect_uris),
        }


class SandboxState:
    def __init__(self, *, speed: float = 1.0, public: bool = False, echo_otp: bool = True) -> None:
        self.clock = SandboxClock(speed)
        self.default_speed = speed
        self.telephony = Telephony(self.clock)
        self.settings = Settings(public=public)
        self.default_settings = Settings(public=public)
        self.outbox: list[dict[str, Any]] = []
        self.requests: deque[dict[str, Any]] = deque(maxlen=REQUEST_LOG_MAX)
        self.echo_otp = echo_otp
        self.resetters: list[Any] = []  # provider states with a reset() method

    def send_otp(self, to: str, code: str) -> None:
        self.outbox.append({"to": to, "code": code, "sent_at": iso(self.clock.now())})
        if self.echo_otp:
            print(f"[sandbox] OTP for {to}: {code}", flush=True)

    def reset(self) -> None:
        self.telephony.reset()
        self.clock.set_speed(self.default_speed)
        self.outbox.clear()
        self.requests.clear()
        self.settings = Settings(
            access_token_ttl=self.default_settings.access_token_ttl,
            refresh_token_ttl=self.default_settings.refresh_token_ttl,
            rate_limits=dict(self.default_settings.rate_limits),
            rate_window_s=self.default_settings.rate_window_s,
            public=self.default_settings.public,
        )
        for item in self.resetters:
            item.reset()
