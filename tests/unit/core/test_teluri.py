"""tel:/callto: links from web pages and other programs: RFC 3966, RFC 4715 and the common extras."""

from __future__ import annotations

import pytest

from dialer.core import teluri
from dialer.core.teluri import TelUri, TelUriError

# Every tel: URI quoted in /work/shared/specs/rfc3966.txt and rfc4715.txt, with what it must mean.
RFC_EXAMPLES = [
    # RFC 3966 section 6 (Examples)
    ("tel:+1-201-555-0123", TelUri(number="+12015550123", is_global=True)),
    ("tel:7042;phone-context=example.com", TelUri(number="7042", is_global=False, phone_context="example.com")),
    ("tel:863-1234;phone-context=+1-914-555",
     TelUri(number="8631234", is_global=False, phone_context="+1914555")),
    # RFC 3966 section 8 (HTML usage)
    ("tel:+1-212-555-0101", TelUri(number="+12125550101", is_global=True)),
    ("tel:+1-201-555-0111", TelUri(number="+12015550111", is_global=True)),
    ("tel:+1-555-438-3732", TelUri(number="+15554383732", is_global=True)),
    # RFC 3966 section 9 (SIP)
    ("tel:1234;phone-context=munich.example.com",
     TelUri(number="1234", is_global=False, phone_context="munich.example.com")),
    # RFC 3966 section 11 (Security)
    ("tel:+1-900-555-0191", TelUri(number="+19005550191", is_global=True)),
    ("tel:+1-800-555-0191", TelUri(number="+18005550191", is_global=True)),
    # RFC 4715 sections 3 and 4
    ("tel:+17005554141;isub=12345", TelUri(number="+17005554141", is_global=True, isub="12345")),
    ("tel:+17005554141;isub=12345;isub-encoding=nsap-ia5",
     TelUri(number="+17005554141", is_global=True, isub="12345", isub_encoding="nsap-ia5")),
]


@pytest.mark.parametrize(("uri", "expected"), RFC_EXAMPLES, ids=[u for u, _ in RFC_EXAMPLES])
def test_rfc_examples(uri: str, expected: TelUri) -> None:
    assert teluri.parse(uri) == expected


def test_the_rfc_example_list_covers_every_tel_uri_in_the_spec_texts() -> None:
    import re
    from pathlib import Path

    specs = Path("/work/shared/specs")
    if not specs.exists():
        pytest.skip("spec texts not available")
    quoted = set()
    for name in ("rfc3966.txt", "rfc4715.txt"):
        for match in re.finditer(r"tel:[^\s\"<>]+", (specs / name).read_text()):
            quoted.add(match.group(0).rstrip(":"))  # "tel:+1-201-555-0123:" is a definition list
    assert quoted <= {u for u, _ in RFC_EXAMPLES}


@pytest.mark.parametrize("encoding", ["nsap-ia5", "nsap-bcd", "nsap", "NSAP-BCD"])
def test_isub_encodings(encoding: str) -> None:
    uri = teluri.parse(f"tel:+17005554141;isub=12345;isub-encoding={encoding}")
    assert uri.isub_encoding == encoding.lower()


def test_isub_percent_encoded_value() -> None:
    assert teluri.parse("tel:+17005554141;isub=%41%42;isub-encoding=nsap-ia5").isub == "AB"


@pytest.mark.parametrize(
    ("uri", "number", "extension", "postdial"),
    [
        ("tel:+1-201-555-0123;ext=1234", "+12015550123", "1234", None),
        ("TEL:+1(201)555.0123;EXT=12", "+12015550123", "12", None),
        ("tel:%2B1%20201%20555%200123", "+12015550123", None, None),
        ("tel:+12015550123;postd=pp1234", "+12015550123", None, "pp1234"),
        ("tel:+12015550123;postd=p1w2#*a", "+12015550123", None, "p1w2#*A"),
        ("tel:+12015550123;POSTD=P1", "+12015550123", None, "p1"),
        ("tel:+12015550123,,1234%23", "+12015550123", None, ",,1234#"),
        ("tel:+12015550123p1", "+12015550123", None, "p1"),
        ("tel://+12015550123", "+12015550123", None, None),
        ("callto://+12015550123", "+12015550123", None, None),
        ("callto:+1 201 555 0123", "+12015550123", None, None),
        ("CallTo:+1%20201%20555%200123", "+12015550123", None, None),
        ("callto:2015550123", "2015550123", None, None),
    ],
)
def test_common_link_forms(uri: str, number: str, extension: str | None, postdial: str | None) -> None:
    parsed = teluri.parse(uri)
    assert (parsed.number, parsed.extension, parsed.postdial) == (number, extension, postdial)


