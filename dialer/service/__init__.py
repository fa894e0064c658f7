"""Asyncio orchestration below the UI: accounts, calls, contacts, history (no Qt).

The UI and the CLI use only the names exported here; see :class:`DialerService`.
"""

from __future__ import annotations

from dialer.service.accounts import AccountService
from dialer.service.active import AccountView, ActiveCall, CallPlan
from dialer.service.addressbooks import AddressBookError, AddressBookService, SyncResult, WriteConflict
from dialer.service.app import DialerService
from dialer.service.calls import CallService
from dialer.service.errors import AccountError, DialError, ServiceError
from dialer.service.events import CallEvent
from dialer.service.followlimit import FollowLimits
from dialer.service.library import ContactService, HistoryService
from dialer.service.settings import Settings

__all__ = [
    "AccountError",
    "AccountService",
    "AccountView",
    "ActiveCall",
    "AddressBookError",
    "AddressBookService",
    "CallEvent",
    "CallPlan",
    "CallService",
    "ContactService",
    "DialError",
    "DialerService",
    "FollowLimits",
    "HistoryService",
    "ServiceError",
    "Settings",
    "SyncResult",
    "WriteConflict",
]
