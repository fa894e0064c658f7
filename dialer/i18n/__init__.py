"""Translations: every sentence a user reads goes through :func:`_` (or :func:`ngettext` for counts).

Catalogs are gettext ``.po`` files in ``dialer/locale/<language>.po``, read directly at start-up (a few
milliseconds; no compiled ``.mo`` build output to keep in step). The language is, in order: the user's choice
(``DIALER_LANGUAGE`` or the language file written by Settings), then the system's (``LANGUAGE``, ``LC_ALL``,
``LC_MESSAGES``, ``LANG``), then English. Qt's own dialog texts (Cancel, Yes...) come from Qt's
``qtbase_<language>.qm`` through :func:`install_qt`.

Usage::

    from dialer.i18n import _, ngettext
    label.setText(_("Call {name}").format(name=name))
    ngettext("{n} contact", "{n} contacts", n).format(n=n)

Strings defined at import time (tables, constants) are marked with :func:`N_` and translated where shown.
``python -m dialer.i18n.extract`` writes ``dialer/locale/dialer.pot`` from the marked strings.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up cost)

if TYPE_CHECKING:  # the catalog reader (dataclasses...) is imported by install(): a link click never pays for it
    from dialer.i18n.po import Catalog

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LANGUAGES = {  # shipped catalogs, with each language's own name (what the Settings list shows)
    "en": "English",
    "de": "Deutsch",
    "es": "Español",
    "hi": "हिन्दी",
    "uk": "Українська",
}
LANGUAGE_FILE = "language"  # in paths.config_dir(): the Settings choice, read before the window is built

_catalog: Catalog | None = None
_language = "en"


def _(message: str) -> str:
    """``message`` in the user's language (itself when there is no translation)."""
    if _catalog is None:
        return message
    return _catalog.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a sentence with a count that fits ``n`` in the user's language (its plural rules)."""
    if _catalog is None:
        return singular if n == 1 else plural
    return _catalog.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it now (translate with ``_`` where it is shown)."""
    return message


def language() -> str:
    """The language in use ("en", "de", "es", "hi", "uk")."""
    return _language


def _base(tag: str) -> str:
    return tag.replace("-", "_").split(".")[0].split("@")[0].split("_")[0].lower()


def system_language(environ: Mapping[str, str] | None = None) -> str | None:
    """The first shipped language the environment asks for (``LANGUAGE`` may list several, colon-separated)."""
    env = os.environ if environ is None else environ
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(variable, "").strip()
        if not value:
            continue
        for tag in value.split(":"):
            base = _base(tag)
            if base in LANGUAGES:
                return base
            if base in ("c", "posix"):
                return "en"
        if variable != "LANGUAGE":
            return None  # the first set locale variable decides (as gettext does)
    return None


def chosen_language(config_dir: Path | None = None, environ: Mapping[str, str] | None = None) -> str | None:
    """The user's own choice: ``DIALER_LANGUAGE``, else the Settings choice saved in the config folder."""
    env = os.environ if environ is None else environ
    forced = _base(env.get("DIALER_LANGUAGE", ""))
    if forced in LANGUAGES:
        return forced
    if config_dir is None:
        from dialer import paths

        try:
            config_dir = paths.config_dir()
        except OSError:
            return None
    try:
        saved = _base((config_dir / LANGUAGE_FILE).read_text(encoding="utf-8").strip())
    except OSError:
        return None
    return saved if saved in LANGUAGES else None


def save_choice(code: str | None, config_dir: Path | None = None) -> None:
    """Remember the Settings choice (``None``: follow the system). Takes effect at the next start."""
    if config_dir is None:
        from dialer import paths

        config_dir = paths.config_dir()
    path = config_dir / LANGUAGE_FILE
    if code is None:
        path.unlink(missing_ok=True)
    else:
        path.write_text(code + "\n", encoding="utf-8")


def install(code: str | None = None) -> str:
    """Load the catalog for ``code`` (default: the user's choice, else the system's). Returns the language."""
    global _catalog, _language
    code = code or chosen_language() or system_language() or "en"
    code = code if code in LANGUAGES else "en"
    _language = code
    if code == "en":
        _catalog = None
    else:
        from dialer.i18n.po import load_po

        _catalog = load_po(LOCALE_DIR / f"{code}.po")
    return code


def install_qt(app: object) -> object | None:
    """Qt's own texts (standard buttons, context menus) in the same language; returns the translator."""
    if _language == "en":
        return None
    from dialer.qt import QtCore

    system = QtCore.QLocale.system()
    if system.name().split("_")[0] != _language:  # a chosen language keeps the system's country
        QtCore.QLocale.setDefault(QtCore.QLocale(f"{_language}_{system.name().partition('_')[2] or ''}".rstrip("_")))
    translator = QtCore.QTranslator(app)  # type: ignore[arg-type]
    folder = QtCore.QLibraryInfo.path(QtCore.QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load(f"qtbase_{_language}", folder):
        QtCore.QCoreApplication.installTranslator(translator)
        return translator
    return None
