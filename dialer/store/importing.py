"""Import contacts from vCard (2.1 / 3.0 / 4.0) and CSV (Google, Outlook, plain ``name,number``) files.

The whole file is parsed before anything is written, and everything is written in one transaction: a
malformed file imports nothing and raises :class:`ContactImportError` naming the line or card and why.
A card sharing a number (E.164) with a stored contact is merged into it rather than duplicated. A number
that does not validate is kept exactly as written and listed in ``ImportReport.flagged``, never dropped.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dialer.store.contacts import Contact, ContactNumber, ContactStore

Progress = Callable[[int, int], None]


class ContactImportError(ValueError):
    """The file cannot be imported; the message names the file position and the reason."""


@dataclass
class ImportReport:
    added: int = 0
    merged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (what, reason)
    flagged: list[tuple[str, str]] = field(default_factory=list)  # (number as written, reason)


@dataclass
class _Parsed:
    """A contact read from the file, before it is matched against the store."""

    where: str  # "card 3 (line 17)" / "row 5"
    name: str
    numbers: list[tuple[str, str]]  # (label, raw)
    note: str = ""
    favourite: bool = False


ParsedContact = _Parsed


# ------------------------------------------------------------------------------------------- decoding


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ContactImportError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ContactImportError(
                f"{path.name} says it is UTF-16 text but is damaged near byte {exc.start}; export it again "
                "(as UTF-8 if you can).") from None
    if _looks_like_utf16_without_bom(data):
        try:
            return data.decode("utf-16-le" if data[1:2] == b"\x00" else "utf-16-be")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode(legacy_encoding(data), errors="replace")  # Outlook's CSV export on Windows


def _looks_like_utf16_without_bom(data: bytes) -> bool:
    sample = data[:4096]
    if len(sample) < 4:
        return False
    zeros_even, zeros_odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    return max(zeros_even, zeros_odd) > half * 0.4 and min(zeros_even, zeros_odd) < half * 0.05


def legacy_encoding(data: bytes) -> str:
    """cp1251 (Cyrillic Windows: Ukrainian, Russian, Bulgarian Outlook) or cp1252 (Western Windows).

    Both map every byte, so neither fails to decode; they differ in what the bytes 0xC0-0xFF mean: А-я in
    cp1251, accented Latin letters in cp1252. Western text has a few accented letters inside mostly-ASCII
    words ("José", "Müller"); Cyrillic text has whole words of high bytes. So: count the words that are
    made of high bytes only (two or more) against the words that mix high bytes with ASCII letters.
    """
    whole = mixed = 0
    word = bytearray()
    for byte in data[:65536] + b" ":
        if byte >= 0xC0 or byte in (0xA8, 0xB8, 0xAA, 0xBA, 0xAF, 0xBF, 0xB2, 0xB3, 0xA5, 0xB4) or (
                0x41 <= byte <= 0x5A or 0x61 <= byte <= 0x7A):
            word.append(byte)
            continue
        if word:
            high = sum(1 for b in word if b >= 0x80)
            if high >= 2 and high == len(word):
                whole += 1
            elif high:
                mixed += 1
            word.clear()
    return "cp1251" if whole > mixed else "cp1252"


def _is_vcard(text: str) -> bool:
    return text.lstrip().upper().startswith("BEGIN:VCARD")


# --------------------------------------------------------------------------------------------- vCard

_LABELS = {"cell": "mobile", "mobile": "mobile", "iphone": "iPhone", "work": "work", "home": "home",
           "main": "main", "fax": "fax", "pager": "pager", "other": "other", "car": "car", "video": "video",
           "text": "text", "textphone": "textphone", "msg": "msg", "isdn": "isdn"}
_APPLE_LABEL = re.compile(r"^_\$!<(.*)>!\$_$")


def _tel_label(tel: Any, group_labels: dict[str, str]) -> str:
    if tel.group and tel.group.lower() in group_labels:
        return group_labels[tel.group.lower()]
    types: list[str] = []
    for value in [*tel.params.get("TYPE", []), *tel.singletonparams]:
        types += [t.strip().strip('"').lower() for t in str(value).split(",")]
    if "iphone" in types:
        return "iPhone"
    labels = [_LABELS[t] for t in types if t in _LABELS]
    if "fax" in labels:
        return ("work fax" if "work" in labels else "home fax" if "home" in labels else "fax")
    return labels[0] if labels else ""


def _tel_raw(tel: Any) -> str:
    value = str(tel.value).strip()
    if value.lower().startswith("tel:"):  # vCard 4.0 VALUE=uri: keep the number and any ;ext=
        value = value[4:]
    return value


def _card_name(card: Any) -> str:
    contents = card.contents
    if "fn" in contents and str(contents["fn"][0].value).strip():
        return str(contents["fn"][0].value).strip()
    if "n" in contents:
        n = contents["n"][0].value
        parts = [getattr(n, a, "") for a in ("prefix", "given", "additional", "family", "suffix")]
        joined = " ".join(" ".join(p) if isinstance(p, list) else str(p) for p in parts)
        if joined.strip():
            return " ".join(joined.split())
    if "org" in contents:
        org = contents["org"][0].value
        org_name = " ".join(str(o) for o in org if o) if isinstance(org, list) else str(org)
        if org_name.strip():
            return org_name.strip()
    if "nickname" in contents and str(contents["nickname"][0].value).strip():
        return str(contents["nickname"][0].value).strip()
    return ""


def _error_position(text: str, exc: Exception) -> str:
    """"line N (card M)" for a vobject error (its own line numbers are unreliable, so find the line)."""
    lines = text.split("\n")
    message = str(exc.args[0]) if exc.args else ""
    bad = message.split("Failed to parse line:", 1)[1].strip() if "Failed to parse line:" in message else None
    number = next((i for i, ln in enumerate(lines, 1) if bad is not None and ln.strip() == bad), None)
    if number is None:
        number = min(int(getattr(exc, "lineNumber", 0) or 0), len(lines)) or None
    if number is None:
        return "the file"
    card = sum(1 for ln in lines[:number] if ln.strip().upper() == "BEGIN:VCARD")
    return f"line {number} (card {card})" if card else f"line {number}"


def _from_card(card: Any, where: str) -> _Parsed:
    group_labels: dict[str, str] = {}
    for label in card.contents.get("x-ablabel", []):
        if label.group:
            value = str(label.value)
            match = _APPLE_LABEL.match(value)
            group_labels[label.group.lower()] = match.group(1).lower() if match else value
    numbers = [(_tel_label(tel, group_labels), _tel_raw(tel)) for tel in card.contents.get("tel", [])]
    note = str(card.contents["note"][0].value) if "note" in card.contents else ""
    favourite = any(str(x.value).strip() == "1" for x in card.contents.get("x-dialer-favourite", []))
    return _Parsed(where, _card_name(card), numbers, note, favourite)


def parse_card(text: str, where: str = "the card") -> ParsedContact:
    """Read one vCard (a CardDAV address object); :class:`ContactImportError` names why it cannot be read."""
    import vobject

    from dialer.store import vcard_lines

    text = text.replace("\r\n", "\n").replace("\r", "\n")
    fast = vcard_lines.read(text)
    if fast is not None:
        return _from_card(fast, where)
    try:
        cards = list(vobject.readComponents(text, ignoreUnreadable=False))
        if len(cards) != 1 or cards[0].name.upper() != "VCARD":
            raise ContactImportError(f"{where} is not one vCard (BEGIN:VCARD ... END:VCARD).")
        return _from_card(cards[0], where)
    except ContactImportError:
        raise
    except Exception as exc:  # vobject raises assorted errors on broken cards
        reason = exc.args[0] if exc.args else type(exc).__name__
        raise ContactImportError(f"{where} is not a valid vCard: {reason}.") from exc


def contact_numbers(item: ParsedContact, region: str | None) -> list[ContactNumber]:
    """The card's numbers, normalised (E.164 when valid), without repeats."""
    numbers: list[ContactNumber] = []
    seen: set[str] = set()
    for label, raw in item.numbers:
        number = ContactNumber.parse(raw, label, region)
        key = number.e164 or number.raw
        if key in seen:
            continue
        seen.add(key)
        numbers.append(number)
    return numbers


