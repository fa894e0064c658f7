"""A real CardDAV server for the tests: Radicale on a free loopback port, in a subprocess.

One server per test session (temporary storage folder, htpasswd users in plain text). Each test gets its
own user (``dav``), so the address books one test creates are never seen by another, in any order.
``dav`` is a small synchronous WebDAV helper acting as "another device" on the server: it creates
address books (extended MKCOL), puts, changes and deletes cards.
"""

from __future__ import annotations

import itertools
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("radicale", reason="the CardDAV tests need Radicale: pip install -e .[test]")

from dialer.carddav import _xml

_users = itertools.count(1)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Radicale:
    url: str
    htpasswd: Path
    storage: Path

    def add_user(self, name: str, password: str) -> None:
        with self.htpasswd.open("a", encoding="utf-8") as f:
            f.write(f"{name}:{password}\n")


def start_radicale(root: Path) -> tuple[Radicale, subprocess.Popen[bytes]]:
    """Radicale on a free loopback port with its storage and users under ``root``; waits until it answers."""
    htpasswd = root / "users"
    htpasswd.write_text("", encoding="utf-8")
    storage = root / "collections"
    port = free_port()
    with (root / "radicale.log").open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--config", "",
             "--server-hosts", f"127.0.0.1:{port}",
             "--storage-filesystem-folder", str(storage),
             "--auth-type", "htpasswd", "--auth-htpasswd-filename", str(htpasswd),
             "--auth-htpasswd-encryption", "plain", "--auth-delay", "0",
             "--rights-type", "owner_only", "--logging-level", "warning"],
            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(url + "/.web/", timeout=1)
            break
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                stop_radicale(process)
                raise RuntimeError("Radicale did not start: " + (root / "radicale.log").read_text()) from None
            time.sleep(0.1)
    return Radicale(url, htpasswd, storage), process


def stop_radicale(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Radicale]:
    server, process = start_radicale(tmp_path_factory.mktemp("radicale"))
    try:
        yield server
    finally:
        stop_radicale(process)


class Dav:
    """Another device on the server, for one user: makes address books and changes cards over HTTP."""

    def __init__(self, server: Radicale, user: str, password: str) -> None:
        self.server = server
        self.user = user
        self.password = password
        self.http = httpx.Client(base_url=server.url, auth=(user, password), timeout=30)
        self.http.request("PROPFIND", f"/{user}/", headers={"Depth": "0"})  # Radicale creates the principal

    def close(self) -> None:
        self.http.close()

    def mkbook(self, slug: str, name: str) -> str:
        response = self.http.request("MKCOL", f"/{self.user}/{slug}/", content=_xml.mkcol_addressbook(name),
                                     headers={"Content-Type": "application/xml"})
        assert response.status_code == 201, response.text
        return f"/{self.user}/{slug}/"

    def put(self, book: str, uid: str, name: str, *numbers: str, etag: str | None = None,
            extra: str = "") -> str:
        tels = "".join(f"TEL;TYPE=CELL:{n}\r\n" for n in numbers)
        parts = name.split()
        card = (f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{name}\r\nN:{parts[-1]};{' '.join(parts[:-1])};;;\r\n"
                f"{tels}{extra}END:VCARD\r\n")
        headers = {"Content-Type": "text/vcard"}
        if etag:
            headers["If-Match"] = etag
        response = self.http.put(f"{book}{uid}.vcf", content=card, headers=headers)
        assert response.status_code in (201, 204), response.text
        return str(response.headers["etag"])

    def put_many(self, slug: str, count: int, prefix: str = "Person") -> str:
        """A new address book holding ``count`` cards, uploaded in one PUT (Radicale accepts a whole book)."""
        cards = "".join(
            f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{slug}-{i}\r\nFN:{prefix} {i}\r\nN:{i};{prefix};;;\r\n"
            f"TEL;TYPE=CELL:+1415555{i % 10000:04d}\r\nEND:VCARD\r\n" for i in range(count))
        response = self.http.put(f"/{self.user}/{slug}/", content=cards, headers={"Content-Type": "text/vcard"},
                                 timeout=600)
        assert response.status_code == 201, response.text
        return f"/{self.user}/{slug}/"

    def delete(self, book: str, uid: str) -> None:
        assert self.http.delete(f"{book}{uid}.vcf").status_code in (200, 204)

    def get(self, book: str, uid: str) -> httpx.Response:
        return self.http.get(f"{book}{uid}.vcf")


