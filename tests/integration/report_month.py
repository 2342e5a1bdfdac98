"""A month at the Palembang office (December 2017), made through the real services, with a ledger
of every raw event the test caused (what was booked and paid, when each applicant was queued,
called and served, which station went down, what the survey said).

The report test computes its expected figures from this ledger alone, never from the report code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from loket.domain.booking import BookingPolicy, BookingRequest
from loket.domain.calling import FloorPolicy
from loket.services import booking as booking_service
from loket.services import checkin, floor, survey
from loket.services import stations as station_service
from loket.services.catalog import Catalog
from loket.store.database import Database
from loket.store.outbox_repo import messages_about
from loket.testing.applicants import applicant

from .conftest import pay

POLICY = FloorPolicy()
OFFICER = "petugas"
STATIONS = ("INT1", "BIO1", "APP1", "PRI1", "COL1")
# The office's closing time (demo hours: 16:00 Monday-Thursday, 16:30 Friday), in WIB.
CLOSES = {0: (16, 0), 1: (16, 0), 2: (16, 0), 3: (16, 0), 4: (16, 30)}
# Service days of December 2017 and early January 2018 in Palembang, written out by hand: national
# holidays 1 Dec (Maulid Nabi), 25 Dec (Christmas), 26 Dec (cuti bersama), 1 Jan.
SERVICE_DAYS = [
    date(2017, 12, d) for d in (4, 5, 6, 7, 8, 11, 12, 13, 14, 15, 18, 19, 20, 21, 22, 27, 28, 29)
] + [date(2018, 1, d) for d in (2, 3, 4, 5)]


def wib(day: date, hour: int, minute: int = 0) -> datetime:
    """A WIB wall-clock time on `day` as a UTC moment."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour - 7, minutes=minute)


def due_after(day: date, working_days: int = 4) -> date:
    """The Nth service day after `day`, from the hand-written list."""
    later = [d for d in SERVICE_DAYS if d > day]
    return later[working_days - 1]


@dataclass
class Visit:
    stage: str
    station: str | None
    queued_at: datetime
    called_at: datetime | None = None
    finished_at: datetime | None = None
    outcome: str | None = None


@dataclass
class Person:
    index: int
    day: date
    service: str
    product: str
    code: str = ""
    nik: str = ""
    paid: bool = True
    ticket: str | None = None
    walk_in: bool = False
    visits: list[Visit] = field(default_factory=list)
    clock_start: date | None = None
    ready_on: date | None = None
    incomplete_docs: tuple[str, ...] = ()

    @property
    def due(self) -> date | None:
        return due_after(self.clock_start) if self.clock_start else None


@dataclass
class Ledger:
    people: dict[str, Person] = field(default_factory=dict)
    downtime: list[tuple[str, datetime, datetime, str]] = field(default_factory=list)
    answers: list[tuple[int, ...]] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)

    def visits(self) -> list[Visit]:
        return [v for p in self.people.values() for v in p.visits]


