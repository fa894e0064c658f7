"""Address books against a real CardDAV server (Radicale): discovery, first and incremental sync,
expired tokens, write-back with ETags and conflicts. The store is checked after every step."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from tests.integration.carddav.conftest import App, Dav

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(asyncio.wait_for(coro, 60))


def names(app: App) -> dict[str, list[str]]:
    """Every contact as the user sees it: name -> numbers."""
    return {c.name: [n.display for n in c.numbers] for c in app.contacts.list_all()}


def test_discovery_from_the_host_finds_every_address_book(dav: Dav, app: App) -> None:
    dav.mkbook("family", "Family")
    dav.mkbook("work", "Work")
    books = run(app.books.add(dav.server.url, dav.user, dav.password, label="Home server"))
    assert sorted(b.name for b in books) == ["Family", "Work"]
    assert all(b.account_label == "Home server" and b.read_only for b in books)
    assert app.secrets.get(f"carddav:{books[0].account_id}", "password") == dav.password


def test_first_sync_then_add_change_delete_on_the_server(dav: Dav, app: App) -> None:
    book = dav.mkbook("family", "Family")
    dav.put(book, "ann", "Ann Smith", "+44 20 7946 0958")
    etag = dav.put(book, "bob", "Bob Jones", "+1 212 555 0123")
    dav.put(book, "cat", "Cat Brown", "+33 1 23 45 67 89")
    run(app.books.add(dav.server.url + f"/{dav.user}/", dav.user, dav.password, label="Radicale"))

    [first] = run(app.books.sync())
    assert (first.added, first.changed, first.removed, first.error, first.full) == (3, 0, 0, None, True)
    assert names(app) == {"Ann Smith": ["+442079460958"], "Bob Jones": ["+12125550123"],
                          "Cat Brown": ["+33123456789"]}
    assert app.contacts.search("bob")[0].address_book == "Family"
    assert app.contacts.search("262")[0].name == "Bob Jones"  # T9 for "Bob"

    dav.put(book, "dan", "Dan White", "+49 30 901820")
    dav.put(book, "bob", "Robert Jones", "+1 212 555 0199", etag=etag)
    dav.delete(book, "cat")
    [second] = run(app.books.sync())
    assert (second.added, second.changed, second.removed, second.error, second.full) == (1, 1, 1, None, False)
    assert names(app) == {"Ann Smith": ["+442079460958"], "Robert Jones": ["+12125550199"],
                          "Dan White": ["+4930901820"]}

    [third] = run(app.books.sync())  # nothing changed: nothing fetched, nothing touched
    assert (third.added, third.changed, third.removed, third.error) == (0, 0, 0, None)
    assert app.contacts.count() == 3
