"""A CardDAV client on ``httpx.AsyncClient``: discovery, sync-collection, multiget, write-back.

Discovery follows RFC 6764 section 6: ``/.well-known/carddav`` (when the user gave only a host), then the
``DAV:current-user-principal``, its ``CARDDAV:addressbook-home-set``, and the address books in that home.
Sync follows RFC 6578 (``DAV:sync-collection`` with the token of the last sync; an empty token lists every
card) and RFC 6352 (``addressbook-multiget`` for the cards themselves, in batches). A server without
sync-collection is listed with ``PROPFIND Depth: 1`` instead. Write-back is ``PUT`` with ``If-Match``.

Every failure raises a :class:`CardDavError` whose text names the cause and the fix in the user's terms;
the caller keeps what was synced before. Redirects are followed by hand (at most
:data:`MAX_REDIRECTS`, each target checked like the first URL: https, or http only to this computer), so
a loop is reported as one instead of spinning.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx

from dialer.carddav import _xml
from dialer.carddav._xml import c, d

MAX_REDIRECTS = 5
MULTIGET_BATCH = 250
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=30.0, pool=10.0)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_XML_TYPES = ("xml",)  # application/xml, text/xml, application/vnd.something+xml


class CardDavError(Exception):
    """A CardDAV request failed; ``str(err)`` says why and what to do. Nothing synced before is lost."""


class AuthFailed(CardDavError):
    """401: the user name or password was refused."""


class AccessDenied(CardDavError):
    """403: signed in, but not allowed to read (or write) this address book."""


class NotFound(CardDavError):
    """404: nothing at this address."""


class ServerFailed(CardDavError):
    """5xx: the server failed; trying later may work."""


class Unreachable(CardDavError):
    """No answer: the host is unknown, refuses connections or timed out."""


class NotCardDav(CardDavError):
    """The server answered, but not as a CardDAV server (a web page, or no address book found)."""


class RedirectLoop(CardDavError):
    """The server redirected in a circle, or too many times."""


class BadResponse(CardDavError):
    """The server's answer could not be read (malformed XML, missing parts)."""


class SyncTokenExpired(CardDavError):
    """The server no longer knows the sync token (RFC 6578 ``DAV:valid-sync-token``): sync in full."""


class EditConflict(CardDavError):
    """412 on ``If-Match``: someone else changed the card since it was synced."""


class InsecureURL(CardDavError, ValueError):
    """An address that would send the password unencrypted, or is not a web address at all."""


@dataclass(frozen=True)
class AddressBookInfo:
    url: str
    name: str


@dataclass(frozen=True)
class Card:
    href: str  # as the server wrote it
    etag: str | None
    vcard: str


@dataclass
class Listing:
    """What the server holds now (a full listing) or what changed since a token (a delta)."""

    etags: dict[str, str | None]  # href -> ETag of the cards present (new or changed, for a delta)
    removed: list[str]  # hrefs gone since the token (a delta only)
    token: str | None  # the new sync token (None: the server has no sync-collection)
    full: bool  # True: ``etags`` is every card; cards missing from it are gone


@dataclass
class Fetched:
    cards: list[Card]
    missing: list[str]  # asked for, but gone from the server meanwhile


