"""The calling policy exists once: the database orders and claims the queue exactly as
`domain/calling.py` says (`queue_order`, `pick_next`), on SQLite and on PostgreSQL.

The queue is built through the real services and holds every case the policy tells apart: the
three classes, on time and late within each class, different appointment times, a walk-in ordered
by its check-in time, two tickets with the same appointment (ticket number decides) and a ticket
transferred to one station. The case set is checked to be sharp: dropping or swapping any part of
the policy key changes its order, so an SQL `ORDER BY` that did either would fail here."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from loket.domain.booking import BookingPolicy, BookingRequest, Category
from loket.domain.calling import POLICY_KEY, FloorPolicy, QueueEntry, pick_next, queue_order
from loket.domain.workflow import stages_of_kind
from loket.services import booking as booking_service
from loket.services import checkin, floor
from loket.services import stations as station_service
from loket.services.catalog import Catalog
from loket.store import floor_repo
from loket.store.database import Database
from loket.testing.applicants import applicant

from .conftest import pay

# A Tuesday under the 2022 tariff, which offers the express service (the 2017 story day does not).
DAY = date(2025, 3, 4)
POLICY = FloorPolicy()
INTAKE = [s.value for s in stages_of_kind("intake")]

# The policy's order of the queue built below: priority, express, regular; in each class the
# on-time tickets by appointment (walk-in B-002 by its check-in time, A-002/A-003 by number),
# then the late ones.
EXPECTED = [
    "B-003", "B-002", "B-001", "B-004",
    "C-002", "C-001", "C-003",
    "A-002", "A-003", "A-001", "A-005", "A-004",
]  # fmt: skip


def wib(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    """A WIB wall-clock time on `day` as a UTC moment."""
    return datetime(day.year, day.month, day.day, hour - 7, minute, tzinfo=UTC)


def entry(row: Any) -> QueueEntry:
    """A waiting ticket row as the domain policy sees it (class from the category, not the stored rank)."""
    return QueueEntry(row.ticket, Category(row.category), row.seq, row.order_at, row.late, row.target_station)


async def arrive(db: Database, index: int, session: str, category: str, at: datetime) -> str:
    """Book (the day before), pay and check in applicant `index`; the ticket label."""
    person = applicant(index)
    booked_at = wib(8, 30, DAY - timedelta(days=1))
    request = BookingRequest(
        nik=person.nik,
        full_name=person.full_name,
        birth_date=person.birth_date,
        sex=person.sex,
        phone=person.phone,
        email=person.email,
        day=DAY,
        session=session,
        category=category,
        product="regular",
        service="new",
        priority_reason="pregnant" if category == "priority" else None,
    )
    done = await booking_service.book_slot(
        db, Catalog(ttl=0), "PLG", request, policy=BookingPolicy(), now=booked_at
    )
    await pay(db, done.billing_code, done.amount, booked_at)
    issued = await checkin.check_in(
        db, "PLG", done.booking_code, person.nik, policy=POLICY, actor="kiosk", now=at
    )
    return issued.ticket


async def walk_in(db: Database, index: int, at: datetime) -> str:
    elder = applicant(index, born=date(1950, 3, 4))
    issued = await checkin.walk_in(
        db,
        "PLG",
        nik=elder.nik,
        full_name=elder.full_name,
        birth_date=elder.birth_date,
        sex=elder.sex,
        priority_reason="elderly",
        actor="kiosk",
        now=at,
    )
    return issued.ticket


async def waiting(db: Database) -> list[Any]:
    """The intake queue as the database orders it."""
    async with db.read() as conn:
        return await floor_repo.waiting(conn, "PLG", DAY, INTAKE)


def assert_sharp(entries: list[QueueEntry]) -> None:
    """Dropping or swapping any part of POLICY_KEY reorders `entries`: every part decides somewhere."""

    def by(names: tuple[str, ...]) -> Callable[[QueueEntry], tuple[Any, ...]]:
        return lambda x: tuple(getattr(x, n) for n in names)

    assert all(x.key == by(POLICY_KEY)(x) for x in entries)
    mutations = [POLICY_KEY[:i] + POLICY_KEY[i + 1 :] for i in range(len(POLICY_KEY))]
    for i in range(len(POLICY_KEY) - 1):
        swapped = list(POLICY_KEY)
        swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
        mutations.append(tuple(swapped))
    # Reversed, so that a key without the ticket number cannot fall back on the right order.
    backwards = list(reversed(queue_order(entries)))
    for names in mutations:
        assert [x.ticket for x in sorted(backwards, key=by(names))] != EXPECTED, names


async def test_the_database_orders_and_calls_the_queue_as_the_domain_policy_does(demo: Database) -> None:
    arrivals: list[tuple[str, str, datetime]] = [
        ("regular", "09:00", wib(8, 0)),  # issued first, called after the 08:00 tickets
        ("regular", "08:00", wib(8, 1)),
        ("regular", "08:00", wib(8, 2)),  # same appointment as A-002, higher number
        ("express", "09:00", wib(8, 3)),  # C-001
        ("express", "08:00", wib(8, 4)),  # C-002
        ("priority", "09:00", wib(8, 5)),  # B-001
    ]
    index = itertools.count(200)
    labels = [await arrive(demo, next(index), s, c, at) for c, s, at in arrivals]
    labels.append(await walk_in(demo, next(index), wib(8, 6)))  # B-002: ordered by 08:06
    labels.append(await arrive(demo, next(index), "08:00", "priority", wib(8, 7)))  # B-003
    for category, session, at in [
        ("regular", "08:00", wib(8, 40)),  # late for 08:00
        ("regular", "09:00", wib(8, 41)),  # on time for 09:00
        ("priority", "08:00", wib(8, 42)),  # B-004: late, still before every express ticket
        ("express", "08:00", wib(8, 43)),  # C-003: late
    ]:
        labels.append(await arrive(demo, next(index), session, category, at))
    assert sorted(labels) == sorted(EXPECTED)

    rows = await waiting(demo)
    # The stored key is the domain's key, and the SQL order is the policy's order.
    assert all(tuple(getattr(r, n) for n in POLICY_KEY) == entry(r).key for r in rows)
    assert [r.ticket for r in rows] == [x.ticket for x in queue_order(map(entry, rows))] == EXPECTED
    assert_sharp([entry(r) for r in rows])

    # The first ticket is sent to INT2: INT1 passes over it, INT2 takes it before everyone else.
    now = wib(8, 45)
    for station in ("INT1", "INT2"):
        await station_service.set_station_state(
            demo, "PLG", station, "open", officer=station.lower(), now=now
        )
    first = await floor.call_next(demo, "PLG", "INT1", officer="int1", now=now)
    assert first is not None and first.ticket == EXPECTED[0]
    await floor.transfer(demo, "PLG", "INT1", officer="int1", now=now, to_station="INT2", reason="Bahasa")
    rows = await waiting(demo)
    assert [r.ticket for r in rows] == [x.ticket for x in queue_order(map(entry, rows))] == EXPECTED

    called = []
    turns = ["INT1"] * 3 + ["INT2"] + ["INT1"] * (len(EXPECTED) - 4) + ["INT1", "INT2"]
    for station in turns:
        expected = pick_next([entry(r) for r in await waiting(demo)], station)
        got = await floor.call_next(demo, "PLG", station, officer=station.lower(), now=now)
        assert (got.ticket if got else None) == (expected.ticket if expected else None), station
        if got is not None:
            called.append(got.ticket)
            await floor.complete_stage(
                demo, "PLG", station, "done", officer=station.lower(), policy=POLICY, now=now
            )
    assert called == EXPECTED[1:4] + EXPECTED[:1] + EXPECTED[4:]
