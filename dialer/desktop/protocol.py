"""The hand-off wire protocol: one versioned JSON line per request, one JSON line per reply.

Shared by the client (:mod:`dialer.desktop.handoff`, runs on every ``tel:`` link click) and the server
(:mod:`dialer.desktop.ipc_server`, inside the running app). Standard library only, and free of Qt, so the
validation that guards the running app against hostile input is unit-testable on its own.

Request::

    {"v": 1, "action": "open-uri", "args": {"uri": "tel:+12015550123"}, "cwd": "/home/me"}

Reply::

    {"ok": true}            or            {"ok": false, "error": "why, in the user's terms"}

Whatever arrives on the socket is untrusted: any local process of the same user can write to it. The
decoder accepts only the exact shapes below and raises :class:`ProtocolError` for everything else; it
never evaluates anything, and the app never places a call from a request (it fills the number in and
asks the user to confirm).
"""

from __future__ import annotations

import json
import os

PROTOCOL_VERSION = 1
SUPPORTED_VERSIONS: tuple[int, ...] = (1,)
MAX_MESSAGE_BYTES = 16 * 1024
"""Longest request line (newline included). Longer messages are dropped unread."""
MAX_URI_CHARS = 2048
MAX_NUMBER_CHARS = 64
MAX_CWD_CHARS = 4096
REPLY_TIMEOUT_S = 2.0
"""How long a client waits for the running instance to connect and answer."""

ACTION_OPEN_URI = "open-uri"
ACTION_QUICK_CALL = "quick-call"
ACTION_CALL = "call"
ACTION_SHOW = "show"
ACTIONS: tuple[str, ...] = (ACTION_OPEN_URI, ACTION_QUICK_CALL, ACTION_CALL, ACTION_SHOW)

TEST_HOOKS_ENV = "DIALER_TEST_HOOKS"
ACTION_TEST_ACCEPT = "test-accept"
"""Test hook: press Call in the open confirmation. Accepted ONLY by an app started with
``DIALER_TEST_HOOKS=1`` (end-to-end tests drive the real app with it); any other app refuses it as an
unknown action, so no local process can confirm a call for the user."""


def test_hooks_enabled() -> bool:
    """Whether this process was started for end-to-end tests (``DIALER_TEST_HOOKS=1``)."""
    return os.environ.get(TEST_HOOKS_ENV) == "1"


def known_actions() -> tuple[str, ...]:
    """The actions this process accepts: :data:`ACTIONS`, plus the test hook when it is enabled."""
    return (*ACTIONS, ACTION_TEST_ACCEPT) if test_hooks_enabled() else ACTIONS


# Which argument each action takes (name -> maximum length); no other argument is accepted.
_ACTION_ARGS: dict[str, dict[str, int]] = {
    ACTION_OPEN_URI: {"uri": MAX_URI_CHARS},
    ACTION_QUICK_CALL: {},
    ACTION_CALL: {"number": MAX_NUMBER_CHARS},
    ACTION_SHOW: {},
    ACTION_TEST_ACCEPT: {},
}
_URI_SCHEMES = ("tel:", "callto:")
# What a typed phone number may contain: digits, grouping, '+', and the dial-string characters
# (pause/wait ',' ';' 'p' 'w', '*', '#'). Letters beyond those (say, "--yes") are refused.
NUMBER_CHARS = frozenset("0123456789+()-./ *#,;pwPWxX")


class ProtocolError(ValueError):
    """A message that is not a valid hand-off request or reply; the text says why, for the log/reply."""


class Request:
    """A request that passed structural validation (types, sizes, known version and action).

    A plain class rather than a dataclass: ``dataclasses`` costs milliseconds on every link click.
    """

    __slots__ = ("action", "args", "cwd")

    def __init__(self, action: str, args: dict[str, str] | None = None, cwd: str | None = None) -> None:
        self.action = action
        self.args: dict[str, str] = dict(args or {})
        self.cwd = cwd

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Request):
            return NotImplemented
        return (self.action, self.args, self.cwd) == (other.action, other.args, other.cwd)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Request(action={self.action!r}, args={self.args!r}, cwd={self.cwd!r})"


# --- encoding -----------------------------------------------------------------------------------------


