"""First sync of a 10,000-card CardDAV address book from a real server (``--quick``: 200 cards).

Radicale runs on loopback in a subprocess (as in tests/integration/carddav); the cards are uploaded in
one PUT, then the app adds the address book and syncs it through :class:`AddressBookService`. Figures:

* ``first_sync_s``: the whole first sync (one sync-collection that carries the vCards, streamed and parsed
  batch by batch while the rest downloads, one transaction into the store), end to end, server time
  included;
* ``server_sync_with_data_s``: that same request alone (bare httpx, nothing parsed or stored) in the same
  run: the server's share, as a baseline; ``server_listing_s`` and ``server_multiget_s``: a listing
  without the cards and the multigets it would take (what a server that leaves the cards out costs);
* ``noop_sync_ms``: the next sync when nothing changed (one sync-collection round trip);
* ``one_change_ms``: a sync after one card changed on the server;
* ``upload_s`` and ``server_warmup_s``: setting up the server (not the app), for the record.

Needs Radicale (``pip install radicale``, in the ``test`` extra). A figure, not a pass/fail check.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import httpx


def run(quick: bool) -> dict[str, float]:
    from dialer.carddav import CardDavClient, _xml
    from dialer.providers.secretstore import MemorySecretStore
    from dialer.service.addressbooks import AddressBookService
    from dialer.service.settings import Settings
    from dialer.store.addressbooks import AddressBookStore
    from dialer.store.contacts import ContactStore
    from dialer.store.db import Database
    from dialer.store.settings import SettingsStore
    from tests.integration.carddav.conftest import Dav, start_radicale, stop_radicale

    size = 200 if quick else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "server").mkdir()
        server, process = start_radicale(root / "server")
        try:
            server.add_user("bench", "bench-pw")
            dav = Dav(server, "bench", "bench-pw")
            t0 = time.perf_counter()
            book = dav.put_many("big", size)
            upload_s = time.perf_counter() - t0
            # Radicale reads and caches every uploaded card on its first listing (~11 ms a card here): warm
            # that cache first, so the figures measure a sync against a server in its steady state.
            t0 = time.perf_counter()
            warm = dav.http.request("PROPFIND", book, headers={"Depth": "1"}, timeout=1200)
            assert warm.status_code == 207
            server_warmup_s = time.perf_counter() - t0
            db = Database.open(root / "app.sqlite3")
            books = AddressBookService(AddressBookStore(db, ContactStore(db)), MemorySecretStore(),
                                       Settings(SettingsStore(db)))

            async def scenario() -> dict[str, float]:
                await books.add(server.url, "bench", "bench-pw", label="Bench")
                t0 = time.perf_counter()
                [first] = await books.sync()
                first_s = time.perf_counter() - t0
                assert first.error is None and first.added == size, first
                t0 = time.perf_counter()
                await books.sync()
                noop_ms = (time.perf_counter() - t0) * 1000
                dav.put(book, "big-7", "Changed Person", "+14155550199")
                t0 = time.perf_counter()
                [changed] = await books.sync()
                one_ms = (time.perf_counter() - t0) * 1000
                assert changed.changed == 1, changed
                # Baseline: the same multiget batches, HTTP only.
                async with CardDavClient(server.url + book, "bench", "bench-pw") as client:
                    listing = await client.changes(server.url + book, None)
                    hrefs = list(listing.etags)
                    t0 = time.perf_counter()
                    async with httpx.AsyncClient(auth=("bench", "bench-pw"), timeout=600) as http:
                        for start in range(0, len(hrefs), client.batch):
                            body = _xml.addressbook_multiget(hrefs[start:start + client.batch])
                            response = await http.request("REPORT", server.url + book, content=body,
                                                          headers={"Content-Type": "application/xml"})
                            assert response.status_code == 207
                    server_s = time.perf_counter() - t0
                    t0 = time.perf_counter()
                    async with httpx.AsyncClient(auth=("bench", "bench-pw"), timeout=600) as http:
                        response = await http.request("REPORT", server.url + book, content=_xml.sync_collection(None),
                                                      headers={"Content-Type": "application/xml", "Depth": "0"})
                        assert response.status_code == 207
                    listing_s = time.perf_counter() - t0
                    t0 = time.perf_counter()
                    async with httpx.AsyncClient(auth=("bench", "bench-pw"), timeout=600) as http:
                        response = await http.request(
                            "REPORT", server.url + book, content=_xml.sync_collection(None, with_data=True),
                            headers={"Content-Type": "application/xml", "Depth": "0"})
                        assert response.status_code == 207 and response.content.count(b"BEGIN:VCARD") == size
                    with_data_s = time.perf_counter() - t0
                return {"cards": float(size), "first_sync_s": round(first_s, 2),
                        "server_sync_with_data_s": round(with_data_s, 2),
                        "server_listing_s": round(listing_s, 2), "server_multiget_s": round(server_s, 2),
                        "noop_sync_ms": round(noop_ms, 1), "one_change_ms": round(one_ms, 1),
                        "upload_s": round(upload_s, 1), "server_warmup_s": round(server_warmup_s, 1)}

            figures = asyncio.run(scenario())
            db.close()
            dav.close()
        finally:
            stop_radicale(process)
        figures["app_only_first_sync_s"] = round(_app_only(size, root), 2)
        return figures


def _app_only(size: int, root: Path) -> float:
    """The same first sync against an instant in-process server (httpx.MockTransport): the app's own time."""
    import xml.etree.ElementTree as ET
    from html import escape

    from dialer.carddav import CardDavClient
    from dialer.providers.secretstore import MemorySecretStore
    from dialer.service.addressbooks import AddressBookService
    from dialer.service.settings import Settings
    from dialer.store.addressbooks import AddressBookStore
    from dialer.store.contacts import ContactStore
    from dialer.store.db import Database
    from dialer.store.settings import SettingsStore

    book = "https://dav.example.com/me/big/"
    cards = {f"/me/big/{i}.vcf": (f'"{i}"', f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{i}\r\nFN:Person {i}\r\n"
                                           f"N:{i};Person;;;\r\nTEL;TYPE=CELL:+1415555{i % 10000:04d}\r\n"
                                           "END:VCARD\r\n") for i in range(size)}
    head = '<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav">'

    def handler(request: httpx.Request) -> httpx.Response:
        root_el = ET.fromstring(request.content)
        if root_el.tag == "{DAV:}sync-collection":  # the vCards with the listing, as Radicale sends them
            body = head + "".join(f"<d:response><d:href>{h}</d:href><d:propstat><d:prop><d:getetag>{e}</d:getetag>"
                                  f"<c:address-data>{escape(v)}</c:address-data>"
                                  "</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"
                                  for h, (e, v) in cards.items()) + "<d:sync-token>t1</d:sync-token></d:multistatus>"
        else:
            hrefs = [h.text or "" for h in root_el.iter("{DAV:}href")]
            body = head + "".join(
                f"<d:response><d:href>{h}</d:href><d:propstat><d:prop><d:getetag>{cards[h][0]}</d:getetag>"
                f"<c:address-data>{escape(cards[h][1])}</c:address-data></d:prop>"
                "<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>" for h in hrefs) + "</d:multistatus>"
        return httpx.Response(207, content=body.encode(), headers={"Content-Type": "application/xml"})

    db = Database.open(root / "app-only.sqlite3")
    secrets = MemorySecretStore()
    store = AddressBookStore(db, ContactStore(db))
    account = store.add_account("Instant", "https://dav.example.com/", "me", [(book, "Big")], "now")
    secrets.set(f"carddav:{account}", "password", "pw")
    books = AddressBookService(store, secrets, Settings(SettingsStore(db)),
                               client_factory=lambda url, user, pw: CardDavClient(
                                   url, user, pw, transport=httpx.MockTransport(handler)))

    async def scenario() -> float:
        t0 = time.perf_counter()
        [result] = await books.sync()
        elapsed = time.perf_counter() - t0
        assert result.added == size, result
        return elapsed

    try:
        return asyncio.run(scenario())
    finally:
        db.close()
