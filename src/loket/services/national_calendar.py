"""The national calendar under the directorate's control: days off declared, listed days cancelled.

The `holidays` package lags behind the decrees (cuti bersama are set by a joint ministerial decree
and sometimes moved mid-year), so the directorate's decisions are rows applied on top of it by
every office's calendar (`offices_repo.load_calendar`). A change is one transaction with its audit
row (office `*`); a declared day off withdraws the free places every office had opened that day
(booked ones stay, for the offices to move), and once committed the catalog forgets every office,
so this process's next due date follows at once (others within the catalog's `ttl`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from loket.domain.calendar import national_holidays
from loket.domain.errors import NotFound, invalid
from loket.services.audit import NATIONAL, record
from loket.services.catalog import Catalog
from loket.store import national_repo, offices_repo, quota_repo
from loket.store.database import Database, on_commit


@dataclass(frozen=True)
class HolidayOverride:
    day: date
    day_off: bool
    name: str
    decided_by: str


def _name(raw: str) -> str:
    name = " ".join((raw or "").split())
    if not name or len(name) > 200:
        raise invalid("name", "name_missing", "A name is required")
    return name


async def add_holiday(
    db: Database,
    day: date,
    name: str,
    *,
    actor: str,
    now: datetime,
    catalog: Catalog | None = None,
) -> None:
    """Declare `day` a national day off (a cuti bersama the package does not know yet)."""
    name = _name(name)
    async with db.write() as conn:
        await national_repo.lock_national(conn)
        await national_repo.set_holiday_override(conn, day, day_off=True, name=name, actor=actor, now=now)
        withdrawn = 0
        for code in await offices_repo.office_codes(conn):
            withdrawn += await quota_repo.remove_free_places(conn, code, day, day)
        await record(
            conn,
            office_code=NATIONAL,
            actor=actor,
            action="calendar.holiday_add",
            subject=day.isoformat(),
            detail={"name": name, "free_places_withdrawn": withdrawn},
            now=now,
        )
        if catalog is not None:
            on_commit(conn, lambda: catalog.forget())


async def remove_holiday(
    db: Database,
    day: date,
    *,
    actor: str,
    now: datetime,
    country: str = "ID",
    reason: str = "",
    catalog: Catalog | None = None,
) -> str:
    """Undo a declared day off, or cancel a day the package lists (a decree moved it).

    Returns what was done: `withdrawn` (a declared day no longer off) or `cancelled` (a listed
    holiday is a working day again). A day that is neither is NotFound."""
    listed = national_holidays(day.year, country).get(day)
    async with db.write() as conn:
        await national_repo.lock_national(conn)
        current = await national_repo.holiday_override(conn, day)
        if current is not None and current.day_off:
            await national_repo.delete_holiday_override(conn, day)
            # Back to the package: a day it lists stays off (remove it once more to cancel it).
            done = "withdrawn"
        elif current is None and listed is not None:
            await national_repo.set_holiday_override(
                conn, day, day_off=False, name=reason or listed, actor=actor, now=now
            )
            done = "cancelled"
        else:
            raise NotFound(
                "holiday_not_found",
                "%(day)s is not a national day off",
                field="date",
                day=day.isoformat(),
            )
        await record(
            conn,
            office_code=NATIONAL,
            actor=actor,
            action="calendar.holiday_remove",
            subject=day.isoformat(),
            detail={"done": done, "listed": listed},
            now=now,
        )
        if catalog is not None:
            on_commit(conn, lambda: catalog.forget())
    return done


async def restore_holiday(
    db: Database, day: date, *, actor: str, now: datetime, catalog: Catalog | None = None
) -> None:
    """Drop a cancellation: the package decides `day` again."""
    async with db.write() as conn:
        await national_repo.lock_national(conn)
        current = await national_repo.holiday_override(conn, day)
        if current is None or current.day_off:
            raise NotFound(
                "holiday_not_found", "%(day)s has no cancelled holiday", field="date", day=day.isoformat()
            )
        await national_repo.delete_holiday_override(conn, day)
        await record(
            conn,
            office_code=NATIONAL,
            actor=actor,
            action="calendar.holiday_restore",
            subject=day.isoformat(),
            now=now,
        )
        if catalog is not None:
            on_commit(conn, lambda: catalog.forget())


async def holiday_overrides(db: Database) -> list[HolidayOverride]:
    """The directorate's decisions, by day."""
    async with db.read() as conn:
        rows = await national_repo.holiday_overrides_all(conn)
    return [HolidayOverride(r.day, bool(r.day_off), r.name, r.decided_by) for r in rows]
