"""Find the translatable sentences in the code, and the ones not yet marked.

    python -m dialer.i18n.extract            write dialer/locale/dialer.pot and add new messages to each .po
    python -m dialer.i18n.extract --check    exit 1 if a catalog lacks a message or a sentence is unmarked

Marked: the first argument of ``_()`` and ``N_()``, the first two of ``ngettext()``. Unmarked: a string
literal (or f-string) with words in it, passed straight to a call that shows text to the user (``setText``,
``QLabel(...)``, ``print`` in the CLI, argparse ``help=``...). The tests run both checks.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dialer.i18n.po import Entry, parse_po, plural_rule, quote

PACKAGE = Path(__file__).resolve().parents[1]
POT = PACKAGE / "locale" / "dialer.pot"

# Calls whose string arguments a user reads (methods by name, constructors by class name).
TEXT_METHODS = frozenset({
    "setText", "setToolTip", "setWindowTitle", "setPlaceholderText", "setStatusTip", "setWhatsThis",
    "showMessage", "addAction", "addMenu", "addTab", "insertTab", "setTabText", "setTabToolTip", "addItem",
    "setAccessibleName", "setAccessibleDescription", "setSpecialValueText", "setHeaderLabels", "setLabelText",
    "setInformativeText", "setDetailedText", "setTitle", "addRow", "show_error", "notify", "information",
    "warning", "critical", "question", "setWindowIconText", "add_parser", "add_argument", "ArgumentParser",
    "_fail", "fail", "print",
})
TEXT_CLASSES = frozenset({
    "QLabel", "QPushButton", "QCheckBox", "QRadioButton", "QGroupBox", "QAction", "QToolButton",
    "QMessageBox", "QCommandLinkButton",
})
TEXT_KEYWORDS = frozenset({"help", "description", "epilog", "title", "text", "tip", "message"})
MARKERS = frozenset({"_", "N_", "ngettext"})


@dataclass
class Message:
    msgid: str
    plural: str | None = None
    places: list[str] = field(default_factory=list)


DEVELOPER_TOOLS = frozenset({"sandbox", "i18n", "screenshots.py"})
"""Not read by users: the emulator speaks for the providers (in their English), the rest are tools."""


def source_files(root: Path = PACKAGE) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if not (set(p.relative_to(root).parts) & DEVELOPER_TOOLS))


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _const(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def extract(files: Iterable[Path], root: Path = PACKAGE) -> dict[str, Message]:
    found: dict[str, Message] = {}
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or _name(node.func) not in MARKERS or not node.args:
                continue
            singular = _const(node.args[0])
            if not singular:
                continue
            plural = _const(node.args[1]) if _name(node.func) == "ngettext" and len(node.args) > 1 else None
            message = found.setdefault(singular, Message(singular, plural))
            message.places.append(f"{path.relative_to(root.parent)}:{node.lineno}")
    return found


def _has_words(text: str) -> bool:
    letters = sum(ch.isalpha() for ch in text)
    if letters < 2:
        return False
    words = text.split()
    # Identifiers, object names, style values, paths, keys: not sentences.
    if len(words) == 1 and (text.isidentifier() or (text.islower() and "-" in text) or "/" in text or ("." in text
                            and " " not in text)):
        return text[:1].isupper() and text.isalpha() and len(text) > 2
    return True


LOGGERS = frozenset({"log", "logger", "logging", "_log", "LOG"})
"""Log records are for developers (and bug reports): never translated, so never flagged."""


def _is_logging(func: ast.expr) -> bool:
    return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in LOGGERS


def _literal_text(node: ast.expr) -> str | None:
    """The user-visible words of an unmarked literal (a plain string or an f-string's text parts)."""
    if (text := _const(node)) is not None:
        return text if _has_words(text) else None
    if isinstance(node, ast.JoinedStr):
        text = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
        return text if _has_words(text) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _literal_text(node.left) or _literal_text(node.right)
    if isinstance(node, ast.IfExp):
        return _literal_text(node.body) or _literal_text(node.orelse)
    return None


def unmarked(files: Iterable[Path], root: Path = PACKAGE) -> Iterator[tuple[str, int, str]]:
    """(file, line, text) of each sentence shown to the user without going through ``_``."""
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            if name in MARKERS or _is_logging(node.func):
                continue
            candidates: list[ast.expr] = []
            if name in TEXT_METHODS or name in TEXT_CLASSES:
                candidates += [a for a in node.args]
            candidates += [k.value for k in node.keywords if k.arg in TEXT_KEYWORDS]
            if name == "print":  # a CLI's output; "file=sys.stderr" errors too
                candidates = list(node.args)
            for candidate in candidates:
                text = _literal_text(candidate)
                if text is not None:
                    yield str(path.relative_to(root.parent)), candidate.lineno, text


def write_pot(messages: dict[str, Message], path: Path = POT) -> None:
    lines = ['msgid ""', 'msgstr ""', '"Content-Type: text/plain; charset=UTF-8\\n"', ""]
    for message in messages.values():
        lines += [f"#: {place}" for place in message.places[:3]]
        lines.append(f"msgid {quote(message.msgid)}")
        if message.plural is not None:
            lines += [f"msgid_plural {quote(message.plural)}", 'msgstr[0] ""', 'msgstr[1] ""']
        else:
            lines.append('msgstr ""')
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


def missing_in(po: Path, messages: dict[str, Message]) -> list[str]:
    """Messages of the code that ``po`` lacks or leaves untranslated (or with the wrong plural count)."""
    entries = parse_po(po.read_text(encoding="utf-8"), po.name)
    nplurals, _rule = plural_rule(entries)
    by_id = {e.msgid: e for e in entries if e.msgid}
    missing = []
    for msgid, message in messages.items():
        entry = by_id.get(msgid)
        if entry is None or entry.fuzzy or not entry.msgstr or not all(entry.msgstr) or (message.plural is not None and len(entry.msgstr) != nplurals):
            missing.append(msgid)
    return missing


def add_new_messages(po: Path, messages: dict[str, Message]) -> int:
    """Append the code's messages that ``po`` does not have yet (empty, for the translator)."""
    entries: list[Entry] = parse_po(po.read_text(encoding="utf-8"), po.name)
    nplurals, _rule = plural_rule(entries)
    known = {e.msgid for e in entries}
    new = [m for m in messages.values() if m.msgid not in known]
    if new:
        chunks = []
        for message in new:
            chunk = [f"#: {place}" for place in message.places[:3]] + [f"msgid {quote(message.msgid)}"]
            if message.plural is not None:
                chunk.append(f"msgid_plural {quote(message.plural)}")
                chunk += [f'msgstr[{i}] ""' for i in range(nplurals)]
            else:
                chunk.append('msgstr ""')
            chunks.append("\n".join(chunk))
        with po.open("a", encoding="utf-8") as handle:
            handle.write("\n" + "\n\n".join(chunks) + "\n")
    return len(new)


def main(argv: list[str]) -> int:
    files = source_files()
    messages = extract(files)
    catalogs = sorted((PACKAGE / "locale").glob("*.po"))
    if "--check" in argv:
        problems = [f"{f}:{line}: not marked for translation: {text!r}" for f, line, text in unmarked(files)]
        for po in catalogs:
            problems += [f"{po.name}: missing {m!r}" for m in missing_in(po, messages)]
        print("\n".join(problems) or f"{len(messages)} messages, {len(catalogs)} complete catalogs")
        return 1 if problems else 0
    write_pot(messages)
    for po in catalogs:
        added = add_new_messages(po, messages)
        print(f"{po.name}: {added} new message(s) to translate")
    print(f"wrote {POT.relative_to(PACKAGE.parent)} ({len(messages)} messages)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
