"""What the directorate decides for every office: holiday overrides and national administrators.
Repositories never commit."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.store import dialect
from loket.store.tables import holiday_overrides, national_admins

# The advisory lock key of national administration writes (any constant: it only has to be one).
NATIONAL_LOCK = 15_000_015


async def lock_national(conn: AsyncConnection) -> None:
    """Serialise national administration writes (office files, holidays, tariffs) until commit.

    They are rare and read-then-write (compare a file with the stored office, then write the
    difference): on PostgreSQL a transaction-level advisory lock makes the second of two at once
    wait and then read what the first committed; SQLite's BEGIN IMMEDIATE already serialises."""
    if dialect.is_postgresql(conn):
        await conn.execute(select(func.pg_advisory_xact_lock(NATIONAL_LOCK)))


async def holiday_overrides_all(conn: AsyncConnection) -> list[Any]:
    """Every override, by day."""
    return list(await conn.execute(select(holiday_overrides).order_by(holiday_overrides.c.day)))


async def holiday_override(conn: AsyncConnection, day: date) -> Any:
    """The override of `day`, or None."""
    return (await conn.execute(select(holiday_overrides).where(holiday_overrides.c.day == day))).first()


async def set_holiday_override(
    conn: AsyncConnection, day: date, *, day_off: bool, name: str, actor: str, now: datetime
) -> None:
    """Replace whatever override `day` had by this one."""
    await conn.execute(delete(holiday_overrides).where(holiday_overrides.c.day == day))
    await conn.execute(
        holiday_overrides.insert().values(
            day=day, day_off=day_off, name=name, decided_at=now, decided_by=actor
        )
    )


async def delete_holiday_override(conn: AsyncConnection, day: date) -> bool:
    """Drop the override of `day` (the package decides that day again); False when there was none."""
    result = await conn.execute(delete(holiday_overrides).where(holiday_overrides.c.day == day))
    return bool(result.rowcount)


async def is_national_admin(conn: AsyncConnection, username: str) -> bool:
    query = select(national_admins.c.username).where(national_admins.c.username == username)
    return (await conn.execute(query)).first() is not None


async def grant_national_admin(conn: AsyncConnection, username: str, *, actor: str, now: datetime) -> bool:
    """Make the account a national administrator; False when it already was one."""
    if await is_national_admin(conn, username):
        return False
    await conn.execute(national_admins.insert().values(username=username, granted_at=now, granted_by=actor))
    return True


async def revoke_national_admin(conn: AsyncConnection, username: str) -> bool:
    result = await conn.execute(delete(national_admins).where(national_admins.c.username == username))
    return bool(result.rowcount)
