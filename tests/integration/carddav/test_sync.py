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


def _add_and_sync(dav: Dav, app: App, *, read_only: bool = True) -> str:
    book = dav.mkbook("family", "Family")
    dav.put(book, "ann", "Ann Smith", "+44 20 7946 0958")
    dav.put(book, "bob", "Bob Jones", "+1 212 555 0123")
    run(app.books.add(dav.server.url, dav.user, dav.password, label="Radicale", read_only=read_only))
    [result] = run(app.books.sync())
    assert result.added == 2 and result.error is None
    return book


def test_an_expired_sync_token_falls_back_to_a_full_sync_without_duplicates(dav: Dav, app: App) -> None:
    book = _add_and_sync(dav, app)
    [stored] = app.books.books()
    assert stored.sync_token
    # The server forgets the token (Radicale answers 403 with DAV:valid-sync-token for one it does not know).
    app.db.execute("UPDATE address_books SET sync_token = ? WHERE id = ?",
                   ("http://radicale.org/ns/sync/" + "0" * 64, stored.id))
    dav.put(book, "cat", "Cat Brown", "+33 1 23 45 67 89")
    dav.delete(book, "ann")
    [result] = run(app.books.sync())
    assert result.error is None and result.full
    assert (result.added, result.removed) == (1, 1)
    assert sorted(names(app)) == ["Bob Jones", "Cat Brown"]
    assert app.books.books()[0].sync_token not in (None, stored.sync_token)


def test_removing_an_address_book_keeps_local_contacts(dav: Dav, app: App) -> None:
    from dialer.store.contacts import Contact, ContactNumber

    _add_and_sync(dav, app)
    app.contacts.add(Contact(None, "Local Lucy", [ContactNumber.parse("+14155550100")]))
    assert app.contacts.count() == 3
    assert run(app.books.remove("Radicale")) == 2
    assert names(app) == {"Local Lucy": ["+14155550100"]}
    assert app.books.books() == []
    assert app.secrets.items == {}


def test_synced_contacts_are_read_only_by_default(dav: Dav, app: App) -> None:
    import pytest

    from dialer.store.contacts import ReadOnlyContact

    _add_and_sync(dav, app)
    ann = next(c for c in app.contacts.list_all() if c.name == "Ann Smith")
    assert ann.read_only and ann.address_book == "Family"
    ann.name = "Annie"
    with pytest.raises(ReadOnlyContact, match="Family"):
        app.contacts.update(ann)
    with pytest.raises(ReadOnlyContact, match="delete it there"):
        app.contacts.delete(ann.id)
    ann.name = "Ann Smith"
    ann.favourite = True  # the star is the user's own mark: allowed
    app.contacts.update(ann)
    assert app.contacts.get(ann.id).favourite
    with pytest.raises(ReadOnlyContact):
        run(app.books.save(ann))


def test_write_back_puts_with_if_match_and_keeps_other_fields(dav: Dav, app: App) -> None:
    book = dav.mkbook("family", "Family")
    dav.put(book, "ann", "Ann Smith", "+44 20 7946 0958", extra="EMAIL:ann@example.org\r\n")
    run(app.books.add(dav.server.url, dav.user, dav.password, label="Radicale", read_only=False))
    run(app.books.sync())
    ann = app.contacts.list_all()[0]
    assert not ann.read_only
    ann.favourite = True
    from dialer.store.contacts import ContactNumber

    ann.numbers.append(ContactNumber.parse("+1 212 555 0123", "work"))
    saved = run(app.books.save(ann))
    assert [n.display for n in saved.numbers] == ["+442079460958", "+12125550123"]
    assert saved.favourite
    on_server = dav.get(book, "ann").text
    assert "ann@example.org" in on_server and "+12125550123" in on_server and "UID:ann" in on_server
    # The new ETag was stored: the next sync sees nothing new, and a second save is accepted.
    [result] = run(app.books.sync())
    assert (result.added, result.changed, result.removed) == (0, 0, 0)
    saved.name = "Ann Smith-Jones"
    assert run(app.books.save(saved)).name == "Ann Smith-Jones"
    assert "FN:Ann Smith-Jones" in dav.get(book, "ann").text


def test_a_412_conflict_refetches_and_never_overwrites(dav: Dav, app: App) -> None:
    import pytest

    from dialer.service.addressbooks import WriteConflict

    book = dav.mkbook("family", "Family")
    etag = dav.put(book, "ann", "Ann Smith", "+44 20 7946 0958")
    run(app.books.add(dav.server.url, dav.user, dav.password, label="Radicale", read_only=False))
    run(app.books.sync())
    ann = app.contacts.list_all()[0]
    dav.put(book, "ann", "Ann Smith", "+44 20 7946 0000", etag=etag)  # another device edits first
    ann.name = "Ann Mine"
    with pytest.raises(WriteConflict, match=r"changed .* by someone else"):
        run(app.books.save(ann))
    assert "Ann Mine" not in dav.get(book, "ann").text  # nothing overwritten
    assert names(app) == {"Ann Smith": ["+442079460000"]}  # the user now sees the server's version
    again = app.contacts.list_all()[0]
    again.name = "Ann Mine"
    assert run(app.books.save(again)).name == "Ann Mine"  # with the fresh ETag the edit goes through
