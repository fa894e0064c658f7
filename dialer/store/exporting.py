"""Export contacts to vCard 3.0 and call history to CSV (written to a temporary file, then renamed)."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from dialer.store.contacts import Contact, ContactStore
from dialer.store.history import HistoryFilter, HistoryStore

_TYPE_FOR_LABEL = {"mobile": "CELL", "iphone": "CELL,IPHONE", "work": "WORK", "home": "HOME",
                   "main": "MAIN", "fax": "FAX", "work fax": "WORK,FAX", "home fax": "HOME,FAX",
                   "pager": "PAGER", "other": "OTHER", "car": "CAR", "video": "VIDEO", "text": "TEXT"}
_PAGE = 1000


@contextmanager
def _atomic(path: Path, newline: str | None = None) -> Iterator[IO[str]]:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with tmp.open("w", encoding="utf-8", newline=newline) as handle:
            yield handle
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """A CSV cell a spreadsheet shows as text, never runs: ``=HYPERLINK(...)`` in a contact's name would be
    a live formula in Excel or LibreOffice (OWASP "CSV injection"). A leading ``'`` makes it text; it also
    keeps ``+44 20...`` a phone number rather than the number 442079460958."""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def _escape(value: str) -> str:
    return (value.replace("\\", "\\\\").replace("\n", "\\n").replace(",", "\\,").replace(";", "\\;"))


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 6350 3.2) without splitting a UTF-8 character."""
    out: list[str] = []
    current, size = "", 0
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > 75:
            out.append(current)
            current, size = " ", 1
        current += ch
        size += width
    out.append(current)
    return "\r\n".join(out)


def vcard_text(contact: Contact) -> str:
    words = contact.name.split()
    family = words[-1] if len(words) > 1 else ""
    given = " ".join(words[:-1]) if len(words) > 1 else contact.name
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"FN:{_escape(contact.name)}",
             f"N:{_escape(family)};{_escape(given)};;;"]
    for index, number in enumerate(contact.numbers, start=1):
        value = number.e164 if number.valid and number.e164 else number.raw
        types = _TYPE_FOR_LABEL.get(number.label.lower())
        if types is not None or not number.label:
            lines.append(f"TEL;TYPE={types or 'VOICE'}:{value}")
        else:  # a custom label: Apple's item-group convention, which most address books read
            lines.append(f"item{index}.TEL;TYPE=VOICE:{value}")
            lines.append(f"item{index}.X-ABLabel:{_escape(number.label)}")
    if contact.note:
        lines.append(f"NOTE:{_escape(contact.note)}")
    if contact.favourite:
        lines.append("X-DIALER-FAVOURITE:1")
    lines.append("END:VCARD")
    return "".join(_fold(line) + "\r\n" for line in lines)


def export_vcard(store: ContactStore, path: Path) -> int:
    """Write every contact to ``path`` as vCard 3.0; returns how many were written."""
    written = 0
    with _atomic(path, newline="") as out:
        offset = 0
        while batch := store.list_all(limit=_PAGE, offset=offset):
            for contact in batch:
                out.write(vcard_text(contact))
                written += 1
            offset += len(batch)
    return written


HISTORY_COLUMNS = ["started_at", "destination", "display_name", "provider", "mode", "origin", "state",
                   "duration_s", "cost", "currency", "answered_at", "ended_at", "error"]


def export_history_csv(history: HistoryStore, path: Path, filter: HistoryFilter | None = None) -> int:
    """Write the (filtered) call history to ``path`` as CSV, newest first; returns the row count."""
    written = 0
    with _atomic(path, newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HISTORY_COLUMNS)
        last = None
        while batch := history.page_before(last, _PAGE, filter):
            for row in batch:
                values = []
                for column in HISTORY_COLUMNS:
                    value = getattr(row, column)
                    values.append("" if value is None else value.isoformat() if hasattr(value, "isoformat")
                                  else spreadsheet_safe(str(value)))
                writer.writerow(values)
                written += 1
            last = batch[-1]
    return written
