"""How the command line starts the desktop app: links after options, quick-call with nothing running, the
test hook that only an app started for tests accepts, and when `dialer call` hands over to the window."""

from __future__ import annotations

import argparse
from typing import Any

import pytest

from dialer.cli import call_cmd, main
from dialer.desktop import protocol


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What the window would have been started with (the window itself is tested in tests/gui)."""
    calls: list[dict[str, Any]] = []

    def fake_run(**kwargs: Any) -> int:
        calls.append(kwargs)
        return 0

    monkeypatch.setattr("dialer.ui.app.run", fake_run)
    return calls


@pytest.mark.parametrize("argv", [["--demo", "tel:+1-201-555-0123"], ["tel:+1-201-555-0123", "--demo"]])
def test_a_link_after_or_before_demo_opens_in_the_demo(argv: list[str], started: list[dict[str, Any]]) -> None:
    assert main.main(argv) == 0
    assert len(started) == 1
    assert (started[0]["demo"], started[0]["uri"], started[0]["minimized"]) == (True, "tel:+1-201-555-0123", False)


def test_quick_call_with_nothing_running_starts_the_app_with_the_popup(started: list[dict[str, Any]]) -> None:
    assert main.main(["quick-call"]) == 0
    assert len(started) == 1 and started[0]["quick_call"] is True and started[0]["uri"] is None


def test_the_accept_hook_is_an_unknown_action_without_the_test_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    line = b'{"v":1,"action":"test-accept","args":{}}\n'
    monkeypatch.delenv(protocol.TEST_HOOKS_ENV, raising=False)
    with pytest.raises(protocol.ProtocolError, match="unknown action"):
        protocol.decode_request(line)
    for value in ("0", "yes", "true", ""):  # only exactly "1" turns it on
        monkeypatch.setenv(protocol.TEST_HOOKS_ENV, value)
        with pytest.raises(protocol.ProtocolError, match="unknown action"):
            protocol.decode_request(line)
    monkeypatch.setenv(protocol.TEST_HOOKS_ENV, "1")
    assert protocol.decode_request(line).action == protocol.ACTION_TEST_ACCEPT


def call_args(**overrides: Any) -> argparse.Namespace:
    values: dict[str, Any] = {"number": "+12015550123", "provider": None, "mode": None, "own_number": None,
                              "dtmf": None, "dtmf_delay": None, "max_minutes": None, "ring_timeout": None, "yes": False,
                              "allow_premium": False, "json": False, "caller_id": None}
    values.update(overrides)
    return argparse.Namespace(**values)


@pytest.mark.parametrize("overrides", [{"yes": True}, {"json": True}, {"provider": "ringez"}, {"dtmf": "1"},
                                       {"mode": "direct"}, {"own_number": "+14155550123"}, {"max_minutes": 5},
                                       {"dtmf_delay": 2.0}, {"ring_timeout": 30.0},
                                       {"caller_id": "+12025550111"}])
def test_dialer_call_with_script_options_never_goes_to_the_window(overrides: dict[str, Any]) -> None:
    assert call_cmd._hand_off(call_args(**overrides)) is None


def test_dialer_call_with_no_window_running_stays_on_the_command_line() -> None:
    assert call_cmd._hand_off(call_args()) is None
    assert call_cmd._hand_off(call_args(number="tel:+1-201-555-0123")) is None