def encode_request(action: str, args: dict[str, str] | None = None, cwd: str | None = None) -> bytes:
    """One request line (UTF-8 JSON + newline). Validates it, so a client never sends what the server
    would refuse."""
    message: dict[str, object] = {"v": PROTOCOL_VERSION, "action": action, "args": dict(args or {})}
    if cwd is not None:
        message["cwd"] = cwd
    line = json.dumps(message, ensure_ascii=True, separators=(",", ":")).encode("ascii") + b"\n"
    decode_request(line)  # raises ProtocolError for anything the server would refuse
    return line


def encode_reply(ok: bool, error: str | None = None) -> bytes:
    """One reply line."""
    message: dict[str, object] = {"ok": ok}
    if not ok:
        message["error"] = error or "request refused"
    return json.dumps(message, ensure_ascii=True).encode("ascii") + b"\n"


# --- decoding -----------------------------------------------------------------------------------------


def _check_text(name: str, value: object, limit: int) -> str:
    if not isinstance(value, str):
        raise ProtocolError(f"'{name}' must be a string")
    if len(value) > limit:
        raise ProtocolError(f"'{name}' is longer than {limit} characters")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise ProtocolError(f"'{name}' contains control characters")
    return value


def _check_args(action: str, raw: object) -> dict[str, str]:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ProtocolError("'args' must be an object")
    allowed = _ACTION_ARGS[action]
    unknown = sorted(str(key) for key in raw if key not in allowed)
    if unknown:
        raise ProtocolError(f"unknown argument(s) for {action}: {', '.join(unknown)[:200]}")
    missing = sorted(name for name in allowed if name not in raw)
    if missing:
        raise ProtocolError(f"missing argument(s) for {action}: {', '.join(missing)}")
    args = {name: _check_text(name, raw[name], limit) for name, limit in allowed.items()}
    if action == ACTION_OPEN_URI:
        uri = args["uri"].strip()
        if not uri.lower().startswith(_URI_SCHEMES):
            raise ProtocolError("only tel: and callto: links are accepted")
        args["uri"] = uri
    elif action == ACTION_CALL:
        number = args["number"].strip()
        if not number or not set(number) <= NUMBER_CHARS or not any(ch.isdigit() for ch in number):
            raise ProtocolError("'number' is not a phone number")
        args["number"] = number
    return args


def decode_request(line: bytes) -> Request:
    """Validate one request line (with or without its newline); raise :class:`ProtocolError` if bad."""
    if len(line) > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"message longer than {MAX_MESSAGE_BYTES} bytes")
    if line.endswith(b"\n"):
        line = line[:-1]
    if b"\n" in line or b"\x00" in line:
        raise ProtocolError("message must be one line without NUL bytes")
    try:
        message = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ProtocolError(f"not valid JSON: {type(exc).__name__}") from None
    if not isinstance(message, dict):
        raise ProtocolError("message must be a JSON object")
    unknown = sorted(str(key) for key in message if key not in ("v", "action", "args", "cwd"))
    if unknown:
        raise ProtocolError(f"unknown field(s): {', '.join(unknown)[:200]}")
    version = message.get("v")
    if type(version) is not int or version not in SUPPORTED_VERSIONS:
        supported = ", ".join(str(v) for v in SUPPORTED_VERSIONS)
        raise ProtocolError(f"unsupported protocol version {str(version)[:20]!r}; supported: {supported}")
    action = message.get("action")
    if not isinstance(action, str) or action not in known_actions():
        raise ProtocolError(f"unknown action {str(action)[:40]!r}; known: {', '.join(ACTIONS)}")
    args = _check_args(action, message.get("args"))
    cwd = message.get("cwd")
    if cwd is not None:
        cwd = _check_text("cwd", cwd, MAX_CWD_CHARS)
    return Request(action=action, args=args, cwd=cwd)


def decode_reply(line: bytes) -> tuple[bool, str]:
    """``(ok, error)`` from a reply line; a malformed reply counts as a failure."""
    try:
        message = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False, "the running dialer sent an unreadable reply"
    if not isinstance(message, dict) or not isinstance(message.get("ok"), bool):
        return False, "the running dialer sent an unreadable reply"
    if message["ok"]:
        return True, ""
    error = message.get("error")
    return False, str(error)[:500] if error else "the running dialer refused the request"
