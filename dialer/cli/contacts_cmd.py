"""`dialer contacts import|list|search|export`: the address book from the command line."""

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
             "numbers": [{"label": n.label, "raw": n.raw, "e164": n.e164, "valid": n.valid} for n in c.numbers]}
            for c in contacts], ensure_ascii=False, indent=2))
        return 0
    for c in contacts:
        star = "*" if c.favourite else " "
        nums = ", ".join(f"{n.display}{f' ({n.label})' if n.label else ''}{'' if n.valid else ' [unverified]'}"
                         for n in c.numbers)
        print(f"{star} {c.name}  {nums}")
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
