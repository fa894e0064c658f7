"""Deterministic, realistic test data for benchmarks (names with accents, international numbers)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from dialer.store.contacts import Contact, ContactNumber
from dialer.store.history import HistoryRow

FIRST = (  # noqa: SIM905
    "James Mary John Patricia Robert Jennifer Michael Linda William Elizabeth David Barbara Richard Susan "
    "Joseph Jessica Thomas Sarah Charles Karen Zoë Chloé Renée José André Jürgen Søren Ødegaard Łukasz "
    "Agnieszka François Hélène Björn Åsa Mónica Sofía Nuño Joaquín Ines İlker Çağla Şebnem Mei Hiroshi "
    "Yuki Aarav Priya Olumide Chiamaka Kwame Fatima Mohammed Aisha Omar Noor Liam Olivia Noah Emma "
    "Oliver Ava Elijah Charlotte Lucas Amelia Mateo Mia Leo Isla Hugo Freya Théo Léa Maël Anaïs").split()
LAST = (  # noqa: SIM905
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark "
    "Müller Schröder Größ Nørgaard Kowalski Wiśniewski Dvořák Nováková Ñúñez Peña Gómez Brontë Lefèvre "
    "Côté Gauthier Østergaard Åkesson Yılmaz Öztürk Nakamura Tanaka Sato Patel Sharma Okafor Mensah "
    "Haddad Khalil O'Brien McDonald van der Berg de la Cruz Fitzgerald-Smith").split()
PLANS = (("1", 10, "+1 ({a}) {b}-{c}"), ("44", 10, "+44 {a} {b} {c}"), ("49", 11, "+49 {a} {b}{c}"),
         ("33", 9, "+33 {a} {b} {c}"), ("61", 9, "+61 {a} {b} {c}"))
LABELS = ("mobile", "work", "home", "", "main")


def _number(rng: random.Random) -> ContactNumber:
    cc, length, fmt = rng.choice(PLANS)
    national = str(rng.randint(2, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(length - 1))
    raw = fmt.format(a=national[:3], b=national[3:6], c=national[6:])
    return ContactNumber(rng.choice(LABELS), raw, f"+{cc}{national}", True)


def contacts(count: int, seed: int = 7) -> Iterator[Contact]:
    rng = random.Random(seed)
    for i in range(count):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if rng.random() < 0.1:
            name = f"{rng.choice(FIRST)} {name}"
        numbers = [_number(rng) for _ in range(rng.choice((1, 1, 1, 2, 2, 3)))]
        yield Contact(None, name, numbers, favourite=(i % 997 == 0))


def history_rows(count: int, seed: int = 11) -> Iterator[HistoryRow]:
    rng = random.Random(seed)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    states = ("completed", "completed", "completed", "no-answer", "busy", "failed", "canceled")
    for i in range(count):
        started = start + timedelta(seconds=i * 97 + rng.randint(0, 60))
        state = rng.choice(states)
        duration = rng.randint(5, 1800) if state == "completed" else 0
        yield HistoryRow(
            id=None, provider=rng.choice(("ringez", "ringcentral", "calledin", "ringostat")), account_id=None,
            provider_call_id=f"c{i}", destination=_number(rng).e164 or "", display_name=None,
            mode="bridge", origin="window", state=state, legs={"self": "completed", "destination": state},
            started_at=started, answered_at=started + timedelta(seconds=8) if duration else None,
            ended_at=started + timedelta(seconds=8 + duration), duration_s=duration,
            cost=Decimal(duration) * Decimal("0.0012"), currency="USD", error=None, finished=True,
        )
