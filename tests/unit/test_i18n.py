"""Translations: catalogs are read as gettext reads them, the language follows the user, every sentence
is marked, and every catalog has every message."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialer import i18n
from dialer.i18n import extract
from dialer.i18n.po import Catalog, PoError, parse_po

UK_HEADER = ('msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : '
             'n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);\\n"\n\n')


def test_a_po_file_is_read_with_escapes_multiple_lines_plurals_and_fuzzy_entries() -> None:
    text = UK_HEADER + (
        '#: dialer/ui/x.py:1\nmsgid "Call {name}"\nmsgstr "Подзвонити {name}"\n\n'
        'msgid ""\n"Two\\n"\n"lines \\"quoted\\""\nmsgstr "Два\\nрядки «в лапках»"\n\n'
        'msgid "{n} contact"\nmsgid_plural "{n} contacts"\nmsgstr[0] "{n} контакт"\n'
        'msgstr[1] "{n} контакти"\nmsgstr[2] "{n} контактів"\n\n'
        '#, fuzzy\nmsgid "Hang up"\nmsgstr "Покласти"\n')
    catalog = Catalog(parse_po(text))
    assert catalog.gettext("Call {name}") == "Подзвонити {name}"
    assert catalog.gettext('Two\nlines "quoted"') == "Два\nрядки «в лапках»"
    assert catalog.gettext("Hang up") == "Hang up"  # fuzzy: not trusted, as msgfmt would not
    forms = {n: catalog.ngettext("{n} contact", "{n} contacts", n).format(n=n) for n in (1, 3, 5, 11, 21, 22)}
    assert forms == {1: "1 контакт", 3: "3 контакти", 5: "5 контактів", 11: "11 контактів", 21: "21 контакт",
                     22: "22 контакти"}
    assert catalog.gettext("Not translated") == "Not translated"


def test_a_broken_po_file_names_the_line() -> None:
    with pytest.raises(PoError, match=r"x.po:2"):
        parse_po('msgid "a"\nmsgstr unquoted\n', "x.po")


@pytest.mark.parametrize(("environ", "expected"), [
    ({"LANGUAGE": "uk:en", "LANG": "de_DE.UTF-8"}, "uk"),
    ({"LANGUAGE": "fr:es"}, "es"),
    ({"LANG": "de_AT.UTF-8"}, "de"),
    ({"LC_ALL": "hi_IN.UTF-8", "LANG": "en_US.UTF-8"}, "hi"),
    ({"LC_ALL": "C"}, "en"),
    ({"LANG": "fr_FR.UTF-8"}, None),
    ({}, None),
])
def test_the_system_language_is_read_as_gettext_reads_it(environ: dict[str, str], expected: str | None) -> None:
    assert i18n.system_language(environ) == expected


def test_the_users_choice_wins_and_is_kept_in_the_config_folder(tmp_path: Path) -> None:
    assert i18n.chosen_language(tmp_path, environ={}) is None
    i18n.save_choice("uk", tmp_path)
    assert i18n.chosen_language(tmp_path, environ={}) == "uk"
    assert i18n.chosen_language(tmp_path, environ={"DIALER_LANGUAGE": "de"}) == "de"
    i18n.save_choice(None, tmp_path)
    assert i18n.chosen_language(tmp_path, environ={}) is None


def test_installing_a_language_translates_and_english_is_the_fallback() -> None:
    try:
        assert i18n.install("xx") == "en" and i18n._("Anything") == "Anything"
        for code in ("de", "es", "hi", "uk"):
            assert i18n.install(code) == code
            assert i18n.language() == code
    finally:
        i18n.install("en")


def test_every_catalog_has_every_message_of_the_code() -> None:
    messages = extract.extract(extract.source_files())
    for po in sorted((extract.PACKAGE / "locale").glob("*.po")):
        missing = extract.missing_in(po, messages)
        assert missing == [], f"{po.name} lacks {len(missing)} translation(s), e.g. {missing[:5]}"


# Files whose sentences are not marked yet: visible debt, to be emptied. A file that has been done must be
# taken off (the second test fails until it is), so the list only ever shrinks.
NOT_YET_MARKED = frozenset({
    "dialer/carddav/client.py", "dialer/cli/callerid_cmd.py", "dialer/ui/address_books.py", "dialer/ui/caller_id.py",
    "dialer/cli/account_cmd.py", "dialer/cli/call_cmd.py", "dialer/cli/contacts_cmd.py", "dialer/cli/main.py",
    "dialer/providers/calledin.py",
    "dialer/ui/account_picker.py", "dialer/ui/call_panel.py", "dialer/ui/confirm_dialog.py",
    "dialer/ui/contacts_view.py", "dialer/ui/main_window.py", "dialer/ui/settings_dialog.py",
    "dialer/ui/signin_dialogs.py",
})


def test_no_sentence_reaches_the_user_without_going_through_translation() -> None:
    found = [(f, line, text) for f, line, text in extract.unmarked(extract.source_files()) if f not in NOT_YET_MARKED]
    assert found == [], "\n".join(f"{f}:{line}: {text!r}" for f, line, text in found[:20])


def test_the_not_yet_marked_list_only_names_files_that_still_need_work() -> None:
    pending = {f for f, _line, _text in extract.unmarked(extract.source_files())}
    done = sorted(NOT_YET_MARKED - pending)
    assert done == [], f"take these off NOT_YET_MARKED: {done}"
