"""Failed sign-ins per typed username and network address (lock-out). Never commits.

Lock policy (issue 21): an attempt first locks its (username, address) row (INSERT ... ON
CONFLICT DO NOTHING, then SELECT ... FOR UPDATE) and counts itself as a failure before the
password is checked; a sign-in that then succeeds deletes the row. So concurrent attempts of one
name from one address are counted one after the other, and no burst gets more password checks
than the limit allows. Nothing is shared between different usernames or addresses.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.store import dialect
from loket.store.tables import login_guards


def _key(username: str, address: str) -> Any:
    return (login_guards.c.username == username) & (login_guards.c.address == address)


async def lock_guard(conn: AsyncConnection, username: str, address: str, now: datetime) -> Row[Any]:
    """The (username, address) row, made if missing, locked until the transaction ends."""
    fresh = {"username": username, "address": address, "failures": 0, "last_failure_at": now}
    await conn.execute(dialect.insert(conn, login_guards).values(**fresh).on_conflict_do_nothing())
    query = dialect.locked(conn, select(login_guards).where(_key(username, address)))
    row = (await conn.execute(query)).first()
    assert row is not None, "the row was just made or found"
    return row


async def count_attempt(
    conn: AsyncConnection, username: str, address: str, failures: int, now: datetime, until: datetime | None
) -> None:
    """Record the attempt as a failure (it is cleared if the password turns out right)."""
    await conn.execute(
        login_guards.update()
        .where(_key(username, address))
        .values(failures=failures, last_failure_at=now, locked_until=until)
    )


async def clear(conn: AsyncConnection, username: str, address: str) -> None:
    """Forget the failures of this name from this address (a sign-in succeeded)."""
    await conn.execute(delete(login_guards).where(_key(username, address)))


async def forget_old(conn: AsyncConnection, before: datetime) -> int:
    """Drop rows of names not failed since `before` and not locked (the worker keeps the table small)."""
    result = await conn.execute(
        delete(login_guards).where(
            login_guards.c.last_failure_at < before,
            (login_guards.c.locked_until.is_(None)) | (login_guards.c.locked_until < before),
        )
    )
    return int(result.rowcount or 0)