def _parse_vcards(text: str) -> list[_Parsed]:
    import vobject
    from vobject.base import ParseError

    text = text.replace("\r\n", "\n").replace("\r", "\n")  # vobject counts CRLF as two lines
    parsed: list[_Parsed] = []
    try:
        for index, card in enumerate(vobject.readComponents(text, ignoreUnreadable=False), start=1):
            if card.name.upper() != "VCARD":
                raise ContactImportError(f"Card {index}: expected BEGIN:VCARD, found BEGIN:{card.name}.")
            parsed.append(_from_card(card, f"card {index}"))
    except ParseError as exc:
        where = _error_position(text, exc)
        raise ContactImportError(f"Not a valid vCard file at {where}: {exc.args[0] if exc.args else exc}. "
                                 "Nothing was imported; fix or re-export the file.") from exc
    except ContactImportError:
        raise
    except Exception as exc:  # vobject raises assorted errors on broken cards
        raise ContactImportError(f"Not a valid vCard file (card {len(parsed) + 1}): {exc}. "
                                 "Nothing was imported; fix or re-export the file.") from exc
    if not parsed:
        raise ContactImportError("The file contains no contacts (no BEGIN:VCARD ... END:VCARD).")
    return parsed


# ----------------------------------------------------------------------------------------------- CSV

_OUTLOOK_PHONES = {"mobile phone": "mobile", "business phone": "work", "business phone 2": "work",
                   "home phone": "home", "home phone 2": "home", "primary phone": "main",
                   "company main phone": "main", "other phone": "other", "car phone": "car",
                   "business fax": "work fax", "home fax": "home fax", "pager": "pager"}
_NAME_HEADERS = ("name", "full name", "display name", "contact")
_NUMBER_HEADERS = ("number", "phone", "phone number", "telephone", "tel", "mobile")


