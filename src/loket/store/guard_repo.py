"""Failed sign-ins per typed username (lock-out). Never commits.

Lock policy: a failure is an upsert of the username's row (INSERT ... ON CONFLICT DO UPDATE,
whose row lock orders two failures of one name); success deletes the row. Nothing is shared
between different usernames.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.store import dialect
from loket.store.tables import login_guards


async def guard_of(conn: AsyncConnection, username: str) -> Row[Any] | None:
    """The failure count and lock of a typed username, or None when it has not failed lately."""
    return (await conn.execute(select(login_guards).where(login_guards.c.username == username))).first()


async def count_failure(
    conn: AsyncConnection, username: str, now: datetime, max_failures: int, lockout: timedelta
) -> int:
    """One more failure in a row; at `max_failures` the name is locked until now + lockout."""
    insert = dialect.insert(conn, login_guards)
    failures = login_guards.c.failures + 1
    stmt = (
        insert.values(username=username, failures=1, last_failure_at=now, locked_until=None)
        .on_conflict_do_update(
            index_elements=["username"], set_={"failures": failures, "last_failure_at": now}
        )
        .returning(login_guards.c.failures)
    )
    count = int((await conn.execute(stmt)).scalar_one())
    if count >= max_failures:
        await conn.execute(
            login_guards.update()
            .where(login_guards.c.username == username)
            .values(locked_until=now + lockout, failures=0)
        )
    return count


async def clear(conn: AsyncConnection, username: str) -> None:
    """Forget the username's failures (a sign-in succeeded)."""
    await conn.execute(delete(login_guards).where(login_guards.c.username == username))


async def forget_old(conn: AsyncConnection, before: datetime) -> int:
    """Drop rows of names not failed since `before` and not locked (the worker keeps the table small)."""
    result = await conn.execute(
        delete(login_guards).where(
            login_guards.c.last_failure_at < before,
            (login_guards.c.locked_until.is_(None)) | (login_guards.c.locked_until < before),
        )
    )
    return int(result.rowcount or 0)
