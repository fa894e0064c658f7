"""Broken or hostile servers: every failure is one clear message, and what was synced before stays.

Radicale answers the 401/403/404 cases itself; the rest come from a small Starlette proxy in front of it
(``proxy``) that forwards to Radicale until a fault is switched on.
"""

from __future__ import annotations

import re

import pytest

from dialer.service.addressbooks import AddressBookError
from tests.integration.carddav.conftest import App, Dav, FaultyProxy
from tests.integration.carddav.test_sync import names, run

BEFORE = {"Ann Smith": ["+442079460958"], "Bob Jones": ["+12125550123"]}


def _synced_through(proxy: FaultyProxy, dav: Dav, app: App) -> str:
    book = dav.mkbook("family", "Family")
    dav.put(book, "ann", "Ann Smith", "+44 20 7946 0958")
    dav.put(book, "bob", "Bob Jones", "+1 212 555 0123")
    run(app.books.add(proxy.url, dav.user, dav.password, label="Proxy"))
    [first] = run(app.books.sync())
    assert first.error is None and names(app) == BEFORE
    return book


def test_wrong_password_is_refused_by_name(dav: Dav, app: App) -> None:
    with pytest.raises(AddressBookError, match=r"refused the user name or password \(401\)"):
        run(app.books.add(dav.server.url, dav.user, "not-the-password"))
    assert app.books.books() == [] and app.secrets.items == {}


def test_another_users_address_book_is_403(dav: Dav, app: App) -> None:
    dav.mkbook("family", "Family")
    dav.server.add_user("someone-else", "pw-else")
    other = Dav(dav.server, "someone-else", "pw-else")
    try:
        with pytest.raises(AddressBookError, match=r"refused access \(403\)"):
            run(app.books.add(f"{dav.server.url}/{dav.user}/family/", "someone-else", "pw-else"))
    finally:
        other.close()


def test_an_address_that_does_not_exist_is_404(dav: Dav, app: App) -> None:
    with pytest.raises(AddressBookError, match=r"Nothing found at .*/no-such-book/ \(404\)"):
        run(app.books.add(f"{dav.server.url}/{dav.user}/no-such-book/", dav.user, dav.password))


@pytest.mark.parametrize(("fault", "message"), [
    ("html", "answered with a web page, not an address book"),
    ("server-error", r"failed with an internal error \(500\).*Try again later"),
    ("redirect-loop", "keeps redirecting"),
    ("malformed", "sent an answer the app cannot read.*not well-formed XML"),
    ("unauthorized", r"refused the user name or password \(401\)"),
    ("forbidden", r"refused access \(403\)"),
    ("not-found", r"\(404\)"),
])
def test_a_failing_sync_keeps_what_was_synced_before(proxy: FaultyProxy, dav: Dav, app: App, fault: str,
                                                     message: str) -> None:
    book = _synced_through(proxy, dav, app)
    dav.put(book, "cat", "Cat Brown", "+33 1 23 45 67 89")
    proxy.fault = fault
    [result] = run(app.books.sync())
    assert result.error is not None
    assert result.error == app.books.books()[0].last_error  # shown in the contacts tab
    assert result.added + result.changed + result.removed == 0
    assert re.search(message, result.error), result.error
    assert names(app) == BEFORE
    proxy.fault = None  # the server recovers: the next sync catches up and clears the error
    [healed] = run(app.books.sync())
    assert (healed.added, healed.error) == (1, None)
    assert app.books.books()[0].last_error is None
    assert "Cat Brown" in names(app)


@pytest.mark.parametrize(("fault", "message"), [
    ("html", "answered with a web page"),
    ("redirect-loop", "keeps redirecting"),
    ("malformed", "cannot read"),
    ("server-error", r"\(500\)"),
])
def test_adding_an_address_book_from_a_broken_server_says_why(proxy: FaultyProxy, dav: Dav, app: App,
                                                              fault: str, message: str) -> None:
    dav.mkbook("family", "Family")
    proxy.fault = fault
    with pytest.raises(AddressBookError, match=message):
        run(app.books.add(proxy.url, dav.user, dav.password))
    assert app.books.books() == [] and app.secrets.items == {}


def test_a_vcard_that_does_not_parse_is_skipped_and_named(proxy: FaultyProxy, dav: Dav, app: App) -> None:
    book = _synced_through(proxy, dav, app)
    dav.put(book, "ann", "Ann Changed", "+44 20 7946 0000")
    proxy.fault, proxy.methods = "bad-card", {"REPORT"}
    [result] = run(app.books.sync())
    assert result.error is None
    assert len(result.skipped) == 1 and "ann.vcf" in result.skipped[0][0]
    assert "not a valid vCard" in result.skipped[0][1]
    assert names(app) == BEFORE  # Ann as she was synced before
    assert "could not be read" in (app.books.books()[0].last_error or "")


def test_plain_http_to_another_host_is_refused(app: App) -> None:
    with pytest.raises(AddressBookError, match="unencrypted"):
        run(app.books.add("http://contacts.example.com/dav/", "me", "secret"))
