"""Place names, carriers and time zones of phone numbers: exactly what libphonenumber's ``geocoder``,
``carrier`` and ``timezone`` modules say, without holding libphonenumber's prefix data in memory.

``import phonenumbers.geocoder`` loads every place name of every prefix in every language (about 290,000
prefixes, ~100 MB resident, ~0.5 s) to name one place; ``phonenumbers.carrier`` adds ~10 MB. libphonenumber
ships that data as generated modules, ``phonenumbers/geodata/data0.py`` ... ``dataN.py`` (and
``carrierdata/``), each a dict of up to 10,000 prefixes, and the files follow each other in ascending order
of prefix (as strings). So a :class:`LazyPrefixData` reads the first prefix of each file once (a few KB of
text), and to look a prefix up it loads only the one file whose range holds it (~6 ms from the compiled
``.pyc``, ~2-3 MB), keeping the last :data:`KEEP_FILES` loaded per data set. The lookup itself is
libphonenumber's own code (``phonenumbers.prefix``) run against that mapping, and the functions below are
libphonenumber's, line for line, with the data swapped; ``tests/unit/core/test_places.py`` compares them
with the originals for an example number of every type in every region, and the mapping with the original
dict for every prefix.

If the data files ever stop looking like that (a new phonenumbers release), the original modules are used
instead: the same answers, at the old memory cost. Time-zone data is small (~0.4 MB), so
``phonenumbers.timezone`` is used as it is.
"""

from __future__ import annotations

import bisect
import importlib.util
import re
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import phonenumbers
from phonenumbers import PhoneNumber, PhoneNumberType
from phonenumbers import timezone as _timezone
from phonenumbers.phonenumberutil import (
    NumberParseException,
    country_mobile_token,
    is_number_type_geographical,
    is_valid_number_for_region,
    national_significant_number,
    number_type,
    region_code_for_country_code,
    region_code_for_number,
    region_codes_for_country_code,
)
from phonenumbers.prefix import _prefix_description_for_number

KEEP_FILES = 2
"""Data files kept loaded per data set (a number's prefixes nearly always sit in one file)."""

_PACKAGE_DIR = Path(phonenumbers.__file__).parent
_FIRST_KEY = re.compile(r"^data = \{\s*'(\d+)':", re.MULTILINE)
_HEAD_CHARS = 4096  # the licence header plus the first entry
_DATA_FILE = re.compile(r"data(\d+)\.py")


class _LayoutChanged(Exception):
    """libphonenumber's generated data is not laid out as this module expects."""


