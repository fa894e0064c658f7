"""The CardDAV client's reading of answers servers give that Radicale does not (httpx.MockTransport)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from html import escape

import httpx
import pytest

from dialer.carddav import (
    AuthFailed,
    BadResponse,
    CardDavClient,
    InsecureURL,
    RedirectLoop,
    SyncTokenExpired,
    _xml,
    normalise_start_url,
)

BOOK = "https://dav.example.com/books/me/family/"


def multistatus(*responses: str, token: str | None = None) -> bytes:
    tail = f"<d:sync-token>{token}</d:sync-token>" if token else ""
    return ('<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">'
            + "".join(responses) + tail + "</d:multistatus>").encode()


def member(href: str, etag: str) -> str:
    return (f"<d:response><d:href>{href}</d:href><d:propstat><d:prop><d:getetag>{etag}</d:getetag></d:prop>"
            "<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>")


def client(handler: Callable[[httpx.Request], httpx.Response], url: str = BOOK) -> CardDavClient:
    return CardDavClient(url, "me", "pw", transport=httpx.MockTransport(handler))


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_a_truncated_sync_answer_is_continued_from_the_new_token() -> None:
    asked: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        import xml.etree.ElementTree as ET

        token = ET.fromstring(request.content).findtext("{DAV:}sync-token")
        asked.append(token)
        if not token:
            body = multistatus(member("/books/me/family/a.vcf", '"1"'),
                               '<d:response><d:href>/books/me/family/</d:href>'
                               '<d:status>HTTP/1.1 507 Insufficient Storage</d:status></d:response>', token="t1")
        else:
            body = multistatus(member("/books/me/family/b.vcf", '"2"'), token="t2")
        return httpx.Response(207, content=body, headers={"Content-Type": "application/xml"})

    listing = run(client(handler).changes(BOOK, None))
    assert asked == ["", "t1"]
    assert listing.etags == {"/books/me/family/a.vcf": '"1"', "/books/me/family/b.vcf": '"2"'}
    assert listing.token == "t2" and listing.full


def test_a_server_without_sync_collection_is_listed_with_propfind() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "REPORT":
            return httpx.Response(501)
        assert request.method == "PROPFIND" and request.headers["Depth"] == "1"
        return httpx.Response(207, content=multistatus(member("/books/me/family/a.vcf", '"1"')),
                              headers={"Content-Type": "application/xml"})

    listing = run(client(handler).changes(BOOK, None))
    assert listing.etags == {"/books/me/family/a.vcf": '"1"'} and listing.token is None and listing.full


@pytest.mark.parametrize("status", [403, 409])
def test_valid_sync_token_precondition_means_the_token_expired(status: int) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=b'<?xml version="1.0"?><d:error xmlns:d="DAV:"><d:valid-sync-token/>'
                                              b"</d:error>", headers={"Content-Type": "application/xml"})

    with pytest.raises(SyncTokenExpired):
        run(client(handler).changes(BOOK, "old"))


@pytest.mark.parametrize("body", [
    b"not xml at all",
    b'<?xml version="1.0"?><d:error xmlns:d="DAV:"/>',
    b'<?xml version="1.0"?><d:multistatus xmlns:d="DAV:"><d:response><d:status>HTTP/1.1 200 OK</d:status>'
    b"</d:response></d:multistatus>",
    b'<?xml version="1.0"?><d:multistatus xmlns:d="DAV:"><d:response><d:href>/a</d:href>'
    b"<d:status>garbage</d:status></d:response></d:multistatus>",
])
def test_a_malformed_multistatus_is_a_bad_response(body: bytes) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(207, content=body, headers={"Content-Type": "application/xml"})

    with pytest.raises(BadResponse, match="cannot read"):
        run(client(handler).changes(BOOK, None))


def test_a_redirect_to_plain_http_elsewhere_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(301, headers={"Location": "http://evil.example.net/dav/"})

    with pytest.raises(InsecureURL, match="unencrypted"):
        run(client(handler).discover())


def test_a_long_redirect_chain_stops() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        n = int(request.url.path.strip("/").split("/")[-1] or 0) if request.url.path.strip("/").isdigit() else 0
        return httpx.Response(302, headers={"Location": f"/{n + 1}"})

    with pytest.raises(RedirectLoop, match="keeps redirecting"):
        run(client(handler, "https://dav.example.com/0").discover())


def test_google_refusing_a_password_says_oauth() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401)

    with pytest.raises(AuthFailed, match=r"OAuth 2\.0"):
        run(client(handler, "https://www.googleapis.com/.well-known/carddav").discover())


def test_multiget_batches_and_reports_cards_gone_meanwhile() -> None:
    batches: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        import xml.etree.ElementTree as ET

        hrefs = [h.text or "" for h in ET.fromstring(request.content).iter("{DAV:}href")]
        batches.append(len(hrefs))
        parts = []
        for raw in hrefs:
            href = escape(raw)
            if href and href.endswith("gone.vcf"):
                parts.append(f"<d:response><d:href>{href}</d:href><d:status>HTTP/1.1 404 Not Found</d:status>"
                             "</d:response>")
            else:
                parts.append(f"<d:response><d:href>{href}</d:href><d:propstat><d:prop><d:getetag>\"e\"</d:getetag>"
                             "<card:address-data>BEGIN:VCARD&#13;\nVERSION:3.0&#13;\nFN:X&#13;\nEND:VCARD"
                             "</card:address-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>"
                             "</d:response>")
        return httpx.Response(207, content=multistatus(*parts), headers={"Content-Type": "application/xml"})

    c = CardDavClient(BOOK, "me", "pw", transport=httpx.MockTransport(handler), batch=2)
    hrefs = ["/b/1.vcf", "/b/2.vcf", "/b/gone.vcf", "/b/4.vcf", "/b/a&b.vcf"]
    seen: list[tuple[int, int]] = []
    fetched = run(c.fetch(BOOK, hrefs, lambda done, total: seen.append((done, total))))
    assert batches == [2, 2, 1]
    assert seen == [(2, 5), (4, 5), (5, 5)]
    assert fetched.missing == ["/b/gone.vcf"]
    assert [card.href for card in fetched.cards] == ["/b/1.vcf", "/b/2.vcf", "/b/4.vcf", "/b/a&b.vcf"]
    assert fetched.cards[0].vcard.startswith("BEGIN:VCARD") and fetched.cards[0].etag == '"e"'


@pytest.mark.parametrize(("typed", "url"), [
    ("carddav.fastmail.com", "https://carddav.fastmail.com"),
    ("me@example.org", "https://example.org"),
    ("https://cloud.example.org/remote.php/dav", "https://cloud.example.org/remote.php/dav"),
    ("http://127.0.0.1:5232/", "http://127.0.0.1:5232/"),
])
def test_what_the_user_types_becomes_a_start_url(typed: str, url: str) -> None:
    assert normalise_start_url(typed) == url


def test_hrefs_compare_by_their_decoded_path() -> None:
    assert _xml.href_key("/a/b%20c.vcf") == _xml.href_key("https://x.example/a/b c.vcf")


def _card_member(href: str, etag: str, name: str) -> str:
    vcard = f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{name}\r\nTEL:+442079460000\r\nEND:VCARD\r\n"
    return (f"<d:response><d:href>{href}</d:href><d:propstat><d:prop><d:getetag>{etag}</d:getetag>"
            f"<card:address-data>{escape(vcard)}</card:address-data></d:prop>"
            "<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>")


def test_cards_asked_for_in_the_listing_arrive_in_batches_as_the_answer_streams() -> None:
    asked: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(request.content)
        body = multistatus(*[_card_member(f"/books/me/family/{i}.vcf", f'"{i}"', f"Person {i}") for i in range(7)],
                           member("/books/me/family/bare.vcf", '"b"'), token="t1")
        return httpx.Response(207, stream=httpx.ByteStream(body), headers={"Content-Type": "application/xml"})

    batches: list[list[str]] = []

    async def arrived(cards: list) -> None:  # type: ignore[type-arg]
        batches.append([card.href for card in cards])

    async def scenario():  # type: ignore[no-untyped-def]
        async with CardDavClient(BOOK, "me", "pw", transport=httpx.MockTransport(handler), batch=3) as dav:
            return await dav.changes(BOOK, None, cards=arrived)

    listing = run(scenario())
    assert len(asked) == 1 and b"address-data" in asked[0]  # one request, asking for the vCards
    assert [len(b) for b in batches] == [3, 3, 1]  # in batches; the card sent without data is not among them
    assert "/books/me/family/bare.vcf" in listing.etags and len(listing.etags) == 8 and listing.token == "t1"


def test_a_streamed_answer_cut_off_midway_changes_nothing_and_says_so() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = multistatus(*[_card_member(f"/books/me/family/{i}.vcf", f'"{i}"', "P") for i in range(3)])
        return httpx.Response(207, content=body[: len(body) // 2], headers={"Content-Type": "application/xml"})

    async def arrived(cards: list) -> None:  # type: ignore[type-arg]
        pass

    with pytest.raises(BadResponse, match="cannot read"):
        run(client(handler).changes(BOOK, None, cards=arrived))


@pytest.mark.parametrize("href", ["/a/b.vcf", "/a/b c.vcf", "/a/%20x.vcf", "https://x.example/a/b.vcf", "/a/b?x=1",
                                  "/a//b.vcf", "//host/a.vcf", "/a/b\t.vcf", " /a", "/a#frag", "/Ж/б.vcf"])
def test_href_keys_are_the_decoded_path(href: str) -> None:
    from urllib.parse import unquote, urlsplit

    assert _xml.href_key(href) == unquote(urlsplit(href).path)
