"""Place names, carriers and time zones from dialer.core.places are exactly libphonenumber's, for every
region and number type, while a lookup loads only a sliver of libphonenumber's data."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import phonenumbers
import pytest
from phonenumbers import PhoneNumber, PhoneNumberType
from phonenumbers import carrier as lib_carrier
from phonenumbers import geocoder as lib_geocoder
from phonenumbers import timezone as lib_timezone
from phonenumbers.carrierdata import CARRIER_DATA, CARRIER_LONGEST_PREFIX
from phonenumbers.geodata import GEOCODE_DATA, GEOCODE_LONGEST_PREFIX

from dialer.core import places
from dialer.core.places import LazyPrefixData

LANGS = ("en", "de", "fr", "zh", "ja", "ko", "zh_Hant", "ar")


def example_numbers() -> Iterator[tuple[str, PhoneNumber]]:
    """libphonenumber's example number of every type in every region, the non-geographic entities' ones,
    and each region's invalid example."""
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in PhoneNumberType.values():
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                yield f"{region}/{kind}", number
        invalid = phonenumbers.invalid_example_number(region)
        if invalid is not None:
            yield f"{region}/invalid", invalid
    for code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        number = phonenumbers.example_number_for_non_geo_entity(code)
        if number is not None:
            yield f"+{code}/non-geo", number


# In number order, so that consecutive lookups mostly fall in the same data file (as typing one number does).
EXAMPLES = sorted(example_numbers(), key=lambda item: phonenumbers.format_number(item[1], 0))


def test_there_are_examples_of_every_region_and_type() -> None:
    regions = {name.split("/")[0] for name, _ in EXAMPLES}
    assert regions >= set(phonenumbers.SUPPORTED_REGIONS)
    assert len(EXAMPLES) > 1500


@pytest.mark.parametrize("lang", LANGS)
def test_place_names_are_libphonenumbers_for_every_example_number(lang: str) -> None:
    for name, number in EXAMPLES:
        own_region = phonenumbers.region_code_for_number(number)
        for user_region in (None, own_region, "US", "CN") if lang == "en" else (None,):
            expected = lib_geocoder.description_for_number(number, lang, region=user_region)
            assert places.description_for_number(number, lang, region=user_region) == expected, (name, user_region)
        assert places.country_name_for_number(number, lang) == lib_geocoder.country_name_for_number(number, lang), name
        if phonenumbers.is_valid_number(number):
            expected = lib_geocoder.description_for_valid_number(number, lang, region=own_region)
            assert places.description_for_valid_number(number, lang, region=own_region) == expected, name


@pytest.mark.parametrize("lang", LANGS)
def test_carriers_are_libphonenumbers_for_every_example_number(lang: str) -> None:
    for name, number in EXAMPLES:
        assert places.carrier_name_for_number(number, lang) == lib_carrier.name_for_number(number, lang), name


def test_time_zones_are_libphonenumbers_for_every_example_number() -> None:
    for name, number in EXAMPLES:
        assert places.time_zones_for_number(number) == tuple(lib_timezone.time_zones_for_number(number)), name


def test_region_names_are_libphonenumbers() -> None:
    for region in [*sorted(phonenumbers.SUPPORTED_REGIONS), "001", "ZZ", "XX"]:
        for lang in LANGS:
            assert places.region_display_name(region, lang) == lib_geocoder._region_display_name(region, lang)


@pytest.mark.parametrize(("package", "data", "longest"), [("geodata", GEOCODE_DATA, GEOCODE_LONGEST_PREFIX),
                                                            ("carrierdata", CARRIER_DATA, CARRIER_LONGEST_PREFIX)])
def test_the_lazy_mapping_holds_every_prefix_of_libphonenumbers_data_and_no_other(
        package: str, data: dict[str, dict[str, str]], longest: int) -> None:
    lazy = LazyPrefixData(package)
    assert lazy.longest_prefix == longest
    for prefix in sorted(data):  # in order: each data file is loaded once
        assert prefix in lazy
        assert lazy[prefix] == data[prefix]
    absent = {p[:-1] + str((int(p[-1]) + 1) % 10) for p in data} | {"0", "", "1", "99999999999"}
    for prefix in sorted(absent - data.keys()):
        assert prefix not in lazy
        assert lazy.get(prefix) is None
    assert len(lazy._loaded) <= lazy.keep


def test_a_lookup_loads_one_data_file_and_keeps_only_a_few() -> None:
    lazy = LazyPrefixData("geodata", keep=2)
    london = phonenumbers.parse("+442083612345")
    assert phonenumbers.format_number(london, phonenumbers.PhoneNumberFormat.E164)[1:5] in GEOCODE_DATA
    assert "4420" in lazy and lazy["4420"] == GEOCODE_DATA["4420"]
    assert lazy.loads == 1
    for prefix in ("1201", "861308377", "9171724", "4420"):
        assert prefix in lazy
    assert len(lazy._loaded) == 2


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from Linux /proc")
def test_naming_a_place_does_not_load_libphonenumbers_whole_geocoder() -> None:
    # A fresh interpreter: this test process has imported the originals for the comparisons above.
    code = (
        "import json, sys\n"
        "from dialer.core import numbers\n"
        "info = numbers.describe('+442083612345')\n"
        "mobile = numbers.describe('+447400123456')\n"
        "print(json.dumps({'place': info.place, 'carrier': mobile.carrier, 'zones': info.timezones,\n"
        "                  'modules': [m for m in sys.modules if m.startswith(('phonenumbers.geodata',\n"
        "                              'phonenumbers.carrierdata', 'phonenumbers.geocoder', 'phonenumbers.carrier'))],\n"
        "                  'max_rss_mb': [int(l.split()[1]) / 1024 for l in open('/proc/self/status') if l.startswith('VmHWM')][0]}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    result = json.loads(out.stdout)
    assert result["place"] == "London"
    assert result["carrier"] == lib_carrier.name_for_number(phonenumbers.parse("+447400123456"), "en") != ""
    assert result["zones"] == ["Europe/London"]
    assert result["modules"] == [], "libphonenumber's whole data sets stay unloaded"
    assert result["max_rss_mb"] < 60, "the place data (~100 MB as libphonenumber loads it) is not resident"
