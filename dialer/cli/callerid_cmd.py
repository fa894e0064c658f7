"""`dialer caller-ids`: the caller IDs an account may show, and its saved default.

RingCentral lists the extension's numbers that may be used as caller ID (and its forwarding numbers, which
may be rung first); Called.in takes any 10-digit number of your own phone's country. The default is saved
per account; `dialer call NUMBER --caller-id +X` chooses one for a single call.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser(
        "caller-ids", help="list the caller IDs an account may show; save its default caller ID",
        description="List the numbers a provider lets the person you call see (RingCentral: the extension's "
                    "caller-ID numbers and, for information, its forwarding numbers that may ring first; "
                    "Called.in: any 10-digit number of your phone's country). With --set or --clear, save "
                    "the account's default caller ID; `dialer call NUMBER --caller-id +X` overrides it for one "
                    "call.")
    p.add_argument("--provider", choices=("ringcentral", "calledin"),
                   help="which account (default: every signed-in account that supports a caller ID)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--set", dest="set_number", metavar="NUMBER",
                       help="save NUMBER (E.164, e.g. +12025550111) as the account's default caller ID")
    group.add_argument("--clear", action="store_true", help="forget the default: the provider's own applies")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_caller_ids)


def _caller_ids(args: argparse.Namespace) -> int:
    import asyncio

    try:
        return asyncio.run(_caller_ids_async(args))
    except KeyboardInterrupt:
        return 130


async def _caller_ids_async(args: argparse.Namespace) -> int:
    from dialer.core import numbers
    from dialer.providers.base import NotSupported, ProviderError
    from dialer.service import AccountError, DialerService

    async with await DialerService.open() as service:
        views = [v for v in service.accounts.list() if v.signed_in and v.capabilities.caller_id
                 and (args.provider is None or v.provider_id == args.provider)]
        if not views:
            which = args.provider or "caller-ID capable (ringcentral, calledin)"
            print(f"dialer: no signed-in {which} account; run `dialer login PROVIDER` first.", file=sys.stderr)
            return 2
        if args.set_number is not None or args.clear:
            if len(views) > 1 and args.provider is None:
                print("dialer: several accounts can show a caller ID; name one with --provider.", file=sys.stderr)
                return 2
            view = views[0]
            try:
                saved = service.accounts.set_caller_id(view.id, None if args.clear else args.set_number,
                                                       region=service.settings.default_region,
                                                       own_number=service.settings.own_number)
            except AccountError as exc:
                print(f"dialer: {exc}", file=sys.stderr)
                return 2
            shown = numbers.format_international(saved) if saved else "the provider's default"
            print(f"{view.display_name}: calls now show {shown}.")
            return 0
        rows: list[dict[str, Any]] = []
        failed = False
        for v in views:
            row: dict[str, Any] = {"id": v.id, "provider": v.provider_id, "label": v.label, "default": v.caller_id}
            try:
                choices = await service.accounts.caller_ids(v.id)
                row.update(caller_ids=[{"number": c.number, "label": c.label} for c in choices.numbers],
                           free_entry=choices.free_entry, note=choices.note)
            except (ProviderError, AccountError) as exc:
                row["error"] = str(exc)
                failed = True
            try:
                row["ring_first"] = [{"number": c.number, "label": c.label, "id": c.ref}
                                     for c in await service.accounts.own_numbers(v.id)]
            except NotSupported:
                pass
            except ProviderError as exc:
                row["ring_first_error"] = str(exc)
            rows.append(row)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 1 if failed else 0
    for r in rows:
        print(f"{r['provider']} ({r['label']})")
        print(f"  Default caller ID: {r['default'] or 'the provider default'}")
        if "error" in r:
            print(f"  Caller IDs: {r['error']}")
        elif r["free_entry"]:
            print("  Caller IDs: any number you enter (dialer call NUMBER --caller-id +X)")
        for c in r.get("caller_ids", []):
            print(f"    {c['number']}  {c['label']}".rstrip())
        if r.get("note"):
            print(f"  Note: {r['note']}")
        if r.get("ring_first"):
            print("  Forwarding numbers (may ring first, dialer call --from):")
            for c in r["ring_first"]:
                print(f"    {c['number']}  {c['label']}".rstrip())
        if r.get("ring_first_error"):
            print(f"  Forwarding numbers: {r['ring_first_error']}")
    return 1 if failed else 0
