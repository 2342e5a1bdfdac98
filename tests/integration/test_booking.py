"""Booking against daily quotas through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from loket.clock import FrozenClock
from loket.domain.booking import BookingPolicy, BookingRequest
from loket.domain.errors import Conflict, InvalidInput, NotFound
from loket.services import booking as booking_service
from loket.services import quotas as quota_service
from loket.services.catalog import Catalog
from loket.services.expiry import expire_lapsed
from loket.store.database import Database
from loket.store.tables import bookings, contact_usage, nik_holds, places, waitlist_entries
from loket.testing.applicants import applicant, family

from .booking_paths import booking_path  # noqa: F401 (the fixture)
from .conftest import pay

# Every test twice on PostgreSQL: the single-statement and the portable booking path.
pytestmark = pytest.mark.usefixtures("booking_path")

DAY = date(2017, 12, 29)  # the last service day of 2017, the day after the story


def request_for(
    person, day: date = DAY, session: str = "08:00", category: str = "regular", **extra
) -> BookingRequest:  # type: ignore[no-untyped-def]
    return BookingRequest(
        nik=person.nik,
        full_name=person.full_name,
        birth_date=person.birth_date,
        sex=person.sex,
        phone=person.phone,
        email=person.email,
        day=day,
        session=session,
        category=category,
        product=extra.pop("product", "regular"),
        service=extra.pop("service", "new"),
        **extra,
    )


async def left(
    db: Database,
    catalog: Catalog,
    now: datetime,
    day: date = DAY,
    session: str = "08:00",
    category: str = "regular",
) -> int:
    _ctx, found = await quota_service.availability(db, catalog, "PLG", day, day, category, now)
    return next(a.left for a in found if a.session == session)


async def invariants(db: Database) -> None:
    """Taken places, NIK holds and contact counters all agree with the active bookings."""
    async with db.read() as conn:
        active = (
            await conn.execute(select(bookings).where(bookings.c.status.in_(["awaiting_payment", "paid"])))
        ).all()
        taken = (
            await conn.execute(
                select(func.count()).select_from(places).where(places.c.booking_code.isnot(None))
            )
        ).scalar_one()
        holds = (await conn.execute(select(func.count()).select_from(nik_holds))).scalar_one()
        usage = {r.contact: r.active for r in await conn.execute(select(contact_usage)) if r.active}
        # A place reserved for a waiting-list offer is taken by the offer, not by a booking (issue 5).
        offers = (
            await conn.execute(
                select(func.count())
                .select_from(waitlist_entries)
                .where(waitlist_entries.c.status == "offered")
            )
        ).scalar_one()
        marked = (
            await conn.execute(
                select(func.count()).select_from(places).where(places.c.booking_code.like("wait:%"))
            )
        ).scalar_one()
    assert offers == marked
    assert taken - offers == len(active) == holds
    expected: dict[str, int] = {}
    for row in active:
        for contact in [f"tel:{row.phone}"] + ([f"mailto:{row.email}"] if row.email else []):
            expected[contact] = expected.get(contact, 0) + 1
    assert usage == expected


async def test_booking_takes_a_place_and_issues_a_billing_code(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    before = await left(demo, catalog, clock())
    assert before == 25  # 150 regular places a day over six sessions
    done = await booking_service.book_slot(
        demo, catalog, "PLG", request_for(applicant(1)), policy=policy, now=clock()
    )
    assert done.amount == 355_000
    assert len(done.billing_code) == 15 and done.billing_code.isdigit()
    assert done.booking_code.startswith("PLG-") and len(done.booking_code) == 14
    assert done.pay_before == clock() + timedelta(hours=2)
    assert done.status == "awaiting_payment"
    assert await left(demo, catalog, clock()) == before - 1
    view = await booking_service.find_booking(demo, done.booking_code, applicant(1).nik, clock())
    assert view.status == "awaiting_payment" and view.nik_masked.startswith(applicant(1).nik[:4])
    await invariants(demo)


async def test_hold_never_runs_past_the_eve_of_the_appointment(
    demo: Database, catalog: Catalog, policy: BookingPolicy
) -> None:
    late = FrozenClock(datetime(2017, 12, 28, 16, 30, tzinfo=UTC))  # 23:30 WIB
    done = await booking_service.book_slot(
        demo, catalog, "PLG", request_for(applicant(2)), policy=policy, now=late()
    )
    assert done.pay_before == datetime(2017, 12, 28, 17, 0, tzinfo=UTC)  # midnight WIB


async def test_full_session_answers_quota_full_with_alternatives(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    await quota_service.set_day_capacity(demo, catalog, "PLG", DAY, "regular", 6, actor="t", now=clock())
    await booking_service.book_slot(
        demo, catalog, "PLG", request_for(applicant(3)), policy=policy, now=clock()
    )
    with pytest.raises(Conflict) as full:
        await booking_service.book_slot(
            demo, catalog, "PLG", request_for(applicant(4)), policy=policy, now=clock()
        )
    assert full.value.code == "quota_full"
    alternatives = full.value.extra["alternatives"]
    assert alternatives[0] == {"date": "2017-12-29", "session": "09:00", "category": "regular", "left": 1}
    assert all(a["left"] > 0 for a in alternatives) and len(alternatives) == 5
    await invariants(demo)


async def test_a_session_that_sells_out_is_no_longer_offered_as_an_alternative(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    await quota_service.set_day_capacity(demo, catalog, "PLG", DAY, "regular", 6, actor="t", now=clock())
    await booking_service.book_slot(
        demo, catalog, "PLG", request_for(applicant(3)), policy=policy, now=clock()
    )
    with pytest.raises(Conflict) as first:
        await booking_service.book_slot(
            demo, catalog, "PLG", request_for(applicant(4)), policy=policy, now=clock()
        )
    assert first.value.extra["alternatives"][0]["session"] == "09:00"  # the answer is now cached
    await booking_service.book_slot(
        demo, catalog, "PLG", request_for(applicant(5), session="09:00"), policy=policy, now=clock()
    )
    for person, session in ((applicant(6), "09:00"), (applicant(7), "08:00")):
        with pytest.raises(Conflict) as full:
            await booking_service.book_slot(
                demo, catalog, "PLG", request_for(person, session=session), policy=policy, now=clock()
            )
        offered = full.value.extra["alternatives"]
        assert offered and all((a["date"], a["session"]) != (DAY.isoformat(), "09:00") for a in offered)
        assert all(a["left"] > 0 for a in offered)
    await invariants(demo)


async def test_one_active_booking_per_nik_across_offices(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    person = applicant(5)
    first = await booking_service.book_slot(
        demo, catalog, "PLG", request_for(person), policy=policy, now=clock()
    )
    with pytest.raises(Conflict) as twice:
        await booking_service.book_slot(demo, catalog, "DPS", request_for(person), policy=policy, now=clock())
    assert (twice.value.code, twice.value.field) == ("active_booking_exists", "nik")
    await booking_service.cancel_booking(demo, catalog, first.booking_code, person.nik, clock())
    again = await booking_service.book_slot(
        demo, catalog, "DPS", request_for(person), policy=policy, now=clock()
    )
    assert again.booking_code.startswith("DPS-")
    await invariants(demo)


async def test_a_contact_books_for_at_most_five_people(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    people = family(6, email="keluarga@example.id")
    for person in people[:5]:
        await booking_service.book_slot(demo, catalog, "PLG", request_for(person), policy=policy, now=clock())
    with pytest.raises(Conflict) as sixth:
        await booking_service.book_slot(
            demo, catalog, "PLG", request_for(people[5]), policy=policy, now=clock()
        )
    assert sixth.value.code == "contact_limit" and sixth.value.field in ("phone", "email")
    assert await left(demo, catalog, clock()) == 20  # the sixth took nothing
    await invariants(demo)


async def test_unpaid_hold_lapses_and_the_place_returns(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    person = applicant(6)
    done = await booking_service.book_slot(
        demo, catalog, "PLG", request_for(person), policy=policy, now=clock()
    )
    assert await left(demo, catalog, clock()) == 24
    clock.advance(hours=2, seconds=1)
    # Read-time sweep: availability is never stale, even without the worker.
    assert await left(demo, catalog, clock()) == 25
    view = await booking_service.find_booking(demo, done.booking_code, person.nik, clock())
    assert view.status == "expired"
    again = await booking_service.book_slot(
        demo, catalog, "PLG", request_for(person), policy=policy, now=clock()
    )
    assert again.booking_code != done.booking_code
    await invariants(demo)


async def test_a_lapsed_hold_does_not_block_the_nik_before_the_sweep(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    person = applicant(7)
    await booking_service.book_slot(demo, catalog, "PLG", request_for(person), policy=policy, now=clock())
    clock.advance(hours=3)
    again = await booking_service.book_slot(
        demo, catalog, "PLG", request_for(person, session="09:00"), policy=policy, now=clock()
    )
    assert again.session == "09:00"
    assert await expire_lapsed(demo, clock()) == 0  # already done by the booking itself
    await invariants(demo)


async def test_reschedule_once_until_the_day_before(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    person = applicant(8)
    done = await booking_service.book_slot(
        demo, catalog, "PLG", request_for(person, day=date(2018, 1, 3)), policy=policy, now=clock()
    )
    moved = await booking_service.reschedule_booking(
        demo, catalog, done.booking_code, person.nik, date(2018, 1, 4), "10:00", policy=policy, now=clock()
    )
    assert (moved.day, moved.session, moved.reschedules_left) == (date(2018, 1, 4), "10:00", 0)
    assert await left(demo, catalog, clock(), date(2018, 1, 3)) == 25
    assert await left(demo, catalog, clock(), date(2018, 1, 4), "10:00") == 24
    with pytest.raises(Conflict) as twice:
        await booking_service.reschedule_booking(
            demo,
            catalog,
            done.booking_code,
            person.nik,
            date(2018, 1, 5),
            "10:00",
            policy=policy,
            now=clock(),
        )
    assert twice.value.code == "reschedule_used"
    await invariants(demo)


async def test_reschedule_refused_on_the_day_and_into_a_full_session_changes_nothing(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    person = applicant(9)
    done = await booking_service.book_slot(
        demo, catalog, "PLG", request_for(person), policy=policy, now=clock()
    )
    await quota_service.set_day_capacity(
        demo, catalog, "PLG", date(2018, 1, 2), "regular", 0, actor="t", now=clock()
    )
    with pytest.raises(Conflict) as full:
        await booking_service.reschedule_booking(
            demo,
            catalog,
            done.booking_code,
            person.nik,
            date(2018, 1, 2),
            "08:00",
            policy=policy,
            now=clock(),
        )
    assert full.value.code == "quota_full"
    await pay(demo, done.billing_code, done.amount, clock())
    view = await booking_service.find_booking(demo, done.booking_code, person.nik, clock())
    assert (view.day, view.reschedules_left) == (DAY, 1)
    on_the_day = FrozenClock(datetime(2017, 12, 29, 1, 0, tzinfo=UTC))  # 08:00 WIB on the 29th
    with pytest.raises(Conflict) as late:
        await booking_service.reschedule_booking(
            demo,
            catalog,
            done.booking_code,
            person.nik,
            date(2018, 1, 3),
            "08:00",
            policy=policy,
            now=on_the_day(),
        )
    assert late.value.code == "reschedule_too_late"
    await invariants(demo)


async def test_lookup_gives_one_answer_for_unknown_code_and_wrong_nik(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    done = await booking_service.book_slot(
        demo, catalog, "PLG", request_for(applicant(10)), policy=policy, now=clock()
    )
    errors = []
    for code, nik in (
        (done.booking_code, applicant(11).nik),
        ("PLG-0000000000", applicant(10).nik),
        ("nonsense", applicant(10).nik),
    ):
        with pytest.raises(NotFound) as missing:
            await booking_service.find_booking(demo, code, nik, clock())
        errors.append((missing.value.code, missing.value.message))
    assert len(set(errors)) == 1


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"nik": "12345"}, "nik", "nik_length"),
        ({"day": date(2017, 12, 27)}, "date", "date_in_past"),
        ({"day": date(2017, 12, 30)}, "date", "not_a_service_day"),
        ({"day": date(2018, 2, 28)}, "date", "date_outside_window"),
        ({"session": "07:00"}, "session", "session_unknown"),
        ({"category": "vip"}, "category", "category_invalid"),
        ({"product": "diplomatic"}, "product", "product_invalid"),
        ({"phone": "12"}, "phone", "phone_invalid"),
        ({"validity_years": 10}, "validity_years", "validity_not_offered"),
        ({"category": "express"}, "category", "express_not_offered"),
        ({"birth_date": date(1990, 1, 1)}, "birth_date", "nik_birth_date_mismatch"),
    ],
)
async def test_bad_booking_input_changes_nothing(
    demo: Database,
    catalog: Catalog,
    clock: FrozenClock,
    policy: BookingPolicy,
    change: dict,
    field: str,
    code: str,
) -> None:
    person = applicant(12)
    base = request_for(person)
    bad = BookingRequest(**{**base.__dict__, **change})
    with pytest.raises(InvalidInput) as error:
        await booking_service.book_slot(demo, catalog, "PLG", bad, policy=policy, now=clock())
    assert (error.value.field, error.value.code) == (field, code)
    async with demo.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(bookings))).scalar_one() == 0
    await invariants(demo)


async def test_day_capacity_is_spread_and_never_below_bookings(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    alloc = await quota_service.set_day_capacity(
        demo, catalog, "PLG", DAY, "regular", 200, actor="t", now=clock()
    )
    assert alloc == [34, 34, 33, 33, 33, 33]
    for i in range(3):
        await booking_service.book_slot(
            demo, catalog, "PLG", request_for(applicant(20 + i)), policy=policy, now=clock()
        )
    with pytest.raises(Conflict) as below:
        await quota_service.set_day_capacity(demo, catalog, "PLG", DAY, "regular", 2, actor="t", now=clock())
    assert below.value.code == "capacity_below_booked"
    alloc = await quota_service.set_day_capacity(
        demo, catalog, "PLG", DAY, "regular", 3, actor="t", now=clock()
    )
    assert alloc == [3, 0, 0, 0, 0, 0]
    assert await left(demo, catalog, clock()) == 0
    await invariants(demo)


async def test_closure_withdraws_free_places(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    from loket.services.offices import declare_closure

    assert await left(demo, catalog, clock()) == 25
    await declare_closure(demo, "PLG", DAY, DAY, "Perangkat rusak", actor="t", now=clock())
    with pytest.raises(InvalidInput) as closed:
        await booking_service.book_slot(
            demo, catalog, "PLG", request_for(applicant(30)), policy=policy, now=clock()
        )
    assert closed.value.code == "not_a_service_day"
