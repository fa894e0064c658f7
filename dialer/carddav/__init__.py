"""CardDAV (RFC 6352) address books: discovery (RFC 6764), sync (RFC 6578), write-back.

The protocol only: no database, no Qt. :class:`dialer.service.addressbooks.AddressBookService` uses it to
keep the store in step with the user's address books.
"""

from __future__ import annotations

from dialer.carddav._xml import href_key
from dialer.carddav.client import (
    AccessDenied,
    AddressBookInfo,
    AuthFailed,
    BadResponse,
    Card,
    CardDavClient,
    CardDavError,
    EditConflict,
    Fetched,
    InsecureURL,
    Listing,
    NotCardDav,
    NotFound,
    RedirectLoop,
    ServerFailed,
    SyncTokenExpired,
    Unreachable,
    check_url,
    normalise_start_url,
)
from dialer.carddav.presets import PRESETS, Preset

__all__ = [
    "PRESETS",
    "AccessDenied",
    "AddressBookInfo",
    "AuthFailed",
    "BadResponse",
    "Card",
    "CardDavClient",
    "CardDavError",
    "EditConflict",
    "Fetched",
    "InsecureURL",
    "Listing",
    "NotCardDav",
    "NotFound",
    "Preset",
    "RedirectLoop",
    "ServerFailed",
    "SyncTokenExpired",
    "Unreachable",
    "check_url",
    "href_key",
    "normalise_start_url",
]
