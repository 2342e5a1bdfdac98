"""Building floor test data through the real services: book, pay, move the clock, check in."""

from __future__ import annotations

from datetime import UTC, date, datetime

from loket.clock import FrozenClock
from loket.domain.booking import BookingPolicy, BookingRequest
from loket.domain.calling import FloorPolicy
from loket.services import booking as booking_service
from loket.services import checkin
from loket.services import staff as staff_service
from loket.services import stations as station_service
from loket.services.catalog import Catalog
from loket.store.database import Database
from loket.testing.applicants import applicant

from .conftest import pay

DAY = date(2017, 12, 29)  # the last service day of 2017: booked on the 28th, served on the 29th
POLICY = FloorPolicy()
PASSWORD = "rahasia-kantor-1"


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    """A WIB wall-clock time on `day` as a UTC moment."""
    return datetime(day.year, day.month, day.day, hour - 7, minute, tzinfo=UTC)


async def book_and_pay(
    db: Database, index: int, *, session: str = "08:00", category: str = "regular", day: date = DAY, **extra
) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """Book and pay for applicant `index` (on the story's day, 28 Dec); returns (booking code, NIK)."""
    person = applicant(index, **({"born": extra.pop("born")} if "born" in extra else {}))
    booked_at = datetime(2017, 12, 28, 1, 30, tzinfo=UTC)
    request = BookingRequest(
        nik=person.nik,
        full_name=person.full_name,
        birth_date=person.birth_date,
        sex=person.sex,
        phone=person.phone,
        email=person.email,
        day=day,
        session=session,
        category=category,
        product="regular",
        service="new",
        **extra,
    )
    done = await booking_service.book_slot(
        db, Catalog(ttl=0), "PLG", request, policy=BookingPolicy(), now=booked_at
    )
    await pay(db, done.billing_code, done.amount, booked_at)
    return done.booking_code, person.nik


async def checked_in(db: Database, clock: FrozenClock, count: int, *, start: int = 0, **kw) -> list[str]:  # type: ignore[no-untyped-def]
    """`count` applicants booked, paid and checked in at the clock's time; their ticket labels."""
    labels = []
    for i in range(start, start + count):
        code, nik = await book_and_pay(db, i, **kw)
        issued = await checkin.check_in(db, "PLG", code, nik, policy=POLICY, actor="kiosk", now=clock())
        labels.append(issued.ticket)
    return labels


async def open_station(db: Database, station: str, officer: str, now: datetime) -> None:
    await station_service.set_station_state(db, "PLG", station, "open", officer=officer, now=now)


async def make_staff(
    db: Database, username: str, role: str = "officer", office: str = "PLG", now=None, full_name=None
) -> None:  # type: ignore[no-untyped-def]
    await staff_service.create_staff(
        db,
        office_code=office,
        username=username,
        full_name=full_name or "Petugas " + username.title(),
        password=PASSWORD,
        role=role,
        now=now or at(7),
    )


async def signed_in(db: Database, clock: FrozenClock, username: str) -> str:
    """A new officer of PLG, named after the username, signed in for 8 hours: the session's token."""
    await make_staff(db, username, now=clock(), full_name=username.title())
    return (await staff_service.login(db, username, PASSWORD, now=clock(), hours=8)).token
