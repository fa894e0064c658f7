"""The HTTP policy every provider client shares: one client per account, timeouts, TLS, retries.

Where each provider lives (the *origin*: scheme + host [+ port], no path). The clients append the
documented paths themselves (Ringez adds ``/api/v1``):

==========  ==========================================  =========================
provider    default origin                              override (environment)
==========  ==========================================  =========================
ringez      ``https://ringez-api.vercel.app``            ``DIALER_RINGEZ_URL``
ringcentral ``https://platform.ringcentral.com``         ``DIALER_RINGCENTRAL_URL``
calledin    ``https://called.in``                        ``DIALER_CALLEDIN_URL``
ringostat   ``https://api.ringostat.net``                ``DIALER_RINGOSTAT_URL``
==========  ==========================================  =========================

Each variable holds an origin such as ``http://127.0.0.1:8765`` (the sandbox serves every provider on
one origin). ``https://`` is accepted for any host, with certificate verification always on; plain
``http://`` only for loopback hosts (127.0.0.0/8, ::1, ``localhost``), anything else raises
:class:`InsecureURLError` so a typo can never send credentials in clear text.

Retries (:func:`send`) depend on what a repeated request could do, see :class:`RequestKind`. The one rule
that matters most: a request that creates a call is never sent twice unless the provider de-duplicates it
by an idempotency key (Ringez). When its answer is lost the user gets :class:`OutcomeUnknown` ("the call
may have been placed") instead of a silent second call. A connect failure means nothing was sent, so it
is retried and finally reported as :class:`ProviderUnavailable` ("not placed").
"""

from __future__ import annotations

import asyncio
import email.utils
import enum
import functools
import ipaddress
import os
import random
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from dialer.providers.base import OutcomeUnknown, ProviderUnavailable, RateLimited
from dialer.providers.logmask import get_logger

log = get_logger(__name__)

DEFAULT_ORIGINS: Mapping[str, str] = {
    "ringez": "https://ringez-api.vercel.app",
    "ringcentral": "https://platform.ringcentral.com",
    "calledin": "https://called.in",
    "ringostat": "https://api.ringostat.net",
}
ORIGIN_ENV_VARS: Mapping[str, str] = {
    "ringez": "DIALER_RINGEZ_URL",
    "ringcentral": "DIALER_RINGCENTRAL_URL",
    "calledin": "DIALER_CALLEDIN_URL",
    "ringostat": "DIALER_RINGOSTAT_URL",
}

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=15.0, write=15.0, pool=5.0)

Sleep = Callable[[float], Awaitable[None]]


class InsecureURLError(ValueError):
    """A provider URL that would send credentials unencrypted (http:// to a non-loopback host)."""


def _is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str | httpx.URL) -> httpx.URL:
    """Validate a provider URL: https anywhere, http only to loopback. Returns the parsed URL."""
    parsed = httpx.URL(str(url))
    if parsed.scheme == "https" and parsed.host:
        return parsed
    if parsed.scheme == "http" and parsed.host and _is_loopback(parsed.host):
        return parsed
    if parsed.scheme == "http":
        raise InsecureURLError(
            f"Refusing the unencrypted address {parsed.scheme}://{parsed.host}: plain http:// is only "
            "allowed for this computer (127.0.0.1, ::1, localhost). Use an https:// address."
        )
    raise InsecureURLError(f"{str(url)!r} is not a usable provider address: it must start with https://.")


def origin_for(provider_id: str, environ: Mapping[str, str] | None = None) -> str:
    """The origin to talk to for ``provider_id``: the environment override or the documented default."""
    env = os.environ if environ is None else environ
    variable = ORIGIN_ENV_VARS[provider_id]
    value = env.get(variable, "").strip() or DEFAULT_ORIGINS[provider_id]
    parsed = check_url(value)
    if parsed.path not in ("", "/") or parsed.query:
        raise InsecureURLError(
            f"{variable} must hold only scheme, host and port (e.g. http://127.0.0.1:8765), not a path: "
            f"the app adds the provider's paths itself.")
    return value.rstrip("/")


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """One verifying TLS context for every client of this process.

    Building one loads the CA bundle (30-100 ms): done per client it would stall the event loop at every
    sign-in, so it is built once (:meth:`dialer.service.DialerService.open` builds it in a thread).
    """
    return httpx.create_ssl_context(verify=True)


def make_client(
    base_url: str,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
) -> httpx.AsyncClient:
    """One ``httpx.AsyncClient`` per account: verified TLS, timeouts, no redirects (a redirected POST
    could place a call twice). Tests pass ``transport=httpx.MockTransport(handler)``.

    A loopback origin (the sandbox, a local emulator) is reached directly: ``HTTP_PROXY`` and friends from
    the environment are ignored for it, so a proxy never sees a plain-http sign-in password."""
    parsed = check_url(base_url)
    return httpx.AsyncClient(
        base_url=base_url,
        transport=transport,
        timeout=timeout,
        verify=shared_ssl_context(),
        trust_env=not (parsed.host and _is_loopback(parsed.host)),
        follow_redirects=False,
        headers={"User-Agent": "dialer/0.1", "Accept": "application/json"},
    )


