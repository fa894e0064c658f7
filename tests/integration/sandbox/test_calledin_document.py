"""calledin.txt, replayed verbatim against the sandbox: the sample request, every parameter of the API list,
the return codes 0-10 a request can trigger, and the callback's GET parameters.

The document is quoted in the constants below; where it is silent (the order of the checks, the sandbox's
do-not-call and area-code lists) the sandbox README names the choice.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .helpers import Receiver, advance, wait_for

PATH = "/api/clicktocall/"  # "http://called.in/api/clicktocall/"
KEY = "sandbox-calledin-key"  # the sandbox's demo key, standing in for the document's 'your_api_key'

# The document's "Sample Code", its variables as written.
SAMPLE = {"api_key": "your_api_key", "caller_phone_number": "5551234444", "caller_country_code": "1",
          "callee_phone_number": "5551236666", "callee_country_code": "1", "max_duration": "3"}


def sample_query(api_key: str) -> str:
    """The query string the PHP sample builds. It interpolates ``$phone_number`` and ``$country_code``, which
    the sample never defines: PHP sends them as empty strings, exactly as replayed here."""
    return (f"api_key={api_key}&caller_phone_number=&caller_country_code="
            f"&callee_phone_number={SAMPLE['callee_phone_number']}"
            f"&callee_country_code={SAMPLE['callee_country_code']}&max_duration={SAMPLE['max_duration']}")


def get(client: httpx.Client, query: str) -> httpx.Response:
    return client.get(f"{PATH}?{query}")


def code_of(response: httpx.Response) -> int:
    """The documented answer: a bare return code ("$return_code != 0")."""
    assert response.status_code == 200
    text = response.text
    assert text.strip().isdigit(), text
    return int(text)


def calls(client: httpx.Client) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = client.get("/_sandbox/calls").json()["calls"]
    return result


def params(**overrides: str | None) -> dict[str, str]:
    """The API list's own examples (caller and callee 5552104427 with country code 1)."""
    base: dict[str, str | None] = {"api_key": KEY, "caller_phone_number": "5552104427", "caller_country_code": "1",
                                   "callee_phone_number": "5552104428", "callee_country_code": "1"}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def test_the_sample_code_as_written_is_refused_as_badly_formed(client: httpx.Client) -> None:
    assert code_of(get(client, sample_query("your_api_key"))) == 1  # the placeholder key: 1 invalid api_key
    assert code_of(get(client, sample_query(KEY))) == 4  # empty caller_phone_number: 4 badly formed
    assert calls(client) == []


def test_the_sample_code_as_meant_places_the_call(client: httpx.Client) -> None:
    query = "&".join(f"{k}={v}" for k, v in {**SAMPLE, "api_key": KEY}.items())
    response = get(client, query)
    assert code_of(response) == 0 and response.text == "0"
    (call,) = calls(client)
    assert call["provider"] == "calledin" and call["mode"] == "bridge"
    assert (call["from"], call["to"]) == ("+15551234444", "+15551236666")  # the caller is dialed first
    assert [leg["role"] for leg in call["legs"]] == ["self", "destination"]


def test_every_parameter_of_the_api_list_with_its_example(client: httpx.Client, receiver: Receiver) -> None:
    query = params(max_duration="5", caller_id="5552223333", callback_url=receiver.url, secret="x" * 30)
    assert code_of(client.get(PATH, params=query)) == 0
    assert len(calls(client)) == 1


def test_max_duration_left_blank_means_no_limit(client: httpx.Client) -> None:
    assert code_of(client.get(PATH, params=params(max_duration=""))) == 0


def test_the_path_without_the_trailing_slash_works_too(client: httpx.Client) -> None:
    assert code_of(client.get(PATH.rstrip("/"), params=params())) == 0


def test_a_uk_mobile_has_ten_national_digits_and_is_accepted(client: httpx.Client) -> None:
    # "country code (ex: north america is 1, UK is 44)"; +44 7911 123456 -> 7911123456
    assert code_of(client.get(PATH, params=params(callee_country_code="44", callee_phone_number="7911123456"))) == 0