def _google_row(row: dict[str, str]) -> tuple[str, list[tuple[str, str]]]:
    name = (row.get("name") or "").strip()
    if not name:
        parts = [row.get(k, "") for k in ("name prefix", "given name", "first name", "additional name",
                                          "middle name", "family name", "last name", "name suffix")]
        name = " ".join(" ".join(parts).split())
    if not name:
        name = (row.get("organization 1 - name") or row.get("organization name") or row.get("company")
                or row.get("nickname") or "").strip()
    numbers: list[tuple[str, str]] = []
    index = 1
    while f"phone {index} - value" in row:
        label = (row.get(f"phone {index} - type") or row.get(f"phone {index} - label") or "").strip()
        label = label.lstrip("* ").strip().lower()
        for value in (row.get(f"phone {index} - value") or "").split(":::"):
            if value.strip():
                numbers.append((label, value.strip()))
        index += 1
    for column, value in row.items():  # Outlook: one column per kind of phone, in the file's order
        if column in _OUTLOOK_PHONES and (value or "").strip():
            numbers.append((_OUTLOOK_PHONES[column], value.strip()))
    return name, numbers


def _parse_csv(text: str) -> list[_Parsed]:
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = list(csv.reader(io.StringIO(text), dialect))
    except csv.Error as exc:
        raise ContactImportError(f"Not a valid CSV file: {exc}. Nothing was imported.") from exc
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise ContactImportError("The file is empty: no contacts to import.")
    header = [h.strip().lower() for h in rows[0]]
    parsed: list[_Parsed] = []
    structured = any(h.startswith("phone 1 - value") for h in header) or any(h in _OUTLOOK_PHONES for h in header)
    if structured:
        for line, values in enumerate(rows[1:], start=2):
            if len(values) > len(header):
                raise ContactImportError(f"Row {line} has {len(values)} columns but the header has "
                                         f"{len(header)}. Nothing was imported; check the file's quoting.")
            name, numbers = _google_row(dict(zip(header, values, strict=False)))
            parsed.append(_Parsed(f"row {line}", name, numbers))
        return parsed
    has_header = not any(ch.isdigit() for ch in "".join(rows[0][1:2])) and len(rows[0]) >= 2
    name_col, number_col = 0, 1
    if has_header:
        name_col = next((i for i, h in enumerate(header) if h in _NAME_HEADERS), 0)
        number_col = next((i for i, h in enumerate(header) if h in _NUMBER_HEADERS), 1)
    for line, values in enumerate(rows[1:] if has_header else rows, start=2 if has_header else 1):
        if len(values) <= max(name_col, number_col):
            raise ContactImportError(f"Row {line} has {len(values)} column(s); expected a name and a number "
                                     "separated by a comma. Nothing was imported.")
        raw = values[number_col].strip()
        parsed.append(_Parsed(f"row {line}", values[name_col].strip(), [("", raw)] if raw else []))
    return parsed


# -------------------------------------------------------------------------------------------- storing


def parse_file(path: Path) -> list[_Parsed]:
    """Read every contact from ``path`` (vCard or CSV) without touching the store."""
    text = _read_text(path)
    if _is_vcard(text):
        return _parse_vcards(text)
    if path.suffix.lower() in (".vcf", ".vcard"):
        raise ContactImportError(f"{path.name} does not start with BEGIN:VCARD: it is not a vCard file.")
    return _parse_csv(text)


def _flag_reason(number: ContactNumber, region: str | None) -> str:
    if number.e164 is None and not number.raw.lstrip().startswith("+") and region is None:
        return "no country code: kept as written; add +country code or set a default region"
    return "not a valid phone number: kept as written"


def _store(store: ContactStore, items: Iterable[_Parsed], total: int, region: str | None,
           progress: Progress | None) -> ImportReport:
    report = ImportReport()
    with store.db.transaction():
        for done, item in enumerate(items, start=1):
            numbers = contact_numbers(item, region)
            if not numbers:
                report.skipped.append((item.name or item.where, "no phone number"))
            else:
                name = item.name or numbers[0].raw
                existing = next((c for n in numbers
                                 if n.e164 and (c := store.find_by_number(n.e164, local_only=True))), None)
                if existing is not None:
                    known = {n.e164 or n.raw for n in existing.numbers}
                    new = [n for n in numbers if (n.e164 or n.raw) not in known]
                    existing.numbers.extend(new)
                    if item.note and not existing.note:
                        existing.note = item.note
                    store.update(existing)
                    report.merged += 1
                    flag_source = new
                else:
                    store.add(Contact(None, name, numbers, favourite=item.favourite, note=item.note))
                    report.added += 1
                    flag_source = numbers
                for n in flag_source:
                    if not n.valid:
                        report.flagged.append((f"{name}: {n.raw}", _flag_reason(n, region)))
            if progress is not None:
                progress(done, total)
    return report


def import_file(store: ContactStore, path: Path, *, default_region: str | None = None,
                progress: Progress | None = None) -> ImportReport:
    """Import every contact of a vCard or CSV file, all or nothing; see :class:`ImportReport`."""
    items = parse_file(path)
    return _store(store, items, len(items), default_region, progress)
