"""`dialer contacts import|list|search|export|sync`: the address book from the command line.

``dialer contacts sync`` keeps CardDAV address books (Nextcloud, iCloud, Fastmail, any CardDAV server) in
step: ``sync add URL --user NAME --password-stdin [--name LABEL]`` signs in and finds the address books
(the password goes to the system keyring), plain ``sync`` syncs now, ``sync list`` and ``sync remove LABEL``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    """Add this module's sub-commands to the `dialer` parser."""
    parser = sub.add_parser("contacts", help="import, list, search and export contacts")
    commands = parser.add_subparsers(dest="contacts_command", metavar="ACTION", required=True)

    p = commands.add_parser("import", help="import a vCard (.vcf) or CSV file (all or nothing)")
    p.add_argument("file", type=Path)
    p.add_argument("--region", help="country for numbers written without +country code, e.g. GB or US")
    p.set_defaults(func=_import)

    p = commands.add_parser("list", help="list every contact")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_list)

    p = commands.add_parser("search", help="search by name, number digits or dial-pad (T9) digits")
    p.add_argument("query")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_search)

    p = commands.add_parser("export", help="export every contact to a vCard 3.0 file")
    p.add_argument("file", type=Path)
    p.set_defaults(func=_export)

    p = commands.add_parser("sync", help="address books on CardDAV servers: sync now, or add/list/remove one",
                            description="Without an action: sync every address book now and print how many "
                                        "contacts each one added, changed and removed.")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_sync)
    actions = p.add_subparsers(dest="sync_command", metavar="ACTION")
    a = actions.add_parser("add", help="sign in to a CardDAV server and add its address books")
    a.add_argument("url", help="the server's CardDAV address, or its host name (e.g. https://carddav.fastmail.com, "
                               "https://cloud.example.com/remote.php/dav, https://contacts.icloud.com)")
    a.add_argument("--user", required=True, help="the user name (often your e-mail address)")
    a.add_argument("--password-stdin", action="store_true",
                   help="read the password (or app password) from the first line of standard input")
    a.add_argument("--name", help="a label for this address-book account (default: USER at HOST)")
    a.add_argument("--writable", action="store_true",
                   help="allow editing these contacts in the app (changes are written back to the server)")
    a.set_defaults(func=_sync_add)
    a = actions.add_parser("list", help="list the address books and when each last synced")
    a.add_argument("--json", action="store_true", help="machine-readable output")
    a.set_defaults(func=_sync_list)
    a = actions.add_parser("remove", help="forget an address-book account and its contacts (local ones stay)")
    a.add_argument("label")
    a.set_defaults(func=_sync_remove)
    a = actions.add_parser("every", help="how often the window syncs on its own, in minutes (0: only at start "
                                         "and on demand; default 30)")
    a.add_argument("minutes", type=int)
    a.set_defaults(func=_sync_every)


def _fail(message: str) -> int:
    print(f"dialer: {message}", file=sys.stderr)
    return 2


def _open(*, read_only: bool = False) -> Any:
    from dialer.store.contacts import ContactStore
    from dialer.store.db import Database

    if read_only:  # list, search, export: they work in a read-only data folder too
        return ContactStore(Database.open_read_only())
    store = ContactStore(Database.open())
    store.ensure_word_index()
    return store


def _import(args: argparse.Namespace) -> int:
    from dialer.store.db import Database
    from dialer.store.importing import ContactImportError, import_file
    from dialer.store.settings import SettingsStore

    store = _open()
    region = args.region or SettingsStore(store.db).get("default_region")
    try:
        report = import_file(store, args.file, default_region=region.upper() if region else None)
    except ContactImportError as exc:
        return _fail(f"{args.file}: {exc}")
    finally:
        db: Database = store.db
        db.close()
    print(f"Imported {args.file}: {report.added} added, {report.merged} merged into existing contacts, "
          f"{len(report.skipped)} skipped, {len(report.flagged)} number(s) flagged.")
    for what, reason in report.skipped:
        print(f"  skipped  {what}: {reason}")
    for what, reason in report.flagged:
        print(f"  flagged  {what}: {reason}")
    return 0


def _list(args: argparse.Namespace) -> int:
    store = _open(read_only=True)
    try:
        contacts = store.list_all()
    finally:
        store.db.close()
    if args.json:
        print(json.dumps([
            {"id": c.id, "name": c.name, "favourite": c.favourite, "note": c.note,
             "address_book": c.address_book or None, "read_only": c.read_only,
             "numbers": [{"label": n.label, "raw": n.raw, "e164": n.e164, "valid": n.valid} for n in c.numbers]}
            for c in contacts], ensure_ascii=False, indent=2))
        return 0
    for c in contacts:
        star = "*" if c.favourite else " "
        nums = ", ".join(f"{n.display}{f' ({n.label})' if n.label else ''}{'' if n.valid else ' [unverified]'}"
                         for n in c.numbers)
        source = f"  [{c.address_book}]" if c.address_book else ""
        print(f"{star} {c.name}  {nums}{source}")
    if not contacts:
        print("No contacts yet. Import some with: dialer contacts import FILE.vcf")
    return 0


