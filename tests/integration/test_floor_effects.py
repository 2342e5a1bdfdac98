"""After-commit effects belong to the service that commits: the floor services wake the office's
display boards, the office administration services forget the catalog's cached entry, and a
change that is refused (rolled back) does neither."""

from __future__ import annotations

from datetime import date, time

import pytest

from loket.clock import FrozenClock
from loket.domain.errors import Conflict
from loket.domain.office import Session
from loket.services import checkin, floor, office_admin, quotas
from loket.services import offices as office_service
from loket.services import stations as station_service
from loket.services.catalog import Catalog
from loket.services.floor_bus import BoardBus
from loket.store.database import Database
from loket.testing.applicants import applicant

from .floor_helpers import DAY, POLICY, at, book_and_pay


async def test_floor_changes_wake_the_boards_once_committed(demo: Database) -> None:
    bus, now = BoardBus(), at(7, 50)
    seen = bus.version("PLG")

    def woken() -> bool:
        nonlocal seen
        moved, seen = bus.version("PLG") != seen, bus.version("PLG")
        return moved

    code, nik = await book_and_pay(demo, 1)
    await checkin.check_in(demo, "PLG", code, nik, policy=POLICY, actor="kiosk", now=now, bus=bus)
    assert woken()
    with pytest.raises(Conflict):  # refused: nothing committed, nothing to show
        await floor.call_next(demo, "PLG", "INT1", officer="budi", now=now, bus=bus)
    assert not woken()
    for station, officer in (("INT1", "budi"), ("INT2", "sari")):
        await station_service.set_station_state(
            demo, "PLG", station, "open", officer=officer, now=now, bus=bus
        )
        assert woken()
    called = await floor.call_next(demo, "PLG", "INT1", officer="budi", now=now, bus=bus, catalog=Catalog())
    assert called is not None and woken()
    assert bus.version("DPS") == 0  # only the office whose floor changed
    await floor.recall(demo, "PLG", "INT1", officer="budi", policy=POLICY, now=now, bus=bus)
    assert woken()
    await floor.transfer(demo, "PLG", "INT1", officer="budi", now=now, to_station="INT2", bus=bus)
    assert woken()
    await floor.call_next(demo, "PLG", "INT2", officer="sari", now=now, bus=bus)
    assert woken()
    await floor.complete_stage(demo, "PLG", "INT2", "done", officer="sari", policy=POLICY, now=now, bus=bus)
    assert woken()
    elder = applicant(30, born=date(1950, 3, 4))
    await checkin.walk_in(
        demo,
        "PLG",
        nik=elder.nik,
        full_name=elder.full_name,
        birth_date=elder.birth_date,
        sex=elder.sex,
        priority_reason="elderly",
        actor="budi",
        now=at(9),
        bus=bus,
    )
    assert woken()
    await floor.call_next(demo, "PLG", "INT1", officer="budi", now=at(9), bus=bus)
    for _ in range(POLICY.no_show_after_recalls):
        await floor.recall(demo, "PLG", "INT1", officer="budi", policy=POLICY, now=at(9), bus=bus)
    assert woken()
    await floor.mark_no_show(demo, "PLG", "INT1", officer="budi", policy=POLICY, now=at(9), bus=bus)
    assert woken()
    await station_service.set_station_state(
        demo, "PLG", "INT1", "down", officer="budi", now=at(9), reason="Printer macet", bus=bus
    )
    assert woken()


async def test_office_changes_forget_the_cached_office_once_committed(demo: Database) -> None:
    catalog, now = Catalog(ttl=3600), at(7)
    cached = await catalog.get(demo, "PLG")

    async def fresh() -> bool:
        nonlocal cached
        again = await catalog.get(demo, "PLG")
        moved, cached = again is not cached, again
        return moved

    with pytest.raises(Conflict):  # INT1 exists: refused, the cached office stays
        await office_admin.add_station(
            demo, "PLG", "INT1", "intake", "Loket", 90, actor="sari", now=now, catalog=catalog
        )
    assert not await fresh()
    await office_admin.add_station(
        demo, "PLG", "INT9", "intake", "Loket 9", 90, actor="sari", now=now, catalog=catalog
    )
    assert await fresh() and "INT9" in [s.code for s in cached.office.stations]
    await office_admin.remove_station(demo, "PLG", "INT9", actor="sari", now=now, catalog=catalog)
    assert await fresh() and "INT9" not in [s.code for s in cached.office.stations]
    sessions = [Session(time(8, 0), time(9, 0)), Session(time(9, 0), time(10, 0))]
    await office_admin.set_sessions(demo, "DPS", sessions, actor="sari", now=now, catalog=catalog)
    assert not await fresh()  # another office's change
    await office_admin.set_hours(
        demo, "PLG", {6: (time(8, 0), time(12, 0))}, actor="sari", now=now, catalog=catalog
    )
    assert await fresh() and cached.office.hours[6] == (time(8, 0), time(12, 0))
    await office_service.declare_closure(
        demo, "PLG", date(2018, 2, 1), date(2018, 2, 2), "Renovasi", actor="sari", now=now, catalog=catalog
    )
    assert await fresh() and not cached.calendar.is_service_day(date(2018, 2, 1))
    await office_service.remove_closure(demo, "PLG", date(2018, 2, 1), actor="sari", now=now, catalog=catalog)
    assert await fresh() and cached.calendar.is_service_day(date(2018, 2, 1))
    await office_service.declare_extra_day(
        demo, "PLG", date(2018, 2, 3), "Layanan Sabtu", actor="sari", now=now, catalog=catalog
    )
    assert await fresh() and cached.calendar.is_service_day(date(2018, 2, 3))
    await quotas.set_template(demo, "PLG", 6, "regular", 40, actor="sari", now=now, catalog=catalog)
    assert await fresh()


async def test_a_day_quota_clears_the_cached_full_answers_once_committed(
    demo: Database, clock: FrozenClock
) -> None:
    catalog = Catalog(ttl=3600)
    ctx = await catalog.get(demo, "PLG")
    ctx.alternatives[(DAY, "regular")] = (0.0, [])
    ctx.mark_full((DAY, time(8, 0), "regular"), for_s=3600)
    await book_and_pay(demo, 1)
    with pytest.raises(Conflict):  # below what is booked: refused, the answers stay
        await quotas.set_day_capacity(demo, catalog, "PLG", DAY, "regular", 0, actor="sari", now=clock())
    assert ctx.alternatives and ctx.known_full((DAY, time(8, 0), "regular"))
    await quotas.set_day_capacity(demo, catalog, "PLG", DAY, "regular", 60, actor="sari", now=clock())
    assert not ctx.alternatives and not ctx.known_full((DAY, time(8, 0), "regular"))