# ------------------------------------------------------------------------------------------- retries


class RequestKind(enum.Enum):
    """What sending a request twice could do; decides what :func:`send` may retry."""

    SAFE = "safe"  # reads, idempotent deletes, new-token grants: retried on any failure
    IDEMPOTENT_CREATE = "idempotent-create"  # a call create de-duplicated by an idempotency key
    CALL_CREATE = "call-create"  # a call create without de-duplication: never re-sent once it was sent
    UNSAFE = "unsafe"  # other one-shot actions (OTP mail, DTMF, token refresh): never re-sent once sent


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    base_delay: float = 1.0  # seconds before the 2nd attempt; doubles each time
    max_delay: float = 30.0
    max_retry_after: float = 30.0  # a longer Retry-After is handed to the user instead of waited out


DEFAULT_POLICY = RetryPolicy()

_UNSENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
_RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
_NOT_PROCESSED_STATUSES = frozenset({408, 429, 503})  # the server says it did not act on the request


@dataclass(frozen=True)
class RateLimitInfo:
    """RingCentral's X-Rate-Limit-* headers (absent fields are None)."""

    remaining: int | None
    limit: int | None
    window: float | None
    group: str | None
    seen_at: float


def _int_header(headers: httpx.Headers, name: str) -> int | None:
    try:
        return int(headers[name])
    except (KeyError, ValueError):
        return None


def rate_limit_info(response: httpx.Response) -> RateLimitInfo | None:
    headers = response.headers
    if not any(h in headers for h in ("x-rate-limit-remaining", "x-rate-limit-window")):
        return None
    window = _int_header(headers, "x-rate-limit-window")
    return RateLimitInfo(
        remaining=_int_header(headers, "x-rate-limit-remaining"),
        limit=_int_header(headers, "x-rate-limit-limit"),
        window=float(window) if window is not None else None,
        group=headers.get("x-rate-limit-group"),
        seen_at=time.monotonic(),
    )


