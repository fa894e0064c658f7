"""The hand-off wire protocol: only well-formed, known, bounded requests pass; nothing else crashes it."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialer.core.calls import Origin
from dialer.desktop import protocol, requests
from dialer.desktop.protocol import ProtocolError


def line(message: object) -> bytes:
    return json.dumps(message).encode() + b"\n"


def test_encoded_request_round_trips() -> None:
    encoded = protocol.encode_request("open-uri", {"uri": "tel:+12015550123"}, cwd="/home/me")
    assert encoded.endswith(b"\n") and encoded.count(b"\n") == 1
    assert json.loads(encoded) == {"v": 1, "action": "open-uri", "args": {"uri": "tel:+12015550123"},
                                   "cwd": "/home/me"}
    decoded = protocol.decode_request(encoded)
    assert decoded == protocol.Request("open-uri", {"uri": "tel:+12015550123"}, "/home/me")


@pytest.mark.parametrize("action", ["quick-call", "show"])
def test_actions_without_arguments(action: str) -> None:
    assert protocol.decode_request(line({"v": 1, "action": action, "args": {}})).action == action
    assert protocol.decode_request(line({"v": 1, "action": action})).args == {}


def test_call_action_takes_a_typed_number() -> None:
    request = protocol.decode_request(line({"v": 1, "action": "call", "args": {"number": " +1 (201) 555-0123 "}}))
    assert request.args == {"number": "+1 (201) 555-0123"}


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ({"v": 2, "action": "show"}, "supported: 1"),
        ({"v": "1", "action": "show"}, "unsupported protocol version"),
        ({"v": True, "action": "show"}, "unsupported protocol version"),
        ({"action": "show"}, "unsupported protocol version"),
        ({"v": 1, "action": "dial-now"}, "unknown action"),
        ({"v": 1, "action": "show", "args": {"yes": "1"}}, "unknown argument"),
        ({"v": 1, "action": "show", "args": []}, "'args' must be an object"),
        ({"v": 1, "action": "show", "exec": "rm -rf ~"}, "unknown field"),
        ({"v": 1, "action": "open-uri", "args": {}}, "missing argument"),
        ({"v": 1, "action": "open-uri", "args": {"uri": 12}}, "must be a string"),
        ({"v": 1, "action": "open-uri", "args": {"uri": "https://evil.example/"}}, "only tel: and callto:"),
        ({"v": 1, "action": "open-uri", "args": {"uri": "--yes"}}, "only tel: and callto:"),
        ({"v": 1, "action": "open-uri", "args": {"uri": "tel:+1\x00"}}, "control characters"),
        ({"v": 1, "action": "open-uri", "args": {"uri": "tel:+1" + "2" * 3000}}, "longer than"),
        ({"v": 1, "action": "call", "args": {"number": "--yes"}}, "not a phone number"),
        ({"v": 1, "action": "call", "args": {"number": "+1 201; rm -rf /"}}, "not a phone number"),
        ({"v": 1, "action": "call", "args": {"number": "()-"}}, "not a phone number"),
        ({"v": 1, "action": "show", "cwd": 5}, "'cwd' must be a string"),
        ([1, 2, 3], "must be a JSON object"),
        ("show", "must be a JSON object"),
    ],
)
def test_invalid_requests_are_refused_with_the_reason(message: object, reason: str) -> None:
    with pytest.raises(ProtocolError, match=reason):
        protocol.decode_request(line(message))


@pytest.mark.parametrize(
    "raw",
    [b"", b"\n", b"{not json}\n", b"\xff\xfe\n", b'{"v":1,"action":"show"}\x00\n',
     b'{"v":1,"action":"show"}\n{"v":1}\n', b"[" * 100_000, b"[" * 5000 + b"]" * 5000 + b"\n"],
)
def test_garbage_is_refused(raw: bytes) -> None:
    with pytest.raises(ProtocolError):
        protocol.decode_request(raw)


def test_oversized_message_is_refused_before_parsing() -> None:
    big = line({"v": 1, "action": "show", "cwd": "x" * protocol.MAX_MESSAGE_BYTES})
    with pytest.raises(ProtocolError, match="longer than 16384 bytes"):
        protocol.decode_request(big)


def test_client_never_encodes_what_the_server_refuses() -> None:
    with pytest.raises(ProtocolError):
        protocol.encode_request("open-uri", {"uri": "javascript:alert(1)"})
    with pytest.raises(ProtocolError):
        protocol.encode_request("launch", {})


def test_replies() -> None:
    assert protocol.decode_reply(protocol.encode_reply(True).strip()) == (True, "")
    assert protocol.decode_reply(protocol.encode_reply(False, "no").strip()) == (False, "no")
    assert protocol.decode_reply(b"garbage")[0] is False
    assert protocol.decode_reply(b'{"ok": "yes"}')[0] is False


# --- interpretation: links parsed to a number --------------------------------------------------------------


def test_link_becomes_a_parsed_number_for_the_number_field() -> None:
    request = requests.decode(line({"v": 1, "action": "open-uri", "args": {"uri": "tel:+1-201-555-0123;ext=42"}}))
    assert request.action == "open-uri"
    assert request.number_text == "+12015550123"
    assert request.uri == "tel:+1-201-555-0123;ext=42"
    assert request.origin is Origin.TEL_LINK
    assert request.tel is not None and request.tel.extension == "42"


def test_callto_link_is_accepted() -> None:
    request = requests.decode(line({"v": 1, "action": "open-uri", "args": {"uri": "callto://+442079460000"}}))
    assert request.number_text == "+442079460000"


@pytest.mark.parametrize(
    "uri",
    ["tel:+1;$(rm -rf ~)", "tel:`id`", "tel:--yes", "tel:+1|sh", "callto:someuser", "tel:", "tel:+1&&reboot",
     "tel:+12015550123;ext=1;ext=2"],
)
def test_links_that_are_not_phone_numbers_are_refused(uri: str) -> None:
    with pytest.raises(ProtocolError, match="not a valid phone link"):
        requests.decode(line({"v": 1, "action": "open-uri", "args": {"uri": uri}}))


def test_quick_call_and_show_carry_no_number() -> None:
    for action in ("quick-call", "show"):
        request = requests.decode(line({"v": 1, "action": action}))
        assert (request.action, request.number_text, request.uri) == (action, "", "")
        assert request.origin is Origin.HANDOFF


# --- hostile input never crashes the decoder ---------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_crash_the_decoder(raw: bytes) -> None:
    try:
        request = requests.decode(raw)
    except ProtocolError:
        return
    assert request.action in protocol.ACTIONS  # only a genuinely valid request gets here


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={"v": st.sampled_from([1, 2, 0, "1", None, 1.0]) | json_values,
                  "action": st.sampled_from(protocol.ACTIONS) | json_values,
                  "args": st.dictionaries(st.sampled_from(["uri", "number", "yes", "x"]),
                                          json_values | st.text(max_size=60), max_size=3) | json_values,
                  "cwd": json_values},
    )
    | json_values
)
def test_arbitrary_json_never_crashes_and_only_valid_requests_pass(message: object) -> None:
    try:
        request = requests.decode(line(message))
    except ProtocolError:
        return
    assert isinstance(message, dict)
    assert message.get("v") == 1 and type(message.get("v")) is int
    assert request.action == message["action"]
    if request.action == "open-uri":
        assert request.number_text and set(request.number_text) <= protocol.NUMBER_CHARS


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_arbitrary_links_yield_a_clean_number_or_a_refusal(tail: str) -> None:
    try:
        request = requests.decode(line({"v": 1, "action": "open-uri", "args": {"uri": "tel:" + tail}}))
    except ProtocolError:
        return
    assert set(request.number_text) <= set("+0123456789*#")