@pytest.fixture
def dav(radicale: Radicale) -> Iterator[Dav]:
    user = f"user{next(_users)}-{uuid.uuid4().hex[:6]}"
    password = f"pw-{uuid.uuid4().hex}"
    radicale.add_user(user, password)
    helper = Dav(radicale, user, password)
    try:
        yield helper
    finally:
        helper.close()


@dataclass
class App:
    """The app's side: its database, contacts and address-book service (secrets in memory)."""

    db: object
    contacts: object
    books: object
    secrets: object


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    from dialer.providers.secretstore import MemorySecretStore
    from dialer.service.addressbooks import AddressBookService
    from dialer.service.settings import Settings
    from dialer.store.addressbooks import AddressBookStore
    from dialer.store.contacts import ContactStore
    from dialer.store.db import Database
    from dialer.store.settings import SettingsStore

    db = Database.open(tmp_path / "app.sqlite3")
    contacts = ContactStore(db)
    secrets = MemorySecretStore()
    service = AddressBookService(AddressBookStore(db, contacts), secrets, Settings(SettingsStore(db)))
    try:
        yield App(db, contacts, service, secrets)
    finally:
        db.close()


# ------------------------------------------------------------------------------- a faulty server in front

FAULTS = ("html", "server-error", "redirect-loop", "malformed", "bad-card", "unauthorized", "forbidden",
          "not-found")


class FaultyProxy:
    """A tiny Starlette app on loopback that forwards to Radicale, or answers as a broken server would.

    ``fault`` (one of :data:`FAULTS`, or None) applies to requests whose method is in ``methods``: set
    ``methods={"REPORT"}`` to break syncing while discovery still works. ``bad-card`` forwards, then
    replaces the first vCard of a REPORT answer that carries vCards (multiget, or sync-collection
    asked for the data) with one that does not parse.
    """

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.fault: str | None = None
        self.methods: set[str] = {"PROPFIND", "REPORT", "GET", "PUT"}
        self.url = ""

    def app(self) -> Any:
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import Response
        from starlette.routing import Route

        async def handle(request: Request) -> Response:
            path = request.url.path
            if self.fault and request.method in self.methods:
                fault = self.fault
                if fault == "html":
                    return Response("<!DOCTYPE html><html><body><h1>Sign in</h1></body></html>",
                                    media_type="text/html")
                if fault == "server-error":
                    return Response("Internal Server Error", status_code=500, media_type="text/plain")
                if fault == "redirect-loop":
                    target = path[:-1] if path.endswith("/") else path + "/"
                    return Response(status_code=302, headers={"Location": target})
                if fault == "malformed":
                    return Response('<?xml version="1.0"?><d:multistatus xmlns:d="DAV:"><d:response><d:href>',
                                    status_code=207, media_type="application/xml")
                if fault in ("unauthorized", "forbidden", "not-found"):
                    status = {"unauthorized": 401, "forbidden": 403, "not-found": 404}[fault]
                    return Response("no", status_code=status, media_type="text/plain",
                                    headers={"WWW-Authenticate": 'Basic realm="x"'} if status == 401 else {})
            headers = {k: v for k, v in request.headers.items()
                       if k.lower() in ("authorization", "depth", "content-type", "if-match", "if-none-match")}
            async with httpx.AsyncClient(base_url=self.upstream, timeout=30) as client:
                upstream = await client.request(request.method, path, content=await request.body(), headers=headers)
            body = upstream.content
            if self.fault == "bad-card" and request.method == "REPORT" and b"address-data" in (
                    await request.body()):
                body = _break_first_card(body)
            keep = {k: v for k, v in upstream.headers.items() if k.lower() in ("content-type", "etag", "location")}
            return Response(body, status_code=upstream.status_code, headers=keep)

        methods = ["GET", "PUT", "DELETE", "PROPFIND", "REPORT", "MKCOL", "OPTIONS"]
        return Starlette(routes=[Route("/{path:path}", handle, methods=methods)])


def _break_first_card(body: bytes) -> bytes:
    import xml.etree.ElementTree as ET

    root = ET.fromstring(body)
    for element in root.iter("{urn:ietf:params:xml:ns:carddav}address-data"):
        element.text = "BEGIN:VCARD\r\nVERSION:3.0\r\nthis line has no colon\r\nEND:VCARD\r\n"
        break
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


@pytest.fixture
def proxy(radicale: Radicale) -> Iterator[FaultyProxy]:
    import threading

    import uvicorn

    stub = FaultyProxy(radicale.url)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(stub.app(), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the stub server did not start")
        time.sleep(0.02)
    stub.url = f"http://127.0.0.1:{port}"
    try:
        yield stub
    finally:
        server.should_exit = True
        thread.join(10)