def _search(args: argparse.Namespace) -> int:
    store = _open(read_only=True)
    try:
        matches = store.search(args.query, limit=args.limit)
    finally:
        store.db.close()
    if args.json:
        print(json.dumps([{"contact_id": m.contact_id, "name": m.name, "number": m.number, "label": m.label,
                           "matched_by": m.matched_by} for m in matches], ensure_ascii=False, indent=2))
        return 0
    for m in matches:
        print(f"{m.name}  {m.number}{f' ({m.label})' if m.label else ''}")
    if not matches:
        print(f"No contact matches {args.query!r}.")
    return 0


def _export(args: argparse.Namespace) -> int:
    from dialer.store.exporting import export_vcard

    store = _open(read_only=True)
    try:
        count = export_vcard(store, args.file)
    except OSError as exc:
        return _fail(f"cannot write {args.file}: {exc.strerror or exc}. Choose a folder you can write to.")
    finally:
        store.db.close()
    print(f"Exported {count} contact(s) to {args.file}.")
    return 0


# ------------------------------------------------------------------------------------------ CardDAV sync


def _run(coro: Any) -> int:
    import asyncio

    result: int = asyncio.run(coro)
    return result


def _sync_add(args: argparse.Namespace) -> int:
    from dialer.cli.account_cmd import _Abort, _ask, _stdin_secret

    try:
        password = _stdin_secret("password_stdin") if args.password_stdin else _ask("Password: ", secret=True)
    except _Abort as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return _fail("canceled.")
    return _run(_sync_add_async(args, password))


async def _sync_add_async(args: argparse.Namespace, password: str) -> int:
    from dialer.service import DialerService, ServiceError

    async with await DialerService.open() as service:
        try:
            books = await service.address_books.add(args.url, args.user, password, label=args.name,
                                                    read_only=not args.writable)
        except ServiceError as exc:
            print(f"dialer: {exc}", file=sys.stderr)
            return 1
        label = books[0].account_label
        print(f"Added “{label}”: {len(books)} address book(s): {', '.join(b.name for b in books)}.")
        print("Run `dialer contacts sync` to fetch the contacts.")
        if service.secrets_warning:
            print(f"Note: {service.secrets_warning}", file=sys.stderr)
    return 0


def _sync(args: argparse.Namespace) -> int:
    return _run(_sync_async(args))


async def _sync_async(args: argparse.Namespace) -> int:
    from dialer.service import DialerService

    async with await DialerService.open() as service:
        if not service.address_books.accounts():
            message = "No address books yet. Add one with: dialer contacts sync add URL --user NAME --password-stdin"
            if args.json:
                print("[]")
            else:
                print(message)
            return 0
        results = await service.address_books.sync()
    if args.json:
        print(json.dumps([r.as_dict() for r in results], ensure_ascii=False, indent=2))
    else:
        for r in results:
            where = f"{r.name} ({r.account})"
            if r.error:
                print(f"{where}: not synced: {r.error}")
                continue
            print(f"{where}: {r.added} added, {r.changed} changed, {r.removed} removed"
                  + (" (full sync)" if r.full else ""))
            for href, reason in r.skipped:
                print(f"  skipped {href}: {reason}")
    return 1 if any(r.error for r in results) else 0


def _sync_list(args: argparse.Namespace) -> int:
    return _run(_sync_list_async(args))


async def _sync_list_async(args: argparse.Namespace) -> int:
    from dialer.service import DialerService

    async with await DialerService.open() as service:
        accounts = service.address_books.accounts()
        books = service.address_books.books()
        minutes = service.address_books.sync_minutes
    if args.json:
        print(json.dumps([
            {"label": a.label, "url": a.url, "user": a.username,
             "address_books": [{"name": b.name, "url": b.url, "contacts": b.contacts, "read_only": b.read_only,
                                "synced_at": b.synced_at, "last_error": b.last_error}
                               for b in books if b.account_id == a.id]}
            for a in accounts], ensure_ascii=False, indent=2))
        return 0
    if not accounts:
        print("No address books yet. Add one with: dialer contacts sync add URL --user NAME --password-stdin")
    else:
        print(f"The window syncs at start and every {minutes} minutes." if minutes
              else "The window syncs at start and on demand (automatic sync is off).")
    for a in accounts:
        print(f"{a.label}  ({a.username} at {a.url})")
        for b in (b for b in books if b.account_id == a.id):
            state = f"synced {b.synced_at}" if b.synced_at else "never synced"
            mode = "read-only" if b.read_only else "writable"
            print(f"  {b.name}: {b.contacts} contact(s), {mode}, {state}")
            if b.last_error:
                print(f"    last problem: {b.last_error}")
    return 0


def _sync_remove(args: argparse.Namespace) -> int:
    return _run(_sync_remove_async(args))


async def _sync_remove_async(args: argparse.Namespace) -> int:
    from dialer.service import DialerService, ServiceError

    async with await DialerService.open() as service:
        try:
            removed = await service.address_books.remove(args.label)
        except ServiceError as exc:
            print(f"dialer: {exc}", file=sys.stderr)
            return 1
    print(f"Removed “{args.label}” and its {removed} contact(s); local contacts are unchanged.")
    return 0


def _sync_every(args: argparse.Namespace) -> int:
    return _run(_sync_every_async(args))


async def _sync_every_async(args: argparse.Namespace) -> int:
    from dialer.service import DialerService, ServiceError

    async with await DialerService.open() as service:
        try:
            service.address_books.sync_minutes = args.minutes
        except ServiceError as exc:
            return _fail(str(exc))
    print(f"The window now syncs address books every {args.minutes} minutes." if args.minutes
          else "Automatic sync is off: the window syncs at start and when you click Sync now.")
    return 0