class Month:
    """Drives the floor with a moving clock and writes down what it did."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.ledger = Ledger()
        self.by_ticket: dict[tuple[date, str], Person] = {}
        self.at_station: dict[str, Person] = {}

    async def book(
        self,
        name: str,
        index: int,
        day: date,
        *,
        service: str = "new",
        product: str = "regular",
        paid: bool = True,
    ) -> Person:
        person = applicant(index)
        booked_at = wib(day - timedelta(days=1), 9)
        done = await booking_service.book_slot(
            self.db,
            Catalog(ttl=0),
            "PLG",
            BookingRequest(
                person.nik,
                person.full_name,
                person.birth_date,
                person.sex,
                person.phone,
                person.email,
                day,
                "08:00",
                "regular",
                product,
                service,
            ),
            policy=BookingPolicy(),
            now=booked_at,
        )
        if paid:
            await pay(self.db, done.billing_code, done.amount, booked_at)
        p = Person(index, day, service, f"{product}_5y", done.booking_code, person.nik, paid)
        self.ledger.people[name] = p
        return p

    async def check_in(self, p: Person, at: datetime) -> None:
        issued = await checkin.check_in(self.db, "PLG", p.code, p.nik, policy=POLICY, actor="kiosk", now=at)
        p.ticket = issued.ticket
        self.by_ticket[(p.day, issued.ticket)] = p
        p.visits.append(Visit("intake", None, at))

    async def walk_in(self, name: str, index: int, day: date, at: datetime) -> Person:
        person = applicant(index, born=date(1950, 3, 1))
        issued = await checkin.walk_in(
            self.db,
            "PLG",
            nik=person.nik,
            full_name=person.full_name,
            birth_date=person.birth_date,
            sex=person.sex,
            priority_reason="elderly",
            actor="kiosk",
            now=at,
        )
        p = Person(index, day, "walk_in", "regular_5y", walk_in=True, ticket=issued.ticket)
        self.ledger.people[name] = p
        self.by_ticket[(day, issued.ticket)] = p
        p.visits.append(Visit("intake", None, at))
        return p

    async def open_all(self, at: datetime) -> None:
        for code in STATIONS:
            await station_service.set_station_state(self.db, "PLG", code, "open", officer=OFFICER, now=at)

    async def call(self, station: str, at: datetime) -> Person:
        called = await floor.call_next(self.db, "PLG", station, officer=OFFICER, now=at)
        assert called is not None, f"nobody waiting at {station}"
        p = self.by_ticket[(called.day, called.ticket)]
        visit = p.visits[-1]
        assert visit.called_at is None and visit.stage == called.stage
        visit.called_at, visit.station = at, station
        self.at_station[station] = p
        return p

    async def finish(self, station: str, at: datetime, outcome: str = "done", **kw: Any) -> Person:
        done = await floor.complete_stage(
            self.db, "PLG", station, outcome, officer=OFFICER, policy=POLICY, now=at, **kw
        )
        p = self.at_station.pop(station)
        assert p.ticket == done.ticket
        visit = p.visits[-1]
        visit.finished_at, visit.outcome = at, outcome
        if done.from_stage == "biometrics" and done.to_stage == "approval" and not p.walk_in:
            p.clock_start = _wib_day(at)
            assert done.due_date == p.due, (done.due_date, p.due)
        if done.to_stage == "ready":
            p.ready_on = _wib_day(at)
        elif done.to_stage == "incomplete":
            p.incomplete_docs = tuple(kw.get("missing_documents", ()))
        else:
            p.visits.append(Visit(done.to_stage, None, at))
        return p

    async def serve(
        self, station: str, at: datetime, minutes: int, outcome: str = "done", **kw: Any
    ) -> Person:
        """Call the next applicant at `at` and finish `minutes` later."""
        await self.call(station, at)
        return await self.finish(station, at + timedelta(minutes=minutes), outcome, **kw)

    async def absent(self, station: str, at: datetime) -> Person:
        """Called, recalled twice, then marked a no-show (one minute apart)."""
        p = await self.call(station, at)
        for i in (1, 2):
            await floor.recall(
                self.db, "PLG", station, officer=OFFICER, policy=POLICY, now=at + timedelta(minutes=i)
            )
        await floor.mark_no_show(
            self.db, "PLG", station, officer=OFFICER, policy=POLICY, now=at + timedelta(minutes=3)
        )
        self.at_station.pop(station)
        visit = p.visits[-1]
        visit.finished_at, visit.outcome = at + timedelta(minutes=3), "no_show"
        return p

    async def down(self, station: str, start: datetime, end: datetime, reason: str) -> None:
        await station_service.set_station_state(
            self.db, "PLG", station, "down", officer=OFFICER, now=start, reason=reason
        )
        await station_service.set_station_state(self.db, "PLG", station, "open", officer=OFFICER, now=end)
        self.ledger.downtime.append((station, start, end, reason))

    async def collect_and_answer(
        self, p: Person, at: datetime, scores: tuple[int, ...], comment: str = ""
    ) -> None:
        await station_service.hand_over(self.db, "PLG", "COL1", p.code, p.nik, officer=OFFICER, now=at)
        async with self.db.read() as conn:
            invite = [m for m in await messages_about(conn, "PLG", p.code) if m.event == "survey_invite"]
        token = invite[0].params["survey"]
        await survey.submit_survey(
            self.db, token, list(scores), comment, now=at + timedelta(hours=2), locale="id"
        )
        self.ledger.answers.append(scores)
        if comment:
            self.ledger.comments.append(comment)


def _wib_day(at: datetime) -> date:
    return (at + timedelta(hours=7)).date()


async def december(db: Database) -> Ledger:
    """The month: see the module's docstring in tests/integration/test_reports_month.py."""
    m = Month(db)
    d4, d5, d6, d11 = date(2017, 12, 4), date(2017, 12, 5), date(2017, 12, 6), date(2017, 12, 11)
    d19, d28, d29 = date(2017, 12, 19), date(2017, 12, 28), date(2017, 12, 29)
    a0 = await m.book("a0", 0, d4)
    a1 = await m.book("a1", 1, d4, service="renewal", product="electronic")
    a2 = await m.book("a2", 2, d4)
    await m.book("a3", 3, d4)  # paid, never comes: a no-show
    await m.open_all(wib(d4, 7, 30))
    for i, p in enumerate((a0, a1, a2)):
        await m.check_in(p, wib(d4, 8, i))
    await m.serve("INT1", wib(d4, 8, 10), 6)  # a0
    await m.serve("INT1", wib(d4, 8, 20), 9)  # a1
    await m.absent("INT1", wib(d4, 8, 35))  # a2
    await m.serve("BIO1", wib(d4, 8, 40), 12)  # a0: clock starts, due 8 Dec
    await m.serve("BIO1", wib(d4, 9, 0), 10)  # a1
    await m.serve("APP1", wib(d4, 9, 30), 4)  # a0
    await m.serve("APP1", wib(d4, 9, 40), 5)  # a1
    await m.serve("PRI1", wib(d4, 14, 0), 20)  # a0 printing
    await m.serve("PRI1", wib(d4, 14, 30), 5)  # a0 quality check: ready on 4 Dec
    await m.collect_and_answer(a0, wib(d5, 10), (4, 4, 3, 4, 4, 3, 4, 3, 3), "Pelayanan cepat")

    a4 = await m.book("a4", 4, d5)
    a5 = await m.book("a5", 5, d5, service="renewal")
    await m.book("a6", 6, d5, paid=False)  # never paid: not an application
    await m.check_in(a4, wib(d5, 8, 2))
    await m.check_in(a5, wib(d5, 8, 4))
    await m.serve("INT1", wib(d5, 8, 15), 7)  # a4
    await m.serve("INT1", wib(d5, 8, 30), 5, "incomplete", missing_documents=["kk", "birth_certificate"])
    await m.serve("BIO1", wib(d5, 8, 50), 14)  # a4: due 11 Dec
    await m.serve("APP1", wib(d5, 9, 20), 3)  # a4 waits for printing behind a1 (4 Dec)

    w0 = await m.walk_in("w0", 50, d6, wib(d6, 9, 0))
    await m.serve("INT1", wib(d6, 9, 10), 8)
    await m.serve("BIO1", wib(d6, 9, 30), 11)  # unpaid walk-in: no clock; waits for approval
    assert w0.clock_start is None

    a7 = await m.book("a7", 7, d11, service="replacement_lost")
    await m.check_in(a7, wib(d11, 8, 1))
    await m.serve("INT1", wib(d11, 8, 5), 6)
    await m.serve("BIO1", wib(d11, 8, 20), 13)  # due 15 Dec
    await m.serve("APP1", wib(d11, 8, 45), 4)
    await m.serve("PRI1", wib(d11, 10, 0), 18)  # a1 (4 Dec) first: printed a week late
    await m.serve("PRI1", wib(d11, 10, 30), 5)  # a1 ready on 11 Dec: due 8 Dec, breached
    await m.serve("PRI1", wib(d11, 10, 40), 16)  # a4 (5 Dec)
    await m.serve("PRI1", wib(d11, 11, 0), 5)  # a4 ready on its due day, 11 Dec: on time
    await m.serve("PRI1", wib(d11, 11, 10), 16)  # a7
    await m.serve("PRI1", wib(d11, 11, 30), 5)  # a7 ready on 11 Dec
    d12 = date(2017, 12, 12)
    await m.collect_and_answer(a1, wib(d12, 9), (2, 2, 1, 3, 2, 3, 3, 2, 2), "Terlambat, mohon diperbaiki")
    await m.collect_and_answer(a4, wib(d12, 10), (3, 3, 3, 4, 3, 3, 3, 2, 3))

    a8 = await m.book("a8", 8, d19)
    await m.check_in(a8, wib(d19, 8, 3))
    await m.serve("INT1", wib(d19, 8, 10), 8)
    await m.down("BIO1", wib(d19, 9, 0), wib(d19, 10, 0), "Kamera rusak")
    await m.serve("BIO1", wib(d19, 10, 5), 12)  # due 27 Dec (25 and 26 are holidays)
    await m.serve("APP1", wib(d19, 10, 30), 5)

    a9 = await m.book("a9", 9, d28)
    a10 = await m.book("a10", 10, d28, product="electronic")
    a11 = await m.book("a11", 11, d28)
    for i, p in enumerate((a9, a10, a11)):
        await m.check_in(p, wib(d28, 8, 5 + i))
    await m.serve("INT1", wib(d28, 8, 15), 8)
    await m.serve("INT1", wib(d28, 8, 30), 10)
    await m.serve("INT1", wib(d28, 8, 45), 9)
    await m.down("BIO1", wib(d28, 10, 0), wib(d28, 13, 0), "Perangkat foto gangguan")
    await m.serve("BIO1", wib(d28, 13, 5), 15)
    await m.serve("BIO1", wib(d28, 13, 25), 14)
    await m.serve("BIO1", wib(d28, 15, 50), 25)  # finishes 16:15: overtime
    await m.serve("APP1", wib(d28, 14, 0), 5)
    await m.serve("APP1", wib(d28, 14, 10), 6)
    await m.serve("APP1", wib(d28, 16, 20), 10)  # finishes 16:30: overtime
    # The evening print run: a8 (19 Dec) first, then the day's three.
    start = wib(d28, 16, 40)
    for _ in range(4):
        await m.serve("PRI1", start, 20)  # printing
        await m.serve("PRI1", start + timedelta(minutes=25), 5)  # quality check: ready
        start += timedelta(minutes=35)
    a12 = await m.book("a12", 12, d29)
    await m.check_in(a12, wib(d29, 8, 0))
    await m.serve("INT1", wib(d29, 8, 10), 7)  # waits for biometrics into the new year
    return m.ledger
