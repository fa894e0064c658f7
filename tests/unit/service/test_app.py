"""DialerService wiring: settings, contacts import/export off the loop, history export, accounts listing."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from dialer.core.calls import CallMode, Origin
from dialer.providers.secretstore import MemorySecretStore
from dialer.service import DialError, DialerService
from dialer.store.contacts import Contact, ContactNumber

VCARD = """BEGIN:VCARD
VERSION:3.0
FN:Alice Example
TEL;TYPE=CELL:+44 20 7946 0958
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Bob Example
TEL;TYPE=WORK:+1 201 555 0123
END:VCARD
"""


def test_settings_round_trip_with_types(dialer_home: Path) -> None:
    async def body() -> None:
        service = await DialerService.open(home=dialer_home, secrets=MemorySecretStore())
        try:
            s = service.settings
            assert (s.own_number, s.default_mode, s.confirm_all, s.max_minutes) == (None, None, False, None)
            s.own_number = "+14155559876"
            s.default_mode = CallMode.DIRECT
            s.confirm_all = True
            s.max_minutes = 15
            s.default_region = "gb"
            assert (s.own_number, s.default_mode, s.confirm_all, s.max_minutes, s.default_region) == (
                "+14155559876", CallMode.DIRECT, True, 15, "GB")
            s.own_number = None
            assert s.own_number is None
            assert service.secrets_warning is None
        finally:
            await service.aclose()

    asyncio.run(body())


def test_contacts_import_runs_off_the_loop_and_exports_again(dialer_home: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.vcf"
    source.write_text(VCARD)
    target = tmp_path / "out.vcf"
    progress_threads: list[str] = []

    async def body() -> tuple[int, int, list[str]]:
        service = await DialerService.open(home=dialer_home, secrets=MemorySecretStore())
        try:
            report = await service.contacts.import_file(
                str(source), lambda done, total: progress_threads.append(threading.current_thread().name))
            written = await service.contacts.export_vcard(target)
            names = [m.name for m in service.contacts.search("ali")]
            return report.added, written, names
        finally:
            await service.aclose()

    added, written, names = asyncio.run(body())
    assert (added, written, names) == (2, 2, ["Alice Example"])
    assert progress_threads and threading.main_thread().name not in progress_threads
    assert "Bob Example" in target.read_text()


def test_contact_names_appear_in_call_plans_and_no_account_is_refused(dialer_home: Path) -> None:
    async def body() -> None:
        service = await DialerService.open(home=dialer_home, secrets=MemorySecretStore())
        try:
            service.contacts.add(Contact(id=None, name="Carol",
                                         numbers=[ContactNumber.parse("+12015550123", "cell")]))
            assert service.contacts.name_for("+12015550123") == "Carol"
            assert service.accounts.list() == []
            with pytest.raises(DialError, match="No account is signed in"):
                service.calls.prepare("+12015550123", origin=Origin.WINDOW)
            assert service.history.count() == 0
            assert service.history.recent_numbers(5) == []
        finally:
            await service.aclose()

    asyncio.run(body())
