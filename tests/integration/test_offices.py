"""Offices, demo data and the calendar through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from loket.clock import FrozenClock
from loket.domain.errors import Conflict, InvalidInput, NotFound
from loket.services import offices as office_service
from loket.services.demo import load_demo
from loket.store import offices_repo
from loket.store.database import Database
from loket.store.tables import audit_log, fee_tariffs, offices, stations


async def count(db: Database, table) -> int:  # type: ignore[no-untyped-def]
    async with db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def test_demo_loads_two_offices_in_two_zones_and_is_idempotent(
    db: Database, clock: FrozenClock
) -> None:
    assert await load_demo(db, now=clock()) == ["PLG", "DPS"]
    before = (await count(db, offices), await count(db, stations), await count(db, fee_tariffs))
    assert await load_demo(db, now=clock()) == []
    assert (
        await count(db, offices),
        await count(db, stations),
        await count(db, fee_tariffs),
    ) == before
    async with db.read() as conn:
        plg = await offices_repo.load_office(conn, "PLG")
        dps = await offices_repo.load_office(conn, "DPS")
        fees = await offices_repo.load_fee_schedule(conn)
    assert plg.name == "Kantor Imigrasi Kelas I TPI Palembang"
    assert (plg.zone_abbreviation, dps.zone_abbreviation) == ("WIB", "WITA")
    assert [s.name for s in plg.sessions][:2] == ["08:00", "09:00"]
    assert {s.kind for s in plg.stations} >= {"intake", "biometrics"}
    assert fees.fee_for("regular_5y", date(2017, 12, 28)) == 355_000
    assert fees.fee_for("electronic_10y", date(2025, 1, 2)) == 950_000


async def test_story_due_date_at_palembang(db: Database, clock: FrozenClock) -> None:
    await load_demo(db, now=clock())
    # 22 Dec is day 1; 25 Dec (Natal) and 26 Dec (cuti bersama) are skipped.
    assert await office_service.due_date(db, "PLG", date(2017, 12, 21), 4) == date(2017, 12, 29)


async def test_closure_and_extra_day_change_the_due_date(db: Database, clock: FrozenClock) -> None:
    await load_demo(db, now=clock())
    await office_service.declare_closure(
        db,
        "PLG",
        date(2017, 12, 27),
        date(2017, 12, 28),
        "Perbaikan gedung",
        actor="t",
        now=clock(),
    )
    await office_service.declare_extra_day(
        db, "PLG", date(2017, 12, 23), "Layanan Sabtu", actor="t", now=clock()
    )
    # 22 (1), Sat 23 (2, extra), 27-28 closed, 29 (3), 2 Jan 2018 (4; 1 Jan is New Year).
    assert await office_service.due_date(db, "PLG", date(2017, 12, 21), 4) == date(2018, 1, 2)
    _office, days = await office_service.calendar_days(
        db, "PLG", date(2017, 12, 23), date(2017, 12, 28)
    )
    by_day = {d.day: d for d in days}
    assert (
        by_day[date(2017, 12, 23)].service_day
        and by_day[date(2017, 12, 23)].extra == "Layanan Sabtu"
    )
    assert by_day[date(2017, 12, 25)].holiday == "Hari Raya Natal"
    assert not by_day[date(2017, 12, 27)].service_day
    assert by_day[date(2017, 12, 27)].closure == "Perbaikan gedung"
    # The other office is untouched by PLG's closure.
    assert await office_service.due_date(db, "DPS", date(2017, 12, 21), 4) == date(2017, 12, 29)
    assert await count(db, audit_log) >= 2


async def test_bad_calendar_input_changes_nothing(db: Database, clock: FrozenClock) -> None:
    await load_demo(db, now=clock())
    audits = await count(db, audit_log)
    with pytest.raises(InvalidInput) as bad_order:
        await office_service.declare_closure(
            db, "PLG", date(2017, 12, 28), date(2017, 12, 27), "x", actor="t", now=clock()
        )
    assert bad_order.value.field == "end"
    with pytest.raises(NotFound):
        await office_service.declare_closure(
            db, "XXX", date(2017, 12, 27), date(2017, 12, 28), "x", actor="t", now=clock()
        )
    await office_service.declare_closure(
        db, "PLG", date(2017, 12, 27), date(2017, 12, 28), "x", actor="t", now=clock()
    )
    with pytest.raises(Conflict):
        await office_service.declare_closure(
            db, "PLG", date(2017, 12, 28), date(2017, 12, 29), "y", actor="t", now=clock()
        )
    assert await count(db, audit_log) == audits + 1