@pytest.mark.parametrize(("overrides", "code"), [
    ({"api_key": "your_api_key"}, 1),                                 # 1: invalid api_key
    ({"api_key": "sandbox-calledin-nocredit"}, 2),                    # 2: no call credits
    ({"callee_phone_number": "5552109999"}, 3),                       # 3: on the DoNotCall list
    ({"caller_phone_number": "555210442"}, 4),                        # 4: "10-digit phone number": 9 digits
    ({"callee_phone_number": "15552104427"}, 4),                      # 4: 11 digits
    ({"caller_phone_number": "555 210 4427"}, 4),                     # 4: "no spaces"
    ({"callee_phone_number": "555-210-4427"}, 4),                     # 4: "or dashes"
    ({"callee_country_code": None}, 4),                               # 4: a parameter missing
    ({"max_duration": "five"}, 4),                                    # 4: "time in minutes (ex: 5)"
    ({"secret": "x" * 31}, 4),                                        # 4: "Max 30 characters"
    ({"callee_country_code": "44", "callee_phone_number": "791112345"}, 4),  # 4: a UK number of 9 digits
    ({"api_key": "sandbox-calledin-disabled"}, 5),                    # 5: api_key is currently disabled
    ({"caller_phone_number": "9005550123"}, 7),                       # 7: caller area code not supported
    ({"caller_country_code": "49"}, 8),                               # 8: caller_country_code not supported
    ({"callee_phone_number": "9765550123"}, 9),                       # 9: callee area code not supported
    ({"callee_country_code": "49"}, 10),                              # 10: callee_country_code not supported
])
def test_each_documented_error_code(client: httpx.Client, overrides: dict[str, str | None], code: int) -> None:
    assert code_of(client.get(PATH, params=params(**overrides))) == code
    assert calls(client) == []


def test_code_6_flood_protection_for_the_same_number_within_a_minute(client: httpx.Client) -> None:
    assert code_of(client.get(PATH, params=params())) == 0
    assert code_of(client.get(PATH, params=params())) == 6  # "please wait 1 minute and try request again"
    advance(client, 61)
    assert code_of(client.get(PATH, params=params())) == 0


CALLBACK_KEYS = {"caller_phone_number", "callee_phone_number", "minutes", "secret", "answered", "reason"}


def test_the_callback_of_an_answered_call_has_the_documented_parameters(client: httpx.Client,
                                                                         receiver: Receiver) -> None:
    query = params(max_duration="1", callback_url=receiver.url, secret="my-call-7")
    assert code_of(client.get(PATH, params=query)) == 0
    wait_for(lambda: calls(client)[0]["state"] == "answered")
    advance(client, 61)  # "the maximum call time in minutes before the call automatically ends"
    hit = wait_for(lambda: receiver.hits and receiver.hits[0])
    assert set(hit) - {"_path"} == CALLBACK_KEYS
    assert hit["caller_phone_number"] == "5552104427"  # "the caller_phone_number that you provided"
    assert hit["callee_phone_number"] == "5552104428"
    assert hit["secret"] == "my-call-7" and hit["answered"] == "1" and hit["minutes"] == "1"


@pytest.mark.parametrize(("callee", "reason"), [
    ("5552100001", "5"),  # 5 - Busy
    ("5552100002", "3"),  # 3 - Ring timeout
    ("5552100003", "1"),  # 1 - Hung up
    ("5552100004", "8"),  # 8 - Congestion
    ("5552100007", "0"),  # 0 - Failed (not busy or congested)
])
def test_the_callback_of_an_unanswered_call_gives_a_documented_reason(client: httpx.Client, receiver: Receiver,
                                                                      callee: str, reason: str) -> None:
    assert code_of(client.get(PATH, params=params(callee_phone_number=callee, callback_url=receiver.url))) == 0
    hit = wait_for(lambda: receiver.hits and receiver.hits[0])
    assert set(hit) - {"_path"} == CALLBACK_KEYS
    assert hit["answered"] == "0" and hit["reason"] == reason
    assert hit["minutes"] == "0"  # "can be 0 if the call was not connected"
    assert hit["secret"] == ""  # "If not, this will be empty."