class RateBudgets:
    """Rate-limit budgets per group (RingCentral's ``X-Rate-Limit-Group``: light, medium, heavy, auth).

    Each group has its own counter at the provider, so each keeps its own last-seen headers here: a call
    creation (heavy) or a sign-in (auth) running low never slows the status polls (light). A reading
    older than its window is forgotten (the provider's window has restarted since).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._by_group: dict[str, RateLimitInfo] = {}

    def update(self, response: httpx.Response, *, default_group: str | None = None) -> None:
        """Record the headers of ``response`` under its group (``default_group`` when it names none)."""
        info = rate_limit_info(response)
        if info is None:
            return
        group = (info.group or default_group or "").strip().lower()
        if group:
            self._by_group[group] = RateLimitInfo(info.remaining, info.limit, info.window, group, self._clock())

    def get(self, group: str) -> RateLimitInfo | None:
        info = self._by_group.get(group.lower())
        if info is None:
            return None
        if self._clock() - info.seen_at >= (info.window or 60.0):
            return None
        return info

    def pace(self, group: str, *, minimum: float, low: int) -> float:
        """Seconds between requests of ``group``: ``minimum``, stretched when fewer than ``low`` remain."""
        info = self.get(group)
        if info is None or info.remaining is None:
            return minimum
        window = info.window or 60.0
        if info.remaining <= 0:
            return max(minimum, window)
        if info.remaining < low:
            return max(minimum, window / info.remaining)
        return minimum


def retry_after_seconds(response: httpx.Response) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date), None when absent or unreadable."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:  # pragma: no cover - older Pythons
        return None
    return max(0.0, when.timestamp() - time.time())


def backoff_delay(attempt: int, policy: RetryPolicy, jitter: Callable[[], float]) -> float:
    """Exponential backoff with jitter: between half and all of ``base * 2**(attempt-1)``."""
    ceiling = min(policy.max_delay, policy.base_delay * float(2 ** (attempt - 1)))
    factor: float = 0.5 + 0.5 * jitter()
    return ceiling * factor


def placed_maybe_message(provider: str) -> str:
    return (
        f"The call may have been placed: {provider} received the request but its answer was lost. "
        f"Check your phone and your {provider} call log before trying again."
    )


async def send(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    provider: str,
    kind: RequestKind,
    policy: RetryPolicy = DEFAULT_POLICY,
    sleep: Sleep = asyncio.sleep,
    jitter: Callable[[], float] = random.random,
    on_response: Callable[[httpx.Response], None] | None = None,
    **request_kwargs: Any,
) -> httpx.Response:
    """Send one logical request, retrying what is safe to retry (see :class:`RequestKind`).

    Returns the response for every status the caller must interpret (2xx, 3xx, 4xx other than 408/429).
    Raises :class:`ProviderUnavailable` (nothing happened), :class:`RateLimited` (429 after retries, or
    a Retry-After longer than ``policy.max_retry_after``) or :class:`OutcomeUnknown` (a call-creating
    request may have been acted on). ``provider`` is the display name used in messages.
    """
    maybe_processed = False
    last_failure: Exception | None = None
    for attempt in range(1, policy.max_attempts + 1):
        wait: float | None = None
        try:
            response = await client.request(method, url, **request_kwargs)
        except _UNSENT_ERRORS as exc:
            log.info("%s %s: could not connect (%s), attempt %d", method, _path(url), type(exc).__name__,
                     attempt)
            last_failure = ProviderUnavailable(
                f"Could not reach {provider}: check your internet connection and try again. "
                "Nothing was placed.", provider=provider)
        except (httpx.TransportError, httpx.DecodingError) as exc:
            log.info("%s %s: answer lost (%s), attempt %d", method, _path(url), type(exc).__name__, attempt)
            maybe_processed = True
            if kind is RequestKind.CALL_CREATE:
                raise OutcomeUnknown(placed_maybe_message(provider), provider=provider) from exc
            last_failure = ProviderUnavailable(
                f"{provider} did not answer in time. Try again in a moment.", provider=provider)
            if kind is RequestKind.UNSAFE:
                raise ProviderUnavailable(
                    f"{provider} did not confirm the request (the connection broke). "
                    "Check whether it took effect before trying again.", provider=provider) from exc
        else:
            if on_response is not None:
                on_response(response)
            status = response.status_code
            log.debug("%s %s -> %d (attempt %d)", method, _path(url), status, attempt)
            if status not in _RETRY_STATUSES:
                return response
            retry_after = retry_after_seconds(response)
            if status not in _NOT_PROCESSED_STATUSES:
                maybe_processed = True
                if kind is RequestKind.CALL_CREATE:
                    raise OutcomeUnknown(placed_maybe_message(provider), provider=provider)
                if kind is RequestKind.UNSAFE:
                    raise ProviderUnavailable(
                        f"{provider} had a server error (HTTP {status}). Check whether the request took "
                        "effect, then try again.", provider=provider)
            if status == 429:
                if retry_after is None:
                    info = rate_limit_info(response)
                    retry_after = info.window if info is not None and info.remaining == 0 else None
                last_failure = RateLimited(
                    f"{provider} is limiting how fast requests may be sent. "
                    f"Wait {_seconds_text(retry_after)} and try again.",
                    retry_after=retry_after, provider=provider)
            else:
                last_failure = ProviderUnavailable(
                    f"{provider} is having trouble (HTTP {status}). Try again in a few minutes.",
                    provider=provider)
            if retry_after is not None:
                if retry_after > policy.max_retry_after:
                    break
                wait = retry_after
        if attempt == policy.max_attempts:
            break
        delay = backoff_delay(attempt, policy, jitter)
        if wait is not None:
            delay = max(delay, wait)
        await sleep(delay)
    if maybe_processed and kind is RequestKind.IDEMPOTENT_CREATE:
        raise OutcomeUnknown(placed_maybe_message(provider), provider=provider)
    assert last_failure is not None
    raise last_failure


def _seconds_text(seconds: float | None) -> str:
    if seconds is None:
        return "a minute"
    return f"{max(1, round(seconds))} seconds"


def _path(url: str) -> str:
    """The path of ``url`` without its query string (queries may carry api keys)."""
    return url.split("?", 1)[0]


# -------------------------------------------------------------------------------------- reading bodies


def json_body(response: httpx.Response, provider: str) -> Any:
    """The JSON body, or :class:`ProviderUnavailable` when it is not JSON (truncated, HTML error page)."""
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        raise ProviderUnavailable(
            f"{provider} sent an answer the app could not read (HTTP {response.status_code}). "
            "Try again later; if it keeps happening the provider may have changed its API.",
            provider=provider) from None


def json_object(response: httpx.Response, provider: str) -> dict[str, Any]:
    """The JSON body, which must be an object."""
    body = json_body(response, provider)
    if not isinstance(body, dict):
        raise unexpected_shape(provider, "an object", response)
    return body


def unexpected_shape(provider: str, what: str, response: httpx.Response | None = None) -> ProviderUnavailable:
    status = f" (HTTP {response.status_code})" if response is not None else ""
    return ProviderUnavailable(
        f"{provider} sent an answer in an unexpected form{status}: expected {what}. "
        "Try again later; if it keeps happening the provider may have changed its API.",
        provider=provider)
