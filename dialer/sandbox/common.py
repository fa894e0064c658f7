"""Small helpers the provider emulators share: body parsing and number checks."""

from __future__ import annotations

import json
import re
from typing import Any

import phonenumbers
from starlette.requests import Request

E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class BadBody(ValueError):
    """The request body is not what the endpoint expects (not JSON, not an object...)."""


async def json_object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise BadBody(f"body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise BadBody("body must be a JSON object")
    return data


def is_e164(number: object) -> bool:
    """A plausible E.164 number: '+', country code, a length phonenumbers accepts for that country."""
    if not isinstance(number, str) or not E164.match(number):
        return False
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_possible_number(parsed))


def region_of(number: str) -> str:
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(number, None)) or ""
    except phonenumbers.NumberParseException:
        return ""


def to_e164_loose(number: str) -> str:
    """Digits with or without '+' (RingCentral accepts both) -> '+digits'."""
    number = number.strip()
    return number if number.startswith("+") else "+" + number
