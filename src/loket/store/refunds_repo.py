"""Refunds owed to applicants (`refunds`). Never commits.

Lock policy (docs/locking.md, "Refunds"): opening is an insert that does nothing on the
(office, source) key, so a refund is opened once per payment or cancellation; each decision is
a conditional UPDATE on the refund's status under its row lock (FOR UPDATE), so two
supervisors approving (or one approving and one rejecting) at once apply one decision.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.store import dialect
from loket.store.tables import payments, refunds


async def open_refund(conn: AsyncConnection, row: dict[str, Any]) -> bool:
    """Insert the refund unless one is already open for its source; True when inserted."""
    stmt = (
        dialect.insert(conn, refunds)
        .values(**row)
        .on_conflict_do_nothing(index_elements=["office_code", "source"])
        .returning(refunds.c.refund_id)
    )
    return (await conn.execute(stmt)).first() is not None


async def refund(
    conn: AsyncConnection, office_code: str, refund_id: str, *, lock: bool = False
) -> Row[Any] | None:
    query = select(refunds).where(refunds.c.office_code == office_code, refunds.c.refund_id == refund_id)
    if lock:
        query = dialect.locked(conn, query)
    return (await conn.execute(query)).first()


async def refunds_of(
    conn: AsyncConnection, office_code: str, *, status: str | None = None, booking_code: str | None = None
) -> list[Row[Any]]:
    """The office's refunds, oldest first, optionally of one status or one booking."""
    query = select(refunds).where(refunds.c.office_code == office_code)
    if status is not None:
        query = query.where(refunds.c.status == status)
    if booking_code is not None:
        query = query.where(refunds.c.booking_code == booking_code)
    return list((await conn.execute(query.order_by(refunds.c.opened_at, refunds.c.refund_id))).all())


async def move(
    conn: AsyncConnection, office_code: str, refund_id: str, *, was: str, values: dict[str, Any]
) -> bool:
    """Change a refund that is still in status `was`; False when another decision came first."""
    done = await conn.execute(
        update(refunds)
        .where(
            refunds.c.office_code == office_code, refunds.c.refund_id == refund_id, refunds.c.status == was
        )
        .values(**values)
    )
    return done.rowcount == 1


async def accepted_payment(conn: AsyncConnection, office_code: str, booking_code: str) -> Row[Any] | None:
    """The payment that paid the booking (accepted or reinstated), or None."""
    query = (
        select(payments)
        .where(
            payments.c.office_code == office_code,
            payments.c.booking_code == booking_code,
            payments.c.outcome.in_(("accepted", "reinstated")),
        )
        .order_by(payments.c.received_at)
        .limit(1)
    )
    return (await conn.execute(query)).first()


async def payments_paid_between(
    conn: AsyncConnection, office_code: str, start: datetime, end: datetime
) -> list[Any]:
    """Every payment recorded with its paid time in [start, end)."""
    query = select(payments.c.ntpn, payments.c.amount, payments.c.paid_at, payments.c.outcome).where(
        payments.c.office_code == office_code, payments.c.paid_at >= start, payments.c.paid_at < end
    )
    return list((await conn.execute(query)).all())


async def refunds_of_payments(conn: AsyncConnection, office_code: str, ntpns: list[str]) -> list[Row[Any]]:
    """The refunds that give back these payments."""
    if not ntpns:
        return []
    rows: list[Any] = []
    for i in range(0, len(ntpns), 500):  # bounded IN lists
        query = select(refunds).where(
            refunds.c.office_code == office_code, refunds.c.ntpn.in_(ntpns[i : i + 500])
        )
        rows.extend((await conn.execute(query)).all())
    return rows
