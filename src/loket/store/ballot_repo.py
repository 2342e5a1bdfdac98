"""Release modes and ballots in the database. Never commits.

Lock policy (docs/locking.md, "Ballots"): an entry locks its day's `day_releases` row FOR SHARE
and the draw locks it FOR UPDATE, so no entry slips in while (or after) a ballot is drawn, while
entries of one day never wait on each other. Per-contact limits are conditional increments of
`ballot_contacts` rows, taken in sorted key order (no deadlock between two entries of a family).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.domain.ballot import EntryStatus, Mode, Release
from loket.store import dialect
from loket.store.tables import ballot_contacts, ballot_entries, day_releases, places


def release_of(row: Any) -> Release:
    return Release(
        office_code=row.office_code,
        day=row.day,
        mode=Mode(row.mode),
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        commitment=row.commitment,
        seed=row.seed if row.drawn_at is not None else None,  # secret until the draw
        entries_digest=row.entries_digest,
        drawn_at=row.drawn_at,
    )


async def release_row(
    conn: AsyncConnection, office_code: str, day: date, *, lock: str | None = None
) -> Row[Any] | None:
    """The day's release; `lock` is None, "share" (entries) or "update" (the draw, changes)."""
    query = select(day_releases).where(day_releases.c.office_code == office_code, day_releases.c.day == day)
    if lock:
        query = dialect.locked(conn, query, read=lock == "share")
    return (await conn.execute(query)).first()


async def latest_releases(conn: AsyncConnection, office_code: str, limit: int = 400) -> list[Release]:
    """The releases of the office's latest `limit` days (the catalog caches them)."""
    rows = await conn.execute(
        select(day_releases)
        .where(day_releases.c.office_code == office_code)
        .order_by(day_releases.c.day.desc())
        .limit(limit)
    )
    return [release_of(r) for r in rows]


async def upsert_release(conn: AsyncConnection, values: dict[str, Any]) -> None:
    insert = dialect.insert(conn, day_releases)
    changing = {k: v for k, v in values.items() if k not in ("office_code", "day")}
    await conn.execute(
        insert.values(**values).on_conflict_do_update(index_elements=["office_code", "day"], set_=changing)
    )


async def mark_drawn(
    conn: AsyncConnection, office_code: str, day: date, digest: str, capacity: dict[str, int], now: datetime
) -> None:
    await conn.execute(
        update(day_releases)
        .where(day_releases.c.office_code == office_code, day_releases.c.day == day)
        .values(drawn_at=now, entries_digest=digest, draw_capacity=capacity)
    )


async def active_places_taken(conn: AsyncConnection, office_code: str, day: date) -> int:
    """Places of the day already taken (a ballot can only be set on an untouched day)."""
    query = (
        select(func.count())
        .select_from(places)
        .where(places.c.office_code == office_code, places.c.day == day, places.c.booking_code.is_not(None))
    )
    return int((await conn.execute(query)).scalar_one())


async def free_places(conn: AsyncConnection, office_code: str, day: date) -> dict[tuple[str, str], int]:
    """Free places of the day per (session "HH:MM", category)."""
    query = (
        select(places.c.starts, places.c.category, func.count())
        .where(places.c.office_code == office_code, places.c.day == day, places.c.booking_code.is_(None))
        .group_by(places.c.starts, places.c.category)
    )
    return {(r[0].strftime("%H:%M"), r[1]): int(r[2]) for r in await conn.execute(query)}


async def take_contact(conn: AsyncConnection, office_code: str, day: date, contact: str, limit: int) -> bool:
    """Count one more entry against the contact for the day; False when it already has `limit`."""
    insert = dialect.insert(conn, ballot_contacts)
    stmt = (
        insert.values(office_code=office_code, day=day, contact=contact, entries=1)
        .on_conflict_do_update(
            index_elements=["office_code", "day", "contact"],
            set_={"entries": ballot_contacts.c.entries + 1},
            where=ballot_contacts.c.entries < limit,
        )
        .returning(ballot_contacts.c.entries)
    )
    return (await conn.execute(stmt)).first() is not None


# An entry whose contact code was not entered yet is neither drawn nor counted nor published.
_counted = ballot_entries.c.status != EntryStatus.UNVERIFIED.value


async def insert_entry(conn: AsyncConnection, values: dict[str, Any]) -> bool:
    """Insert an entry; False when the NIK (or the entry code) already has one for the day."""
    stmt = dialect.insert(conn, ballot_entries).values(**values).on_conflict_do_nothing()
    return bool((await conn.execute(stmt.returning(ballot_entries.c.nik))).first())


async def entry_of_nik(conn: AsyncConnection, office_code: str, day: date, nik: str) -> Row[Any] | None:
    query = select(ballot_entries).where(
        ballot_entries.c.office_code == office_code, ballot_entries.c.day == day, ballot_entries.c.nik == nik
    )
    return (await conn.execute(query)).first()


async def entry_by_code(conn: AsyncConnection, office_code: str, code: str) -> Row[Any] | None:
    query = select(ballot_entries).where(
        ballot_entries.c.office_code == office_code, ballot_entries.c.entry_code == code
    )
    return (await conn.execute(query)).first()


async def entries_of_day(conn: AsyncConnection, office_code: str, day: date) -> list[Row[Any]]:
    query = (
        select(ballot_entries)
        .where(ballot_entries.c.office_code == office_code, ballot_entries.c.day == day, _counted)
        .order_by(ballot_entries.c.rank, ballot_entries.c.entry_code)
    )
    return list((await conn.execute(query)).all())


async def entry_count(conn: AsyncConnection, office_code: str, day: date) -> int:
    query = (
        select(func.count())
        .select_from(ballot_entries)
        .where(ballot_entries.c.office_code == office_code, ballot_entries.c.day == day, _counted)
    )
    return int((await conn.execute(query)).scalar_one())


async def verify_entry(conn: AsyncConnection, office_code: str, code: str) -> bool:
    """An unverified entry counts from now on (its contact's code was entered); False if it is gone."""
    result = await conn.execute(
        update(ballot_entries)
        .where(
            ballot_entries.c.office_code == office_code,
            ballot_entries.c.entry_code == code,
            ballot_entries.c.status == EntryStatus.UNVERIFIED.value,
        )
        .values(status=EntryStatus.ENTERED.value)
        .returning(ballot_entries.c.entry_code)
    )
    return result.first() is not None


async def delete_unverified(conn: AsyncConnection, office_code: str, code: str) -> None:
    """An entry whose code was refused or replaced never counted: it goes (the NIK may enter again)."""
    await conn.execute(
        delete(ballot_entries).where(
            ballot_entries.c.office_code == office_code,
            ballot_entries.c.entry_code == code,
            ballot_entries.c.status == EntryStatus.UNVERIFIED.value,
        )
    )


async def set_outcome(conn: AsyncConnection, row: Any, **values: Any) -> None:
    await conn.execute(
        update(ballot_entries)
        .where(
            and_(
                ballot_entries.c.office_code == row.office_code,
                ballot_entries.c.day == row.day,
                ballot_entries.c.nik == row.nik,
            )
        )
        .values(**values)
    )


async def due_draws(conn: AsyncConnection, now: datetime) -> list[Row[Any]]:
    """Ballots whose window has closed and that are not drawn yet."""
    query = select(day_releases.c.office_code, day_releases.c.day).where(
        day_releases.c.mode == Mode.BALLOT.value,
        day_releases.c.drawn_at.is_(None),
        day_releases.c.closes_at <= now,
    )
    return list((await conn.execute(query)).all())  # type: ignore[arg-type]