def _is_loopback(host: str) -> bool:
    import ipaddress

    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> httpx.URL:
    """``url`` parsed; https anywhere, plain http only to this computer (the password goes with it)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise InsecureURL(f"{url!r} is not a web address ({exc}).") from None
    if parsed.scheme == "https" and parsed.host:
        return parsed
    if parsed.scheme == "http" and parsed.host and _is_loopback(parsed.host):
        return parsed
    if parsed.scheme == "http" and parsed.host:
        raise InsecureURL(f"Refusing http://{parsed.host}: it would send your password unencrypted. Use the "
                          "https:// address of your address book.")
    raise InsecureURL(f"{url!r} is not a usable address book address: it must start with https://.")


def normalise_start_url(text: str) -> str:
    """What the user typed -> a URL to start discovery from.

    ``user@example.com`` or ``example.com`` become ``https://example.com`` (discovery then tries its
    ``/.well-known/carddav``); a full URL is kept as typed.
    """
    text = text.strip()
    if not text:
        raise InsecureURL("Enter the address of your address book (for example https://carddav.fastmail.com).")
    if "://" not in text:
        host = text.rsplit("@", 1)[-1] if "@" in text and "/" not in text else text
        text = f"https://{host}"
    check_url(text)
    return text


def _host(url: str | httpx.URL) -> str:
    return httpx.URL(str(url)).host or str(url)


def _is_google(url: str | httpx.URL) -> bool:
    host = _host(url).lower()
    return host == "googleapis.com" or host.endswith(".googleapis.com") or host.endswith(".google.com")


class CardDavClient:
    """One server, one user. Pass ``transport`` in tests; close with :meth:`aclose`."""

    def __init__(self, url: str, username: str, password: str, *,
                 transport: httpx.AsyncBaseTransport | None = None,
                 timeout: httpx.Timeout = DEFAULT_TIMEOUT, batch: int = MULTIGET_BATCH) -> None:
        self.url = str(check_url(url))
        self.batch = batch
        self._http = httpx.AsyncClient(auth=httpx.BasicAuth(username, password), transport=transport,
                                       timeout=timeout, follow_redirects=False,
                                       headers={"User-Agent": "dialer/0.1 (CardDAV)"})

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> CardDavClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ------------------------------------------------------------------------------------------ requests

    async def _send(self, method: str, url: str, *, body: bytes | None = None, depth: str | None = None,
                    headers: dict[str, str] | None = None, stream: bool = False) -> tuple[str, httpx.Response]:
        """Send, following redirects by hand. Returns the final URL and the response (any status).

        With ``stream`` the body is not read yet: the caller reads it and closes the response.
        """
        seen: list[str] = []
        all_headers = dict(headers or {})
        if body is not None:
            all_headers.setdefault("Content-Type", "application/xml; charset=utf-8")
        if depth is not None:
            all_headers["Depth"] = depth
        while True:
            check_url(url)
            seen.append(url)
            try:
                request = self._http.build_request(method, url, content=body, headers=all_headers)
                response = await self._http.send(request, stream=stream)
                if stream and response.status_code != 207:
                    await response.aread()  # an error or a redirect: small, and read for its message
            except httpx.TimeoutException:
                raise Unreachable(f"{_host(url)} did not answer in time. Check your connection and try again; "
                                  "your synced contacts are unchanged.") from None
            except httpx.TransportError as exc:
                raise Unreachable(f"Cannot reach {_host(url)} ({type(exc).__name__}: {exc}). Check the address "
                                  "and your connection; your synced contacts are unchanged.") from None
            if response.status_code not in _REDIRECTS:
                return url, response
            location = response.headers.get("location")
            if not location:
                raise BadResponse(f"{_host(url)} answered {response.status_code} (moved) without saying where to. "
                                  "Check the address.")
            target = urljoin(url, location)
            if target in seen or len(seen) > MAX_REDIRECTS:
                raise RedirectLoop(f"{_host(url)} keeps redirecting ({' -> '.join([*seen, target][-4:])}). "
                                   "The address is probably wrong, or the server is misconfigured: check the "
                                   "address with your provider.")
            url = target

    def _fail(self, url: str, response: httpx.Response, what: str) -> CardDavError:
        """The error for a non-success answer to ``what`` (e.g. "reading the address book")."""
        status = response.status_code
        host = _host(url)
        conditions = _xml.error_conditions(response.content) if _looks_xml(response) else set()
        if status in (403, 409) and d("valid-sync-token") in conditions:
            return SyncTokenExpired(f"{host} no longer knows the last sync point: syncing in full instead.")
        if status == 401:
            if _is_google(url):
                return AuthFailed(
                    "Google refused the sign-in (401): Google's CardDAV accepts only OAuth 2.0 sign-in, not a "
                    "password or app password. Export your Google contacts as a vCard file and import it "
                    "instead.")
            return AuthFailed(f"{host} refused the user name or password (401) while {what}. Check them; iCloud "
                              "and Fastmail need an app-specific password, not your account password.")
        if status == 403:
            return AccessDenied(f"{host} refused access (403) while {what}: this user may not read that "
                                "address book. Check the address and the account's sharing settings.")
        if status == 404:
            return NotFound(f"Nothing found at {url} (404) while {what}. Check the address.")
        if status == 412:
            return EditConflict(f"{host} refused the change (412): the card changed on the server meanwhile.")
        if status >= 500:
            return ServerFailed(f"{host} failed with an internal error ({status}) while {what}. Try again later; "
                                "your synced contacts are unchanged.")
        return CardDavError(f"{host} answered {status} {response.reason_phrase} while {what}.")

    async def _multistatus(self, method: str, url: str, body: bytes, what: str,
                           depth: str | None) -> tuple[str, _xml.Multistatus]:
        final, response = await self._send(method, url, body=body, depth=depth)
        if response.status_code != 207:
            if response.status_code == 200 and _looks_html(response):
                raise _html_error(final, what)
            if response.is_success:
                raise NotCardDav(f"{_host(final)} answered {response.status_code} instead of a WebDAV "
                                 f"multistatus while {what}: is this the address of a CardDAV server?")
            raise self._fail(final, response, what)
        if _looks_html(response):
            raise _html_error(final, what)
        try:
            return final, _xml.parse_multistatus(response.content)
        except _xml.MalformedXML as exc:
            raise BadResponse(f"{_host(final)} sent an answer the app cannot read while {what}: {exc}. "
                              "Your synced contacts are unchanged; try again later or report it to your "
                              "provider.") from None

    # ----------------------------------------------------------------------------------------- discovery

    async def discover(self) -> list[AddressBookInfo]:
        """The address books this user can reach from the start URL (RFC 6764 section 6)."""
        start = httpx.URL(self.url)
        props = (d("resourcetype"), d("displayname"), d("current-user-principal"), c("addressbook-home-set"))
        what = "looking for your address books"
        attempts = [self.url]
        if start.path in ("", "/"):
            attempts.insert(0, str(start.copy_with(path="/.well-known/carddav")))
        first: _xml.Response | None = None
        final = self.url
        for index, url in enumerate(attempts):
            last = index + 1 == len(attempts)
            try:
                final, found = await self._multistatus("PROPFIND", url, _xml.propfind(*props), what, "0")
            except (NotFound, NotCardDav, BadResponse):
                if last:
                    raise
                continue  # no usable well-known address: try the address itself
            except CardDavError as exc:
                if last or type(exc) is not CardDavError:  # 401, 403, 5xx, loops: the same at any address
                    raise
                continue
            if not found.responses:
                raise BadResponse(f"{_host(final)} answered an empty multistatus while {what}.")
            first = found.responses[0]
            break
        assert first is not None
        if c("addressbook") in first.resource_types():
            return [AddressBookInfo(final, first.text(d("displayname")) or _last_segment(final))]
        homes = first.hrefs(c("addressbook-home-set"))
        if not homes:
            principals = first.hrefs(d("current-user-principal"))
            if principals:
                principal_url = urljoin(final, principals[0])
                p_final, principal = await self._multistatus(
                    "PROPFIND", principal_url, _xml.propfind(c("addressbook-home-set")), what, "0")
                if principal.responses:
                    homes = [urljoin(p_final, h) for h in principal.responses[0].hrefs(c("addressbook-home-set"))]
        homes = [urljoin(final, h) for h in homes] or [final]
        books: list[AddressBookInfo] = []
        for home in homes:
            h_final, listing = await self._multistatus(
                "PROPFIND", home, _xml.propfind(d("resourcetype"), d("displayname")), what, "1")
            for response in listing.responses:
                if c("addressbook") in response.resource_types():
                    url = urljoin(h_final, response.href)
                    if all(b.url != url for b in books):
                        books.append(AddressBookInfo(url, response.text(d("displayname")) or _last_segment(url)))
        if not books:
            raise NotCardDav(f"Signed in to {_host(final)}, but found no address book there. Check the address "
                             "(Nextcloud: https://HOST/remote.php/dav) or create an address book first.")
        return books

    # ---------------------------------------------------------------------------------------------- sync

    async def changes(self, book_url: str, token: str | None, *,
                      cards: Callable[[list[Card]], Awaitable[None]] | None = None) -> Listing:
        """What changed since ``token`` (RFC 6578); without a token, every card with its ETag.

        With ``cards``, the request also asks for each changed card's vCard, and the cards the server sends
        are handed to ``cards`` in batches of :attr:`batch` while the answer streams in (a first sync of
        thousands of cards is then one request, never held in memory whole). A server may leave the data
        out: a listed card that never reached ``cards`` is fetched with :meth:`fetch_batches`.

        Raises :class:`SyncTokenExpired` when the server forgot ``token``: call again with ``None``.
        Servers without sync-collection get a full PROPFIND listing (``token`` None in the result).
        """
        etags: dict[str, str | None] = {}
        removed: list[str] = []
        what = "syncing the address book"
        book_key = _xml.href_key(book_url)
        current = token
        for _round in range(100):  # a server truncating its answer (507) is asked again from its new token
            final, response = await self._send("REPORT", book_url, depth="0", stream=True,
                                               body=_xml.sync_collection(current, with_data=cards is not None))
            try:
                if response.status_code in (400, 405, 501) or (
                        response.status_code == 403 and _looks_xml(response)
                        and d("supported-report") in _xml.error_conditions(response.content)):
                    if token is not None:
                        raise SyncTokenExpired(f"{_host(final)} does not answer sync-collection any more.")
                    return await self._propfind_listing(book_url)
                if response.status_code != 207:
                    if response.status_code == 200 and _looks_html(response):
                        raise _html_error(final, what)
                    raise self._fail(final, response, what)
                if "html" in response.headers.get("content-type", "").lower():
                    raise _html_error(final, what)
                reader = _xml.MultistatusReader()
                batch: list[Card] = []
                truncated = False
                try:
                    async for chunk in response.aiter_bytes():
                        for r in reader.feed(chunk):
                            truncated = self._listed(final, book_key, r, etags, removed, batch) or truncated
                        while cards is not None and len(batch) >= self.batch:
                            await cards(batch[:self.batch])
                            del batch[:self.batch]
                    for r in reader.close():
                        truncated = self._listed(final, book_key, r, etags, removed, batch) or truncated
                except _xml.MalformedXML as exc:
                    raise BadResponse(f"{_host(final)} sent an answer the app cannot read while {what}: {exc}. "
                                      "Your synced contacts are unchanged.") from None
                except httpx.TimeoutException:
                    raise Unreachable(f"{_host(final)} stopped answering while {what}. Check your connection and "
                                      "try again; your synced contacts are unchanged.") from None
                except httpx.TransportError as exc:
                    raise Unreachable(f"The connection to {_host(final)} broke while {what} ({type(exc).__name__})."
                                      " Try again; your synced contacts are unchanged.") from None
                while cards is not None and batch:
                    await cards(batch[:self.batch])
                    del batch[:self.batch]
            finally:
                await response.aclose()
            if reader.sync_token is None:
                raise BadResponse(f"{_host(final)} answered sync-collection without a sync token.")
            current = reader.sync_token
            if not truncated:
                break
        return Listing(etags, removed, current, full=token is None)

    @staticmethod
    def _listed(final: str, book_key: str, r: _xml.Response, etags: dict[str, str | None], removed: list[str],
                batch: list[Card]) -> bool:
        """Record one sync-collection response; True when it says the answer was truncated (507)."""
        if r.href.rstrip("/").rsplit("/", 1)[-1] == book_key.rstrip("/").rsplit("/", 1)[-1] and \
                _xml.href_key(urljoin(final, r.href)) == book_key:  # (a card's last segment differs: cheap test)
            return r.status == 507
        if r.status == 404:
            removed.append(r.href)
            etags.pop(r.href, None)
        elif r.status in (None, 200):
            etag = r.text(d("getetag"))
            etags[r.href] = etag
            if r.href in removed:
                removed.remove(r.href)
            data = r.text(c("address-data"))
            if data is not None:
                batch.append(Card(r.href, etag, data))
        return False

    async def _propfind_listing(self, book_url: str) -> Listing:
        final, listing = await self._multistatus("PROPFIND", book_url, _xml.propfind(d("getetag"),
                                                 d("resourcetype")), "listing the address book", "1")
        book_key = _xml.href_key(final)
        etags = {r.href: r.text(d("getetag")) for r in listing.responses
                 if _xml.href_key(urljoin(final, r.href)) != book_key and d("collection") not in r.resource_types()}
        return Listing(etags, [], None, full=True)

    async def fetch(self, book_url: str, hrefs: Sequence[str],
                    progress: Callable[[int, int], None] | None = None) -> Fetched:
        """The vCards of ``hrefs`` by ``addressbook-multiget``, :attr:`batch` at a time.

        ``progress(done, total)`` is called after each batch.
        """
        cards: list[Card] = []
        missing: list[str] = []
        async for batch in self.fetch_batches(book_url, hrefs):
            cards += batch.cards
            missing += batch.missing
            if progress is not None:
                progress(len(cards) + len(missing), len(hrefs))
        return Fetched(cards, missing)

    async def fetch_batches(self, book_url: str, hrefs: Sequence[str]) -> AsyncIterator[Fetched]:
        """Like :meth:`fetch`, one batch at a time (the caller can parse one while the next downloads)."""
        for start in range(0, len(hrefs), self.batch):
            wanted = list(hrefs[start:start + self.batch])
            _final, found = await self._multistatus("REPORT", book_url, _xml.addressbook_multiget(wanted),
                                                    "fetching contacts", None)
            batch = Fetched([], [])
            for r in found.responses:
                data = r.text(c("address-data"))
                if r.status == 404 or (data is None and r.prop_status.get(c("address-data")) == 404):
                    batch.missing.append(r.href)
                elif data is None:
                    raise BadResponse(f"{_host(book_url)} sent no vCard for {r.href}: your synced contacts are "
                                      "unchanged; try again later.")
                else:
                    batch.cards.append(Card(r.href, r.text(d("getetag")), data))
            yield batch

    # ------------------------------------------------------------------------------------------ write-back

    async def get(self, book_url: str, href: str) -> Card:
        url = urljoin(book_url, href)
        final, response = await self._send("GET", url, headers={"Accept": "text/vcard"})
        if response.status_code != 200:
            raise self._fail(final, response, "reading the contact")
        if _looks_html(response):
            raise _html_error(final, "reading the contact")
        return Card(href, response.headers.get("etag"), response.text)

    async def put(self, book_url: str, href: str, vcard: str, etag: str | None) -> str | None:
        """Write ``vcard`` only if the server still has ``etag`` (``If-Match``); returns the new ETag if told.

        A 412 raises :class:`EditConflict`: someone else changed the card; nothing was overwritten.
        """
        url = urljoin(book_url, href)
        headers = {"Content-Type": "text/vcard; charset=utf-8"}
        if etag:
            headers["If-Match"] = etag
        else:
            headers["If-None-Match"] = "*"
        final, response = await self._send("PUT", url, body=vcard.encode("utf-8"), headers=headers)
        if response.status_code in (200, 201, 204):
            new_etag: str | None = response.headers.get("etag")
            return new_etag
        raise self._fail(final, response, "saving the contact")


def _looks_xml(response: httpx.Response) -> bool:
    kind = response.headers.get("content-type", "").lower()
    return any(t in kind for t in _XML_TYPES)


def _looks_html(response: httpx.Response) -> bool:
    kind = response.headers.get("content-type", "").lower()
    if "html" in kind:
        return True
    head = response.content[:200].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def _html_error(url: str, what: str) -> NotCardDav:
    return NotCardDav(f"{_host(url)} answered with a web page, not an address book, while {what}. The address "
                      "is probably a sign-in or web-mail page: use the CardDAV address your provider documents "
                      "(Nextcloud: https://HOST/remote.php/dav, Fastmail: https://carddav.fastmail.com).")


def _last_segment(url: str) -> str:
    parts = [p for p in httpx.URL(url).path.split("/") if p]
    return parts[-1] if parts else _host(url)
