"""`dialer history [--json] [--limit N]` and `dialer history export FILE`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from dialer.i18n import _, ngettext


def register(sub: Any) -> None:
    """Add this module's sub-commands to the `dialer` parser."""
    parser = sub.add_parser("history", help=_("show or export the call history (newest first)"))
    parser.add_argument("--json", action="store_true", help=_("machine-readable output"))
    parser.add_argument("--limit", type=int, default=20, help=_("how many calls to show (default 20)"))
    parser.add_argument("--provider", help=_("only calls through this provider"))
    parser.add_argument("--state", help=_("only calls with this outcome, e.g. completed, busy, no-answer"))
    parser.set_defaults(func=_show)
    commands = parser.add_subparsers(dest="history_command", metavar="ACTION")
    p = commands.add_parser("export", help=_("export the call history to a CSV file"))
    p.add_argument("file", type=Path)
    p.set_defaults(func=_export)


def _store() -> Any:
    from dialer.store.db import Database
    from dialer.store.history import HistoryStore

    return HistoryStore(Database.open_read_only())  # reading works in a read-only data folder too


def _filter(args: argparse.Namespace) -> Any:
    from dialer.store.history import HistoryFilter

    provider, state = getattr(args, "provider", None), getattr(args, "state", None)
    return HistoryFilter(provider=provider, state=state) if provider or state else None


def _show(args: argparse.Namespace) -> int:
    if args.limit < 1:
        print(_("dialer: --limit must be at least 1."), file=sys.stderr)
        return 2
    history = _store()
    try:
        rows = history.page(0, args.limit, _filter(args))
    finally:
        history.db.close()
    if args.json:
        print(json.dumps([
            {"id": r.id, "started_at": r.started_at.isoformat(), "destination": r.destination,
             "display_name": r.display_name, "provider": r.provider, "mode": r.mode, "origin": r.origin,
             "state": r.state, "legs": r.legs, "duration_s": r.duration_s,
             "cost": None if r.cost is None else str(r.cost), "currency": r.currency, "error": r.error,
             "finished": r.finished} for r in rows], ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        when = r.started_at.astimezone().strftime("%Y-%m-%d %H:%M")
        who = f"{r.display_name} {r.destination}" if r.display_name else r.destination
        length = f"{r.duration_s // 60}:{r.duration_s % 60:02d}" if r.duration_s else "-"
        cost = f"{r.cost} {r.currency or ''}".strip() if r.cost is not None else ""
        print(f"{when}  {who:<32} {r.state:<10} {length:>6}  {r.provider:<12} {cost}")
    if not rows:
        print(_("No calls yet."))
    return 0


def _export(args: argparse.Namespace) -> int:
    from dialer.store.exporting import export_history_csv

    history = _store()
    try:
        count = export_history_csv(history, args.file, _filter(args))
    except OSError as exc:
        print(_("dialer: cannot write {file}: {reason}. Choose a folder you can write to.").format(
            file=args.file, reason=exc.strerror or exc), file=sys.stderr)
        return 2
    finally:
        history.db.close()
    print(ngettext("Exported {count} call to {file}.", "Exported {count} calls to {file}.", count).format(
        count=count, file=args.file))
    return 0
