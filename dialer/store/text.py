"""Text folding for search: case- and accent-insensitive words, and their dial-pad (T9) spelling."""

from __future__ import annotations

import re
import unicodedata

# Letters that Unicode does not decompose into a base letter plus an accent.
_EXTRA_FOLDS = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ħ": "h", "ı": "i", "œ": "oe", "æ": "ae",
                              "þ": "th", "ð": "d", "ŧ": "t"})
_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower-case, accent-free form of ``text`` ("Zoë Ørsted" -> "zoe orsted")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.translate(_EXTRA_FOLDS)


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order ("O'Brien, Seán" -> ["o", "brien", "sean"])."""
    return _WORD.findall(fold(text))


def folded_name(text: str) -> str:
    """The form stored in ``contacts.name_folded``: folded words joined by single spaces."""
    return " ".join(words(text))


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix`` (for index range scans)."""
    return prefix + "\U0010ffff"
