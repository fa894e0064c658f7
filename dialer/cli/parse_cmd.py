"""`dialer parse TEXT`: show how the dialer reads a number or a tel:/callto: link (nothing is dialled).

Exit status: 0 for a valid number; 2 when there is no usable number (reason on stderr). A number that
can be read but is not valid is still printed (``valid: false``) and exits with 2 as well.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from dialer.i18n import _

if TYPE_CHECKING:  # the heavy imports happen only when the command runs
    from dialer.core.numbers import NumberInfo
    from dialer.core.teluri import TelUri

EXIT_INVALID = 2


def register(sub: Any) -> None:
    """Add `parse` to the `dialer` parser."""
    parser = sub.add_parser(
        "parse",
        help=_("show how a phone number or tel:/callto: link is read (nothing is dialled)"),
        description=_("Show how the dialer reads a phone number or a tel:/callto: link. Nothing is dialled."),
    )
    parser.add_argument("text", metavar="TEXT", help=_("a phone number (any common format) or a tel:/callto: link"))
    parser.add_argument("--region", metavar="CC",
                        help=_("two-letter country for numbers written without + (default: from your locale)"))
    parser.add_argument("--json", action="store_true", help=_("print one JSON object"))
    parser.set_defaults(func=run)


def _is_uri(text: str) -> bool:
    return text.strip().lower().startswith(("tel:", "callto:"))


def run(args: argparse.Namespace) -> int:
    from dialer.core import numbers, teluri

    text: str = args.text
    region: str = (args.region or numbers.default_region()).upper()
    if args.region and args.region.upper() not in _supported_regions():
        print(_("dialer parse: unknown region {region}; use a two-letter country code such as US or GB.").format(
            region=repr(args.region)), file=sys.stderr)
        return EXIT_INVALID

    uri: teluri.TelUri | None = None
    number_text = text
    try:
        if _is_uri(text):
            uri = teluri.parse(text)
            number_text = uri.dialable
        info = numbers.describe(number_text, region)
    except (teluri.TelUriError, numbers.InvalidNumber) as exc:
        print(_("dialer parse: {error}").format(error=exc), file=sys.stderr)
        return EXIT_INVALID

    problem: str | None = None
    if not info.valid:
        try:
            numbers.normalize(number_text, region)
        except numbers.InvalidNumber as exc:
            problem = str(exc)
        else:  # pragma: no cover - describe and normalize agree on validity
            problem = None

    if args.json:
        print(json.dumps(_as_dict(info, uri), ensure_ascii=False))
    else:
        print(_as_text(info, uri))
    if problem is not None:
        print(_("dialer parse: {error}").format(error=problem), file=sys.stderr)
        return EXIT_INVALID
    return 0


def _supported_regions() -> frozenset[str]:
    import phonenumbers

    return frozenset(phonenumbers.SUPPORTED_REGIONS)


def _as_dict(info: NumberInfo, uri: TelUri | None) -> dict[str, Any]:
    local = info.local_time()
    data: dict[str, Any] = {
        "e164": info.e164,
        "valid": info.valid,
        "region": info.region,
        "country": info.country_name,
        "place": info.place,
        "type": str(info.number_type),
        "carrier": info.carrier,
        "international": info.international,
        "national": info.national,
        "timezones": list(info.timezones),
        "local_time": local.isoformat(timespec="minutes") if local is not None else None,
        "uri": None,
        "extension": None,
        "postdial": None,
        "isub": None,
        "isub_encoding": None,
        "phone_context": None,
    }
    if uri is not None:
        data.update(
            uri=uri.to_uri(),
            scheme=uri.scheme,
            extension=uri.extension,
            postdial=uri.postdial,
            isub=uri.isub,
            isub_encoding=uri.isub_encoding,
            phone_context=uri.phone_context,
            params=[[name, value] for name, value in uri.params],
        )
    return data


def _as_text(info: NumberInfo, uri: TelUri | None) -> str:
    from dialer.core.numbers import flag

    lines = [f"{info.international}  ({'valid' if info.valid else 'NOT valid'})", f"E.164:      {info.e164}"]
    if info.region:
        place = f", {info.place}" if info.place and info.place != info.country_name else ""
        lines.append(f"Country:    {flag(info.region)} {info.country_name} ({info.region}){place}")
    lines.append(f"Type:       {info.number_type}" + (f" ({info.carrier})" if info.carrier else ""))
    lines.append(f"National:   {info.national}")
    local = info.local_time()
    if local is not None:
        lines.append(f"Time zone:  {', '.join(info.timezones)} (now {local:%H:%M} there)")
    if uri is not None:
        for label, value in (("Extension", uri.extension), ("Post-dial", uri.postdial),
                             ("Subaddress", uri.isub), ("Context", uri.phone_context)):
            if value is not None:
                lines.append(f"{label + ':':<11} {value}")
    return "\n".join(lines)
