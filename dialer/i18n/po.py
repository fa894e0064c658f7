"""Read and write gettext ``.po`` files: what :mod:`dialer.i18n` loads at start and the tests check.

Only what the catalogs use: ``msgid``, ``msgid_plural``, ``msgstr``/``msgstr[N]``, multi-line strings,
``#`` comments and the ``fuzzy`` flag (a fuzzy entry is not used, as msgfmt would not). The header's
``Plural-Forms`` expression is compiled with :func:`gettext.c2py`, the standard library's own parser.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}


class PoError(ValueError):
    """A ``.po`` file that cannot be read; the text names the file and the line."""


@dataclass
class Entry:
    msgid: str
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=list)  # one string, or one per plural form
    fuzzy: bool = False
    comments: list[str] = field(default_factory=list)  # "#:" references and "#." notes, kept as written


def _unquote(text: str, where: str) -> str:
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise PoError(f"{where}: expected a quoted string, found {text[:40]!r}")
    body, out, i = text[1:-1], [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            out.append(_ESCAPES.get(body[i + 1], body[i + 1]))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def parse_po(text: str, name: str = "<po>") -> list[Entry]:
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None  # which field continuation lines extend
    pending_fuzzy = False
    pending_comments: list[str] = []

    def finish() -> None:
        nonlocal current
        if current is not None:
            entries.append(current)
        current = None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        where = f"{name}:{number}"
        if not line:
            continue
        if line.startswith("#"):
            if current is not None and current.msgstr:
                finish()
            if line.startswith("#,") and "fuzzy" in line:
                pending_fuzzy = True
            elif line.startswith(("#:", "#.")):
                pending_comments.append(line)
            continue
        if line.startswith('"'):
            if current is None or target is None:
                raise PoError(f"{where}: a continuation line outside an entry")
            value = _unquote(line, where)
            kind, index = target
            if kind == "msgid":
                current.msgid += value
            elif kind == "msgid_plural":
                current.msgid_plural = (current.msgid_plural or "") + value
            else:
                current.msgstr[index] += value
            continue
        keyword, _, rest = line.partition(" ")
        if keyword == "msgid":
            finish()
            current = Entry(msgid=_unquote(rest, where), fuzzy=pending_fuzzy, comments=pending_comments)
            pending_fuzzy, pending_comments = False, []
            target = ("msgid", 0)
        elif keyword == "msgid_plural" and current is not None:
            current.msgid_plural = _unquote(rest, where)
            target = ("msgid_plural", 0)
        elif keyword == "msgstr" and current is not None:
            current.msgstr = [_unquote(rest, where)]
            target = ("msgstr", 0)
        elif (match := re.fullmatch(r"msgstr\[(\d+)\]", keyword)) and current is not None:
            index = int(match.group(1))
            if index != len(current.msgstr):
                raise PoError(f"{where}: msgstr[{index}] out of order")
            current.msgstr.append(_unquote(rest, where))
            target = ("msgstr", index)
        elif keyword == "msgctxt":
            raise PoError(f"{where}: msgctxt is not used by dialer's catalogs")
        else:
            raise PoError(f"{where}: unexpected {keyword!r}")
    finish()
    return entries


def header_fields(entries: Iterable[Entry]) -> dict[str, str]:
    for entry in entries:
        if entry.msgid == "" and entry.msgstr:
            fields = {}
            for line in entry.msgstr[0].splitlines():
                key, sep, value = line.partition(":")
                if sep:
                    fields[key.strip()] = value.strip()
            return fields
    return {}


def plural_rule(entries: Iterable[Entry]) -> tuple[int, Callable[[int], int]]:
    """(nplurals, n -> form index) from the ``Plural-Forms`` header (English's rule when absent)."""
    forms = header_fields(entries).get("Plural-Forms", "")
    match = re.search(r"nplurals\s*=\s*(\d+)\s*;\s*plural\s*=\s*([^;]+)", forms)
    if not match:
        return 2, lambda n: int(n != 1)
    return int(match.group(1)), gettext.c2py(match.group(2).strip())


class Catalog:
    """Translations of one language, looked up like :class:`gettext.GNUTranslations`."""

    def __init__(self, entries: list[Entry]) -> None:
        self.nplurals, self._plural = plural_rule(entries)
        self._single: dict[str, str] = {}
        self._plurals: dict[str, list[str]] = {}
        for entry in entries:
            if entry.fuzzy or not entry.msgid:
                continue
            if entry.msgid_plural is not None:
                if len(entry.msgstr) == self.nplurals and all(entry.msgstr):
                    self._plurals[entry.msgid] = entry.msgstr
            elif entry.msgstr and entry.msgstr[0]:
                self._single[entry.msgid] = entry.msgstr[0]

    def gettext(self, message: str) -> str:
        return self._single.get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        forms = self._plurals.get(singular)
        if forms is None:
            return singular if n == 1 else plural
        index = self._plural(n)
        return forms[index] if 0 <= index < len(forms) else forms[-1]


def load_po(path: Path) -> Catalog | None:
    """The catalog at ``path``; None when the file is missing (the app then stays in English)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    return Catalog(parse_po(text, path.name))


def quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\r", "\\r")
    if "\n" not in escaped:
        return f'"{escaped}"'
    parts = escaped.split("\n")
    lines = [f'"{part}\\n"' for part in parts[:-1]] + ([f'"{parts[-1]}"'] if parts[-1] else [])
    return '""\n' + "\n".join(lines)
