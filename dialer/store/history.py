"""Call history: one row per call, newest first, fast to page through at a million rows.

Times are stored as integer microseconds since the epoch (UTC) so that ``(started_us DESC, id DESC)``
indexes give the newest-first order directly; a page is an index range scan, not a sort. Rows fetched from
a provider's own call log are merged by ``(provider, provider_call_id)`` (a unique index), so polling the
same log twice never duplicates a call.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from dialer.store.db import Database


@dataclass
class HistoryRow:
    id: int | None
    provider: str
    account_id: int | None
    provider_call_id: str | None
    destination: str  # E.164
    display_name: str | None
    mode: str
    origin: str
    state: str  # a LegState value: the outcome so far
    legs: dict[str, str]  # role -> LegState value
    started_at: datetime  # aware, UTC
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    duration_s: int | None = None
    cost: Decimal | None = None
    currency: str | None = None
    error: str | None = None
    finished: bool = False


@dataclass(frozen=True)
class HistoryFilter:
    """What to show: every field that is set must match. ``text`` matches number or name (substring)."""

    provider: str | None = None
    state: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None


class ServerCallLike(Protocol):
    """A row of a provider's own call log (see ``dialer.providers.base.ServerCall``)."""

    @property
    def call_id(self) -> str: ...
    @property
    def destination(self) -> str: ...
    @property
    def state(self) -> Any: ...
    @property
    def duration_s(self) -> int | None: ...
    @property
    def cost(self) -> Decimal | None: ...
    @property
    def started_at(self) -> datetime | None: ...


_FIELDS = [f.name for f in fields(HistoryRow) if f.name != "id"]
_TIME_FIELDS = {"started_at": "started_us", "answered_at": "answered_us", "ended_at": "ended_us"}
_COLUMNS = [_TIME_FIELDS.get(name, name) for name in _FIELDS]
_SELECT = "SELECT id, " + ", ".join(_COLUMNS) + " FROM history"


def _to_us(value: datetime | None) -> int | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("History times must be timezone-aware (UTC).")
    delta = value - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _from_us(value: int | None) -> datetime | None:
    if value is None:
        return None
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=value)


def _to_db(name: str, value: Any) -> Any:
    if name in _TIME_FIELDS:
        return _to_us(value)
    if name == "legs":
        return json.dumps({str(k): str(v) for k, v in (value or {}).items()}, sort_keys=True)
    if name == "cost":
        return None if value is None else str(value)
    if name == "finished":
        return int(bool(value))
    if name in ("state", "mode", "origin"):
        return str(value)
    return value


def _from_db(r: sqlite3.Row) -> HistoryRow:
    started = _from_us(r["started_us"])
    assert started is not None
    return HistoryRow(
        id=int(r["id"]), provider=r["provider"], account_id=r["account_id"],
        provider_call_id=r["provider_call_id"], destination=r["destination"], display_name=r["display_name"],
        mode=r["mode"], origin=r["origin"], state=r["state"], legs=json.loads(r["legs"]),
        started_at=started, answered_at=_from_us(r["answered_us"]), ended_at=_from_us(r["ended_us"]),
        duration_s=r["duration_s"], cost=None if r["cost"] is None else Decimal(r["cost"]),
        currency=r["currency"], error=r["error"], finished=bool(r["finished"]),
    )


def _where(flt: HistoryFilter | None) -> tuple[str, list[Any]]:
    if flt is None:
        return "", []
    clauses: list[str] = []
    params: list[Any] = []
    if flt.provider:
        clauses.append("provider = ?")
        params.append(flt.provider)
    if flt.state:
        clauses.append("state = ?")
        params.append(str(flt.state))
    if flt.since is not None:
        clauses.append("started_us >= ?")
        params.append(_to_us(flt.since))
    if flt.until is not None:
        clauses.append("started_us < ?")
        params.append(_to_us(flt.until))
    if flt.text:
        clauses.append("(instr(destination, ?) > 0 OR instr(lower(coalesce(display_name, '')), ?) > 0)")
        params += [flt.text.strip(), flt.text.strip().lower()]
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


_INSERT_SQL = ("INSERT INTO history(" + ", ".join(_COLUMNS) + ") VALUES ("
               + ", ".join("?" * len(_COLUMNS)) + ")")


def _values(row: HistoryRow) -> list[Any]:
    return [_to_db(name, getattr(row, name)) for name in _FIELDS]


class HistoryStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, row: HistoryRow) -> int:
        """Insert a call; sets and returns ``row.id``."""
        row.id = self.db.execute(_INSERT_SQL, _values(row))
        return row.id

    def add_many(self, rows: Iterable[HistoryRow]) -> None:
        """Insert many rows in one transaction (benchmarks, migrations)."""
        self.db.executemany(_INSERT_SQL, (_values(r) for r in rows))

    def update(self, row_id: int, **changes: Any) -> None:
        """Change some fields of a row, e.g. ``update(7, state="completed", finished=True)``."""
        unknown = set(changes) - set(_FIELDS)
        if unknown:
            raise TypeError(f"Unknown history fields: {', '.join(sorted(unknown))}")
        if not changes:
            return
        sets = ", ".join(f"{_TIME_FIELDS.get(k, k)} = ?" for k in changes)
        self.db.execute(f"UPDATE history SET {sets} WHERE id = ?",
                        [*(_to_db(k, v) for k, v in changes.items()), row_id])

    def get(self, row_id: int) -> HistoryRow | None:
        r = self.db.query_one(_SELECT + " WHERE id = ?", (row_id,))
        return _from_db(r) if r else None

    def unfinished(self) -> list[HistoryRow]:
        """Calls not marked finished (e.g. the app quit mid-call): the service resumes or closes them."""
        return [_from_db(r) for r in self.db.query(_SELECT + " WHERE finished = 0 ORDER BY started_us, id")]

    def find_by_provider_call(self, provider: str, provider_call_id: str) -> HistoryRow | None:
        r = self.db.query_one(_SELECT + " WHERE provider = ? AND provider_call_id = ?",
                              (provider, provider_call_id))
        return _from_db(r) if r else None

    def merge_server_calls(self, provider: str, account_id: int | None,
                           calls: Iterable[ServerCallLike]) -> int:
        """Add the provider's calls we do not know yet (by call id). Returns how many were added."""
        added = 0
        now = datetime.now(UTC)
        with self.db.transaction() as conn:
            for call in calls:
                state = str(getattr(call.state, "value", call.state))
                row = HistoryRow(
                    id=None, provider=provider, account_id=account_id, provider_call_id=call.call_id,
                    destination=call.destination, display_name=None, mode="bridge", origin="server",
                    state=state, legs={"destination": state}, started_at=call.started_at or now,
                    duration_s=call.duration_s, cost=call.cost, finished=True,
                )
                cur = conn.execute(_INSERT_SQL.replace("INSERT", "INSERT OR IGNORE", 1), _values(row))
                added += cur.rowcount
        return added

    def count(self, filter: HistoryFilter | None = None) -> int:
        where, params = _where(filter)
        r = self.db.query_one("SELECT count(*) FROM history" + where, params)
        return int(r[0]) if r else 0

    def page(self, offset: int, limit: int, filter: HistoryFilter | None = None) -> list[HistoryRow]:
        """Rows newest first; ``offset``/``limit`` as in SQL."""
        where, params = _where(filter)
        rows = self.db.query(_SELECT + where + " ORDER BY started_us DESC, id DESC LIMIT ? OFFSET ?",
                             [*params, limit, offset])
        return [_from_db(r) for r in rows]

    def page_before(self, before: HistoryRow | None, limit: int,
                    filter: HistoryFilter | None = None) -> list[HistoryRow]:
        """Keyset paging: the ``limit`` rows older than ``before`` (cost independent of depth)."""
        where, params = _where(filter)
        if before is not None:
            key = "started_us <= ? AND (started_us < ? OR id < ?)"  # first term bounds the index scan
            us = _to_us(before.started_at)
            where = (where + " AND " + key) if where else " WHERE " + key
            params += [us, us, before.id]
        rows = self.db.query(_SELECT + where + " ORDER BY started_us DESC, id DESC LIMIT ?", [*params, limit])
        return [_from_db(r) for r in rows]

    def recent_numbers(self, limit: int = 5) -> list[str]:
        """The last distinct numbers called, newest first (for the dial field's suggestions)."""
        out: list[str] = []
        for r in self.db.query("SELECT destination FROM history ORDER BY started_us DESC, id DESC LIMIT ?",
                               (limit * 20,)):
            if r[0] not in out:
                out.append(str(r[0]))
                if len(out) == limit:
                    break
        return out

    def clear(self) -> None:
        self.db.execute("DELETE FROM history")

    @staticmethod
    def columns() -> Sequence[str]:
        """Field names in export order."""
        return ["id", *_FIELDS]
