"""CallService.prepare (the planner): what a user typed or clicked becomes a plan, or a clear refusal."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from dialer.core.calls import CallMode, Origin
from dialer.providers.base import Balance
from dialer.providers.capabilities import CALLEDIN, RINGCENTRAL, RINGEZ
from dialer.service.active import AccountView
from dialer.service.errors import DialError
from dialer.service.planner import Planner
from dialer.service.settings import Settings
from dialer.store.db import Database
from dialer.store.settings import SettingsStore


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    db = Database.open(tmp_path / "p.sqlite3")
    yield Settings(SettingsStore(db))
    db.close()


def views(*, signed_in: bool = True) -> list[AccountView]:
    return [
        AccountView(1, "ringez", "me@example.test", RINGEZ, signed_in),
        AccountView(2, "ringcentral", "JWT sign-in", RINGCENTRAL, signed_in),
        AccountView(3, "calledin", "key", CALLEDIN, signed_in),
    ]


def planner(settings: Settings, accounts: list[AccountView] | None = None) -> Planner:
    listed = views() if accounts is None else accounts
    return Planner(settings=settings, accounts=lambda: listed,
                   balance_of=lambda account_id: Balance(minutes=12) if account_id == 1 else None,
                   contact_name=lambda e164: "Alice" if e164 == "+442079460958" else None)


def test_a_plain_number_gets_rate_estimate_balance_and_contact(settings: Settings) -> None:
    settings.own_number = "+14155559876"
    settings.max_minutes = 10
    plan = planner(settings).prepare("+44 20 7946 0958", origin=Origin.WINDOW)
    assert plan.destination == "+442079460958"
    assert plan.info.country_name == "United Kingdom"
    assert plan.account.id == 1 and plan.mode is CallMode.BRIDGE
    assert plan.rate is not None and plan.rate.per_minute == Decimal("0.06")
    assert plan.estimate_max == Decimal("0.60")
    assert plan.balance == Balance(minutes=12)
    assert plan.display_name == "Alice"
    # Ringez rings the phone registered with the account: the own number is neither sent nor claimed
    assert plan.own_number is None and "+1 415" not in plan.rings_first
    assert plan.rings_first.startswith("The phone registered with your Ringez account rings first")
    assert not plan.needs_confirmation


def test_ringez_bridge_needs_no_own_number(settings: Settings) -> None:
    assert settings.own_number is None
    plan = planner(settings).prepare("+12015550123", origin=Origin.WINDOW, account_id=1)
    assert plan.mode is CallMode.BRIDGE and plan.own_number is None
    assert "registered with your Ringez account" in plan.rings_first


def test_a_provider_that_is_sent_the_own_number_names_it(settings: Settings) -> None:
    settings.own_number = "+14155559876"
    plan = planner(settings).prepare("+12015550123", origin=Origin.WINDOW, account_id=2)
    assert plan.own_number == "+14155559876"
    assert plan.rings_first.startswith("Your phone (+1 415") and "rings first" in plan.rings_first


def test_a_tel_link_needs_confirmation_and_keeps_its_extension(settings: Settings) -> None:
    settings.own_number = "+14155559876"
    plan = planner(settings).prepare("tel:+1-201-555-0123;ext=42", origin=Origin.TEL_LINK)
    assert plan.destination == "+12015550123"
    assert plan.postdial == "p42"
    assert plan.needs_confirmation


def test_national_numbers_are_read_in_the_default_region(settings: Settings) -> None:
    settings.own_number = "+14155559876"
    settings.default_region = "GB"
    plan = planner(settings).prepare("020 7946 0958", origin=Origin.WINDOW)
    assert plan.destination == "+442079460958"


@pytest.mark.parametrize(("text", "reason"), [
    ("*21#", "service code"),
    ("112", "emergency"),
    ("+1 201", "too short"),
    ("hello", "No phone number"),
])
def test_unusable_numbers_are_refused_with_the_reason(settings: Settings, text: str, reason: str) -> None:
    settings.own_number = "+14155559876"
    with pytest.raises(DialError, match=reason):
        planner(settings).prepare(text, origin=Origin.WINDOW)


def test_no_signed_in_account_says_how_to_sign_in(settings: Settings) -> None:
    with pytest.raises(DialError, match="sign in"):
        planner(settings, views(signed_in=False)).prepare("+12015550123", origin=Origin.WINDOW)


def test_a_mode_the_provider_lacks_is_refused(settings: Settings) -> None:
    settings.own_number = "+14155559876"
    with pytest.raises(DialError, match="cannot place direct calls"):
        planner(settings).prepare("+12015550123", origin=Origin.WINDOW, account_id=2, mode=CallMode.DIRECT)


def test_bridge_calls_need_the_users_own_number(settings: Settings) -> None:
    with pytest.raises(DialError, match="set your phone number"):
        planner(settings).prepare("+12015550123", origin=Origin.WINDOW, account_id=3)


def test_direct_mode_does_not_ring_the_users_phone(settings: Settings) -> None:
    plan = planner(settings).prepare("+12015550123", origin=Origin.WINDOW, mode=CallMode.DIRECT)
    assert plan.own_number is None and "does not ring" in plan.rings_first


def test_the_default_account_and_mode_come_from_settings(settings: Settings) -> None:
    settings.own_number = "+14155559876"
    settings.default_account_id = 2
    settings.default_mode = CallMode.DIRECT  # RingCentral cannot: bridge is used
    plan = planner(settings).prepare("+12015550123", origin=Origin.WINDOW)
    assert plan.account.id == 2 and plan.mode is CallMode.BRIDGE
    assert plan.rate is None  # RingCentral publishes no rates


def test_bad_post_dial_keys_are_refused(settings: Settings) -> None:
    settings.own_number = "+14155559876"
    with pytest.raises(DialError, match="not valid"):
        planner(settings).prepare("+12015550123", origin=Origin.WINDOW, postdial="12x")


def test_confirm_all_asks_even_from_the_window(settings: Settings) -> None:
    settings.own_number = "+14155559876"
    settings.confirm_all = True
    assert planner(settings).prepare("+12015550123", origin=Origin.WINDOW).needs_confirmation


def test_an_empty_balance_is_a_warning_with_the_wallet(settings: Settings) -> None:
    settings.own_number = "+14155559876"
    broke = Planner(settings=settings, accounts=views, balance_of=lambda _id: Balance(minutes=0))
    plan = broke.prepare("+12015550123", origin=Origin.WINDOW, account_id=1)
    assert plan.needs_confirmation
    assert any("ringez.com/wallet" in w for w in plan.warnings)


def test_a_local_tel_link_under_a_global_context_dials_the_full_number(settings: Settings) -> None:
    settings.own_number = "+14155559876"
    plan = planner(settings).prepare("tel:7946-0958;phone-context=+44-20", origin=Origin.TEL_LINK)
    assert plan.destination == "+442079460958"
    assert plan.needs_confirmation


def test_a_call_at_night_at_the_destination_warns_and_asks_first(settings: Settings) -> None:
    settings.own_number = "+14155559876"
    from datetime import UTC, datetime

    night = Planner(settings=settings, accounts=lambda: views(), balance_of=lambda _id: None,
                    clock=lambda: datetime(2026, 11, 24, 23, 30, tzinfo=UTC))
    plan = night.prepare("+44 20 7946 0958", origin=Origin.WINDOW)
    assert plan.needs_confirmation
    assert any("night" in warning.lower() or "23:30" in warning for warning in plan.warnings)
    day = Planner(settings=settings, accounts=lambda: views(), balance_of=lambda _id: None,
                  clock=lambda: datetime(2026, 11, 24, 14, 0, tzinfo=UTC))
    assert not day.prepare("+44 20 7946 0958", origin=Origin.WINDOW).needs_confirmation
