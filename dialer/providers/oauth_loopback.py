"""Browser sign-in for a desktop app: authorization code + PKCE (S256) with a one-shot loopback listener.

The app opens the system browser at :func:`authorize_url`; the provider redirects back to
``http://127.0.0.1:<port>/callback?code=...&state=...``. :class:`LoopbackRedirect` listens on 127.0.0.1
only (never all interfaces), checks the ``Host`` header (a page reaching the port through its own domain is
refused) and the random ``state`` (so another site cannot inject its own code),
answers exactly one redirect with a small page, then closes. A wrong state, an ``error`` parameter or a
missing code fail the sign-in with a clear message; so does the timeout.

RingCentral wants the redirect URI to match a registered one exactly, so the RingCentral client passes
its fixed ``redirect_uri`` (default ``http://127.0.0.1:53682/callback``): the listener then listens on
exactly that host, port and path (:func:`parse_redirect_uri` says what is allowed). Without one, a random
free port on 127.0.0.1 with the path ``/callback`` is used.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

from dialer.providers.base import SignInRequired

CALLBACK_PATH = "/callback"
_MAX_REQUEST_BYTES = 16 * 1024


@dataclass(frozen=True)
class Pkce:
    verifier: str
    challenge: str
    method: str = "S256"


def new_pkce() -> Pkce:
    """32 random bytes, base64url without padding; challenge = base64url(sha256(verifier))."""
    verifier = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode("ascii")
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return Pkce(verifier=verifier, challenge=challenge)


def authorize_url(origin: str, *, client_id: str, redirect_uri: str, state: str, code_challenge: str,
                  path: str = "/restapi/oauth/authorize") -> str:
    query = urlencode({
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
    })
    return f"{origin.rstrip('/')}{path}?{query}"


class BrowserSignInFailed(SignInRequired):
    """The browser sign-in did not produce a usable authorization code."""


_LOOPBACK_HOSTS = {"127.0.0.1": "127.0.0.1", "localhost": "127.0.0.1", "::1": "::1"}


@dataclass(frozen=True)
class RedirectTarget:
    host: str  # as written in the URI (the browser's Host header names it)
    bind: str  # the address to listen on
    port: int
    path: str


def parse_redirect_uri(uri: str, provider: str = "the provider") -> RedirectTarget:
    """A loopback redirect URI the app can listen on: ``http://`` + 127.0.0.1, localhost or [::1] + an
    explicit port + a path, no query or fragment. Anything else is refused with the reason."""
    parts = urlsplit(uri.strip())
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    problem = ""
    if parts.scheme != "http":
        problem = "it must start with http:// (the app receives it on this computer)"
    elif host not in _LOOPBACK_HOSTS:
        problem = "its host must be 127.0.0.1, localhost or [::1] (this computer)"
    elif not port:
        problem = "it must name a port, e.g. http://127.0.0.1:53682/callback"
    elif not parts.path or parts.path == "/" or parts.query or parts.fragment:
        problem = "it must have a path such as /callback and no ? or # part"
    if problem:
        raise BrowserSignInFailed(
            f"The redirect URI {uri!r} cannot be used: {problem}. Use an address on this computer that is "
            "registered for your app, e.g. http://127.0.0.1:53682/callback.", provider=provider)
    assert port is not None
    return RedirectTarget(host=host, bind=_LOOPBACK_HOSTS[host], port=port, path=parts.path)


_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
    "<body style='font-family:sans-serif;margin:3em'><h1>{title}</h1><p>{text}</p></body></html>"
)


class LoopbackRedirect:
    """A one-shot HTTP listener on 127.0.0.1 that receives the OAuth redirect."""

    def __init__(self, *, redirect_uri: str | None = None, port: int = 0, provider: str = "the provider") -> None:
        self.state = secrets.token_urlsafe(24)
        self._target = (parse_redirect_uri(redirect_uri, provider) if redirect_uri
                        else RedirectTarget("127.0.0.1", "127.0.0.1", port, CALLBACK_PATH))
        self._fixed_uri = redirect_uri.strip() if redirect_uri else None
        self._provider = provider
        self._server: asyncio.Server | None = None
        self._result: asyncio.Future[str] | None = None
        self._port = 0
        self.redirect_uri = ""

    async def start(self) -> str:
        """Start listening; returns the redirect URI to register/send."""
        target = self._target
        try:
            self._server = await asyncio.start_server(self._handle, host=target.bind, port=target.port)
        except OSError as exc:
            raise BrowserSignInFailed(
                f"The sign-in answer cannot be received at {self._fixed_uri}: port {target.port} on this "
                f"computer is in use ({exc.strerror or exc}). Close the other sign-in or program using it, or "
                "use another redirect URI registered for your app.", provider=self._provider) from exc
        self._result = asyncio.get_running_loop().create_future()
        port = self._server.sockets[0].getsockname()[1]
        self._port = port
        shown = f"[{target.host}]" if ":" in target.host else target.host
        self.redirect_uri = self._fixed_uri or f"http://{shown}:{port}{target.path}"
        return self.redirect_uri

    async def wait_for_code(self, timeout: float) -> str:
        """The authorization code, or :class:`BrowserSignInFailed` (wrong state, error, timeout)."""
        assert self._result is not None, "start() first"
        try:
            return await asyncio.wait_for(asyncio.shield(self._result), timeout)
        except TimeoutError:
            raise BrowserSignInFailed(
                f"The browser sign-in was not finished within {round(timeout)} seconds. Start it again and "
                f"complete the {self._provider} page in your browser.", provider=self._provider) from None
        finally:
            await self.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        if self._result is not None and not self._result.done():
            self._result.cancel()

    async def __aenter__(self) -> LoopbackRedirect:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ConnectionError):
                return
            if len(head) > _MAX_REQUEST_BYTES:
                return
            request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
            parts = request_line.split(" ")
            if len(parts) < 2 or parts[0] != "GET":
                await self._reply(writer, 405, "Not supported", "This address only accepts the sign-in redirect.")
                return
            target = urlsplit(parts[1])
            if target.path != self._target.path or self._result is None or self._result.done():
                await self._reply(writer, 404, "Not found", "Nothing here.")
                return
            query = {k: v[0] for k, v in parse_qs(target.query, keep_blank_values=True).items()}
            outcome = self._judge_host(head) or self._judge(query)
            if isinstance(outcome, BrowserSignInFailed):
                await self._reply(writer, 400, "Sign-in failed", str(outcome))
                self._result.set_exception(outcome)
            else:
                await self._reply(writer, 200, "Signed in",
                                  "You can close this tab and return to the dialer.")
                self._result.set_result(outcome)
            if self._server is not None:  # exactly one redirect: stop listening now
                self._server.close()
        finally:
            writer.close()

    def _judge_host(self, head: bytes) -> BrowserSignInFailed | None:
        """A redirect must name this listener as its Host: another name means a web page reached the port
        through its own domain (DNS rebinding), not the browser following the provider's redirect."""
        port = self._port
        hosts = [line.split(b":", 1)[1].strip().decode("latin-1").lower()
                 for line in head.split(b"\r\n")[1:] if line.lower().startswith(b"host:")]
        allowed = {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}
        if len(hosts) == 1 and hosts[0] in allowed:
            return None
        shown = hosts[0][:60] if hosts else "none"
        return BrowserSignInFailed(
            f"The sign-in answer came through a web address this app did not give out (Host: {shown}), so it "
            "was refused. Start the browser sign-in again.", provider=self._provider)

    def _judge(self, query: dict[str, str]) -> str | BrowserSignInFailed:
        if not secrets.compare_digest(query.get("state", ""), self.state):
            return BrowserSignInFailed(
                "The sign-in answer did not come from the sign-in this app started (state mismatch), so it "
                "was refused. Start the browser sign-in again.", provider=self._provider)
        if query.get("error"):
            reason = query.get("error_description") or query["error"]
            return BrowserSignInFailed(f"{self._provider} refused the sign-in: {reason}. Try again.",
                                       provider=self._provider)
        code = query.get("code", "")
        if not code:
            return BrowserSignInFailed(
                f"{self._provider} did not send a sign-in code back. Start the browser sign-in again.",
                provider=self._provider)
        return code

    @staticmethod
    async def _reply(writer: asyncio.StreamWriter, status: int, title: str, text: str) -> None:
        from html import escape

        body = _PAGE.format(title=escape(title), text=escape(text)).encode("utf-8")
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}[status]
        writer.write(
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n".encode()
            + body)
        with contextlib.suppress(ConnectionError):
            await writer.drain()