def test_callto_scheme_is_remembered() -> None:
    assert teluri.parse("callto://+12015550123").scheme == "callto"
    assert teluri.parse("tel:+12015550123").scheme == "tel"


def test_unknown_params_kept_in_order_and_lower_case_names() -> None:
    uri = teluri.parse("tel:+12015550123;Zeta=1;alpha;tsp=a.example.com")
    assert uri.params == (("zeta", "1"), ("alpha", None), ("tsp", "a.example.com"))


def test_local_service_code_with_context() -> None:
    uri = teluri.parse("tel:*21%23;phone-context=+44")
    assert (uri.number, uri.is_global, uri.phone_context) == ("*21#", False, "+44")
    assert uri.to_uri() == "tel:*21%23;phone-context=+44"


@pytest.mark.parametrize(
    ("uri", "canonical"),
    [
        ("tel:+1-201-555-0123", "tel:+12015550123"),
        ("tel:863-1234;phone-context=+1-914-555", "tel:8631234;phone-context=+1914555"),
        ("tel:7042;Foo=bar;phone-context=Example.COM;ext=5", "tel:7042;ext=5;phone-context=example.com;foo=bar"),
        ("tel:+17005554141;isub-encoding=nsap;isub=12345", "tel:+17005554141;isub=12345;isub-encoding=nsap"),
        ("tel:+12015550123;zz=1;postd=p1;aa", "tel:+12015550123;aa;postd=p1;zz=1"),
        ("callto:2015550123", "callto:2015550123"),
    ],
)
def test_to_uri_is_canonical_and_reparses(uri: str, canonical: str) -> None:
    parsed = teluri.parse(uri)
    assert parsed.to_uri() == canonical
    again = teluri.parse(canonical)
    assert (again.number, again.extension, again.isub, again.phone_context, again.postdial) == (
        parsed.number, parsed.extension, parsed.isub, parsed.phone_context, parsed.postdial)
    assert dict(again.params) == dict(parsed.params)  # same parameters; canonical order is sorted


@pytest.mark.parametrize(
    ("uri", "words"),
    [
        ("", "must start with tel:"),
        ("http://example.com", "must start with tel:"),
        ("tel:", "no phone number"),
        ("tel:5550123", "needs a phone-context"),
        ("tel:+", "+ followed by digits"),
        ("tel:+1-abc", "+ followed by digits"),
        ("tel:+12015550123;ext=1;EXT=2", "more than once"),
        ("tel:+12015550123;foo;foo", "more than once"),
        ("tel:+12015550123;ext=12a", "only digits"),
        ("tel:+12015550123;ext", "needs a value"),
        ("tel:+12015550123;ext=", "empty value"),
        ("tel:+12015550123;;ext=1", "empty parameter"),
        ("tel:+12015550123;b@d=1", "bad parameter name"),
        ("tel:+12015550123;postd=9x", "postd="),
        ("tel:+12015550123,1;postd=2", "both"),
        ("tel:123;phone-context=not_a_domain!", "domain name"),
        ("tel:+1%zz", "percent-encoding"),
        ("tel:+1%ff", "utf-8"),
        ("tel:12;phone-context=+", "+ followed by digits"),
        ("callto:echo123", "names a user"),
        ("tel:+1" + "2" * 2050, "too long"),
    ],
)
def test_refusals_name_the_reason(uri: str, words: str) -> None:
    with pytest.raises(TelUriError) as err:
        teluri.parse(uri)
    assert words in str(err.value).lower()


def test_teluri_error_is_a_value_error() -> None:
    assert issubclass(TelUriError, ValueError)


@pytest.mark.parametrize(
    ("uri", "dialable"),
    [
        ("tel:+1-201-555-0123", "+12015550123"),
        ("tel:7946-0958;phone-context=+44-20", "+442079460958"),
        ("tel:7042;phone-context=example.com", "7042"),
        ("callto:2015550123", "2015550123"),
    ],
)
def test_dialable_applies_a_number_context(uri: str, dialable: str) -> None:
    assert teluri.parse(uri).dialable == dialable
