"""Quota use cases: the weekly template, a single day's capacity, opening days, availability.

The writes clear what the catalog cached about the office once they have committed: the template
forgets the office's entry, a day's capacity its cached 'full' answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from loket.domain.booking import Category
from loket.domain.calendar import iter_days
from loket.domain.errors import invalid
from loket.domain.quota import check_capacity
from loket.services.audit import record
from loket.services.catalog import Catalog, OfficeContext
from loket.services.expiry import expire_lapsed
from loket.services.offices import forget_on_commit
from loket.services.waitlist_offers import offer_free_places
from loket.store import offices_repo, quota_repo
from loket.store.database import Database, on_commit

MAX_AVAILABILITY_DAYS = 62


@dataclass(frozen=True)
class SessionAvailability:
    day: date
    session: str
    category: str
    capacity: int
    left: int


def _category(raw: str, field: str = "category") -> Category:
    try:
        return Category(raw)
    except ValueError as exc:
        raise invalid(
            field,
            "category_invalid",
            "Choose one of: %(choices)s",
            choices=", ".join(c.value for c in Category),
        ) from exc


async def set_template(
    db: Database,
    office_code: str,
    weekday: int,
    category: str,
    capacity: int,
    *,
    actor: str,
    now: datetime,
    catalog: Catalog | None = None,
) -> None:
    """Set a weekday's daily capacity for a category in the weekly template (future days opened later)."""
    if not 1 <= weekday <= 7:
        raise invalid("weekday", "weekday_range", "The weekday is 1 (Monday) to 7 (Sunday)")
    cat = _category(category)
    check_capacity(capacity)
    async with db.write() as conn:
        await offices_repo.load_office(conn, office_code)
        await quota_repo.set_template_row(conn, office_code, weekday, cat.value, capacity)
        await record(
            conn,
            office_code=office_code,
            actor=actor,
            action="quota.template",
            subject=f"{weekday}:{cat.value}",
            detail={"capacity": capacity},
            now=now,
        )
        forget_on_commit(conn, catalog, office_code)


async def open_days(db: Database, ctx: OfficeContext, first: date, last: date) -> int:
    """Open the service days in [first, last] for booking (quotas and places from the template)."""
    wanted = [d for d in iter_days(first, last) if d not in ctx.open_days and ctx.calendar.is_service_day(d)]
    if not wanted:
        return 0
    created = 0
    async with db.read() as conn:
        already = await quota_repo.opened_days(conn, ctx.office.code, wanted[0], wanted[-1])
    missing = [d for d in wanted if d not in already]
    if missing:
        async with db.write() as conn:
            template = await quota_repo.template_for(conn, ctx.office.code)
            for day in missing:
                created += await quota_repo.open_day(conn, ctx.office, day, template)
    ctx.open_days.update(wanted)
    return created


async def set_day_capacity(
    db: Database,
    catalog: Catalog,
    office_code: str,
    day: date,
    category: str,
    capacity: int,
    *,
    actor: str,
    now: datetime,
) -> list[int]:
    """Override one day's capacity for a category, spread over its sessions; never below what is booked.

    Once committed, the catalog's cached 'full' answers of the office are recomputed."""
    cat = _category(category)
    check_capacity(capacity)
    ctx = await catalog.get(db, office_code)
    if not ctx.calendar.is_service_day(day):
        raise invalid("date", "not_a_service_day", "The office does not serve on this day %(why)s", why="")
    await open_days(db, ctx, day, day)
    async with db.write() as conn:
        alloc = await quota_repo.set_day_capacity(conn, ctx.office, day, cat.value, capacity)
        for session in ctx.office.sessions:  # raised: the new places go to the waiting list first
            await offer_free_places(conn, office_code, day, session.starts, cat.value, now)
        await record(
            conn,
            office_code=office_code,
            actor=actor,
            action="quota.day",
            subject=f"{day.isoformat()}:{cat.value}",
            detail={"capacity": capacity, "sessions": alloc},
            now=now,
        )
        on_commit(conn, lambda: catalog.forget_alternatives(office_code))
    return alloc


async def availability(
    db: Database,
    catalog: Catalog,
    office_code: str,
    first: date,
    last: date,
    category: str | None,
    now: datetime,
    *,
    may_lag: bool = True,
) -> tuple[OfficeContext, list[SessionAvailability]]:
    """Capacity and places left per service day and session (lapsed holds are returned first).

    The counts may come from the read replica (`may_lag`, LOKET_REPLICA_MAX_LAG_S behind at most):
    they inform, the booking decides on the primary. A caller showing its own write passes False."""
    if last < first:
        raise invalid("to", "range_order", "The end date lies before the start date")
    if (last - first).days >= MAX_AVAILABILITY_DAYS:
        raise invalid("to", "range_too_long", "Ask for at most %(max)d days", max=MAX_AVAILABILITY_DAYS)
    cat = _category(category) if category else None
    ctx = await catalog.get(db, office_code)
    today = ctx.office.local_today(now)
    first = max(first, today + timedelta(days=1))
    if last < first:
        return ctx, []
    await expire_lapsed(db, now, office_code)
    await open_days(db, ctx, first, last)
    async with db.replica_read() if may_lag else db.read() as conn:
        counts = await quota_repo.session_counts(conn, office_code, first, last, cat.value if cat else None)
    found = []
    for day in iter_days(first, last):
        if not ctx.calendar.is_service_day(day):
            continue
        for session in ctx.office.sessions:
            for c in [cat] if cat else list(Category):
                capacity, left = counts.get((day, session.starts, c.value), (0, 0))
                found.append(SessionAvailability(day, session.name, c.value, capacity, left))
    return ctx, found