class LazyPrefixData:
    """A read-only ``prefix -> {lang: name}`` mapping over one of libphonenumber's prefix-data packages
    (``geodata``, ``carrierdata``) that loads only the data file a looked-up prefix falls in.

    Supports what ``phonenumbers.prefix`` uses: ``prefix in data`` and ``data[prefix]``. Thread-safe.
    """

    def __init__(self, package: str, *, keep: int = KEEP_FILES) -> None:
        self.package = package
        self.keep = keep
        self._lock = threading.Lock()
        self._files: list[Path] | None = None
        self._first_keys: list[str] = []
        self._longest: int | None = None
        self._loaded: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self.loads = 0  # data files loaded so far (tests and benchmarks read it)

    # ------------------------------------------------------------------------------------------- index
    def _index(self) -> None:
        """Find the data files and the first prefix of each (once); raises _LayoutChanged."""
        if self._files is not None:
            return
        folder = _PACKAGE_DIR / self.package
        numbered = []
        for path in folder.glob("data*.py"):
            match = _DATA_FILE.fullmatch(path.name)
            if match:
                numbered.append((int(match.group(1)), path))
        numbered.sort()
        files = [path for _, path in numbered]
        if not files or [n for n, _ in numbered] != list(range(len(files))):
            raise _LayoutChanged(f"no data0.py ... dataN.py in {folder}")
        first_keys = []
        for path in files:
            with path.open(encoding="utf-8") as fh:
                match = _FIRST_KEY.search(fh.read(_HEAD_CHARS))
            if match is None:
                raise _LayoutChanged(f"no first prefix in {path}")
            first_keys.append(match.group(1))
        if first_keys != sorted(first_keys) or len(set(first_keys)) != len(first_keys):
            raise _LayoutChanged(f"the data files of {folder} are not in prefix order")
        init = (folder / "__init__.py").read_text(encoding="utf-8")
        longest = re.search(r"^[A-Z]+_LONGEST_PREFIX = (\d+)$", init, re.MULTILINE)
        if longest is None:
            raise _LayoutChanged(f"no longest prefix in {folder}/__init__.py")
        self._longest = int(longest.group(1))
        self._first_keys = first_keys
        self._files = files

    @property
    def longest_prefix(self) -> int:
        with self._lock:
            self._index()
        assert self._longest is not None
        return self._longest

    def _load(self, index: int) -> dict[str, Any]:
        cached = self._loaded.get(index)
        if cached is not None:
            self._loaded.move_to_end(index)
            return cached
        assert self._files is not None
        name = f"phonenumbers.{self.package}.{self._files[index].stem}"
        # Not imported as phonenumbers.geodata.dataN: that would run the package's __init__, which loads
        # every file. Executed as a module of that package (for its ``from ..util import u``), not registered
        # in sys.modules, so it is freed once dropped from the cache. The compiled .pyc is used.
        spec = importlib.util.spec_from_file_location(name, self._files[index])
        if spec is None or spec.loader is None:
            raise _LayoutChanged(f"cannot load {self._files[index]}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        data: dict[str, Any] = module.data
        self.loads += 1
        self._loaded[index] = data
        while len(self._loaded) > self.keep:
            self._loaded.popitem(last=False)
        return data

    def _file_for(self, prefix: str) -> dict[str, Any] | None:
        self._index()
        index = bisect.bisect_right(self._first_keys, prefix) - 1
        return None if index < 0 else self._load(index)

    # ----------------------------------------------------------------------------------------- mapping
    def __contains__(self, prefix: object) -> bool:
        if not isinstance(prefix, str):
            return False
        with self._lock:
            data = self._file_for(prefix)
            return data is not None and prefix in data

    def __getitem__(self, prefix: str) -> Any:
        with self._lock:
            data = self._file_for(prefix)
            if data is None:
                raise KeyError(prefix)
            return data[prefix]

    def get(self, prefix: str, default: Any = None) -> Any:
        try:
            return self[prefix]
        except KeyError:
            return default

    def clear(self) -> None:
        """Drop the loaded files (the index of first prefixes stays)."""
        with self._lock:
            self._loaded.clear()


def _load_locale_file() -> dict[str, dict[str, str]]:
    path = _PACKAGE_DIR / "geodata" / "locale.py"
    spec = importlib.util.spec_from_file_location("phonenumbers.geodata.locale", path)
    if spec is None or spec.loader is None:
        raise _LayoutChanged(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    data: dict[str, dict[str, str]] = module.LOCALE_DATA
    return data


class _Sources:
    """The data behind the lookups: the lazy mappings, or libphonenumber's own modules as a fallback."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.geo = LazyPrefixData("geodata")
        self.carrier = LazyPrefixData("carrierdata")
        self.fallback = False
        self._region_names: dict[str, dict[str, str]] = {}  # lang -> region -> display name

    def use_fallback(self) -> None:
        self.fallback = True

    def region_names(self, lang: str) -> dict[str, str]:
        """Each region's display name in ``lang``, as ``geocoder._region_display_name`` reads it (the
        locale data of all languages is loaded only while this is computed)."""
        with self.lock:
            names = self._region_names.get(lang)
            if names is None:
                if self.fallback:
                    from phonenumbers.geodata.locale import LOCALE_DATA as locale_data
                else:
                    locale_data = _load_locale_file()
                names = {}
                for region_code, by_lang in locale_data.items():
                    name = by_lang.get(lang, "")
                    if name.startswith("*"):  # "*<other_lang>": the name is held in that language's entry
                        name = by_lang.get(name[1:], "")
                    names[region_code] = name
                self._region_names[lang] = names
                del locale_data
            return names


_sources = _Sources()


def _geo_data() -> tuple[Any, int]:
    if not _sources.fallback:
        try:
            return _sources.geo, _sources.geo.longest_prefix
        except (_LayoutChanged, OSError):
            _sources.use_fallback()
    from phonenumbers.geodata import GEOCODE_DATA, GEOCODE_LONGEST_PREFIX

    return GEOCODE_DATA, GEOCODE_LONGEST_PREFIX


def _carrier_data() -> tuple[Any, int]:
    if not _sources.fallback:
        try:
            return _sources.carrier, _sources.carrier.longest_prefix
        except (_LayoutChanged, OSError):
            _sources.use_fallback()
    from phonenumbers.carrierdata import CARRIER_DATA, CARRIER_LONGEST_PREFIX

    return CARRIER_DATA, CARRIER_LONGEST_PREFIX


def _describe_prefix(data_of: Any, numobj: PhoneNumber, lang: str, script: str | None,
                     region: str | None) -> str:
    data, longest = data_of()
    try:
        result: str = _prefix_description_for_number(data, longest, numobj, lang, script, region)
    except _LayoutChanged:
        _sources.use_fallback()
        data, longest = data_of()
        result = _prefix_description_for_number(data, longest, numobj, lang, script, region)
    return result


# ------------------------------------------------------------------------------ geocoder (libphonenumber's)


def region_display_name(region_code: str | None, lang: str) -> str:
    """``geocoder._region_display_name``: the region's name in ``lang`` ('' when unknown)."""
    return _sources.region_names(lang).get(region_code or "", "")


def country_name_for_number(numobj: PhoneNumber, lang: str) -> str:
    """``geocoder.country_name_for_number``: the country of the number, '' when several could be."""
    region_codes = region_codes_for_country_code(numobj.country_code or 0)
    if len(region_codes) == 1:
        return region_display_name(region_codes[0], lang)
    region_where_number_is_valid = "ZZ"
    for region_code in region_codes:
        if is_valid_number_for_region(numobj, region_code):
            if region_where_number_is_valid != "ZZ":  # valid in two regions: unknown which
                return ""
            region_where_number_is_valid = region_code
    return region_display_name(region_where_number_is_valid, lang)


def description_for_valid_number(numobj: PhoneNumber, lang: str, script: str | None = None,
                                  region: str | None = None) -> str:
    """``geocoder.description_for_valid_number``: the place (city, area) of a valid number, else its
    country; only the country when ``region`` (the user's) differs from the number's."""
    number_region = region_code_for_number(numobj)
    if region is None or region == number_region:
        mobile_token = country_mobile_token(numobj.country_code or 0)
        national_number = national_significant_number(numobj)
        if mobile_token != "" and national_number.startswith(mobile_token):
            # Some countries (e.g. Argentina) put a mobile token before the area code: geocode without it.
            national_number = national_number[len(mobile_token):]
            region = region_code_for_country_code(numobj.country_code or 0)
            try:
                copied_numobj = phonenumbers.parse(national_number, region)
            except NumberParseException:
                copied_numobj = numobj
            area_description = _describe_prefix(_geo_data, copied_numobj, lang, script, region)
        else:
            area_description = _describe_prefix(_geo_data, numobj, lang, script, region)
        if area_description != "":
            return area_description
        return country_name_for_number(numobj, lang)
    return region_display_name(number_region, lang)


def description_for_number(numobj: PhoneNumber, lang: str, script: str | None = None,
                           region: str | None = None) -> str:
    """``geocoder.description_for_number``: as above, checking the number's type first."""
    ntype = number_type(numobj)
    if ntype == PhoneNumberType.UNKNOWN:
        return ""
    if not is_number_type_geographical(ntype, numobj.country_code or 0):
        return country_name_for_number(numobj, lang)
    return description_for_valid_number(numobj, lang, script, region)


# ------------------------------------------------------------------------------- carrier (libphonenumber's)


def carrier_name_for_number(numobj: PhoneNumber, lang: str, script: str | None = None,
                            region: str | None = None) -> str:
    """``carrier.name_for_number``: the carrier a mobile (or pager) number was first allocated to."""
    ntype = number_type(numobj)
    if ntype in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE, PhoneNumberType.PAGER):
        return _describe_prefix(_carrier_data, numobj, lang, script, region)
    return ""


# ---------------------------------------------------------------------------------------------- time zones


def time_zones_for_number(numobj: PhoneNumber) -> tuple[str, ...]:
    """``timezone.time_zones_for_number`` (its data is small: used as it is)."""
    return tuple(_timezone.time_zones_for_number(numobj))


def release() -> None:
    """Drop the loaded data files (they load again on the next lookup)."""
    _sources.geo.clear()
    _sources.carrier.clear()
