"""A sync takes the vCards the listing carries, and fetches by multiget only what a server left out."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from html import escape
from pathlib import Path

import httpx

from dialer.carddav import CardDavClient
from dialer.providers.secretstore import MemorySecretStore
from dialer.service.addressbooks import AddressBookService
from dialer.service.settings import Settings
from dialer.store.addressbooks import AddressBookStore
from dialer.store.contacts import ContactStore
from dialer.store.db import Database
from dialer.store.settings import SettingsStore

BOOK = "https://dav.example.com/me/big/"
HEAD = '<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav">'


def _vcard(i: int) -> str:
    return f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person {i}\r\nTEL:+4420794600{i:02d}\r\nEND:VCARD\r\n"


def _item(href: str, etag: str, data: str | None) -> str:
    extra = f"<c:address-data>{escape(data)}</c:address-data>" if data is not None else ""
    return (f"<d:response><d:href>{href}</d:href><d:propstat><d:prop><d:getetag>{etag}</d:getetag>{extra}"
            "</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>")


class Server:
    """Twelve cards; ``with_data`` says whether sync-collection honours a request for address-data."""

    def __init__(self, with_data: bool | set[int]) -> None:
        self.with_data = with_data
        self.multigets: list[list[str]] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        root = ET.fromstring(request.content)
        cards = {f"/me/big/{i}.vcf": (f'"{i}"', _vcard(i)) for i in range(12)}
        if root.tag == "{DAV:}sync-collection":
            asked = root.find(".//{urn:ietf:params:xml:ns:carddav}address-data") is not None
            items = []
            for i, (href, (etag, data)) in enumerate(cards.items()):
                send = asked and (self.with_data is True or (isinstance(self.with_data, set) and i in self.with_data))
                items.append(_item(href, etag, data if send else None))
            body = HEAD + "".join(items) + "<d:sync-token>t1</d:sync-token></d:multistatus>"
        else:
            hrefs = [h.text or "" for h in root.iter("{DAV:}href")]
            self.multigets.append(hrefs)
            body = HEAD + "".join(_item(h, cards[h][0], cards[h][1]) for h in hrefs) + "</d:multistatus>"
        return httpx.Response(207, content=body.encode(), headers={"Content-Type": "application/xml"})


def _sync(tmp_path: Path, server: Server) -> tuple[list[str], object]:
    db = Database.open(tmp_path / "app.sqlite3")
    secrets = MemorySecretStore()
    store = AddressBookStore(db, ContactStore(db))
    account = store.add_account("Big", "https://dav.example.com/", "me", [(BOOK, "Big")], "now")
    secrets.set(f"carddav:{account}", "password", "pw")
    books = AddressBookService(store, secrets, Settings(SettingsStore(db)), client_factory=lambda url, user, pw:
                               CardDavClient(url, user, pw, transport=httpx.MockTransport(server.handler), batch=5))
    [result] = asyncio.run(books.sync())
    names = sorted(c.name for c in ContactStore(db).list_all())
    db.close()
    return names, result


def test_a_server_that_sends_the_cards_with_the_listing_is_read_in_one_request(tmp_path: Path) -> None:
    server = Server(with_data=True)
    names, result = _sync(tmp_path, server)
    assert server.multigets == []
    assert names == sorted(f"Person {i}" for i in range(12))
    assert result.added == 12 and result.error is None  # type: ignore[attr-defined]


def test_a_server_that_leaves_the_data_out_gets_multigets(tmp_path: Path) -> None:
    server = Server(with_data=False)
    names, result = _sync(tmp_path, server)
    assert sum(len(m) for m in server.multigets) == 12
    assert names == sorted(f"Person {i}" for i in range(12)) and result.added == 12  # type: ignore[attr-defined]


def test_only_the_cards_left_out_are_fetched(tmp_path: Path) -> None:
    server = Server(with_data={0, 1, 2, 5, 8})
    names, result = _sync(tmp_path, server)
    fetched = sorted(h for m in server.multigets for h in m)
    assert fetched == sorted(f"/me/big/{i}.vcf" for i in (3, 4, 6, 7, 9, 10, 11))
    assert names == sorted(f"Person {i}" for i in range(12)) and result.added == 12  # type: ignore[attr-defined]
