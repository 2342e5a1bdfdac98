"""Banks, billing codes and payments in the database. Never commits.

Lock policy (docs/locking.md, "Payments"): the bank callback locks the booking row first
(`booking_repo.booking_by_code(lock=True)`), then looks for an earlier payment with the same
NTPN here, so two copies of one callback are applied one after the other. Payments are keyed
by (office, NTPN).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.store.tables import banks, billings, payments


async def insert_bank(conn: AsyncConnection, row: dict[str, Any]) -> None:
    await conn.execute(banks.insert().values(**row))


async def bank(conn: AsyncConnection, code: str, *, active_only: bool = False) -> Row[Any] | None:
    """The bank with this (upper-case) code, or None."""
    query = select(banks).where(banks.c.code == code)
    if active_only:
        query = query.where(banks.c.active.is_(True))
    return (await conn.execute(query)).first()


async def set_bank_active(conn: AsyncConnection, code: str, active: bool) -> None:
    """Accept (or refuse) the bank's callbacks."""
    await conn.execute(update(banks).where(banks.c.code == code).values(active=active))


async def all_banks(conn: AsyncConnection) -> list[Row[Any]]:
    """Every bank, by code."""
    return list((await conn.execute(select(banks).order_by(banks.c.code))).all())


async def rotate_secret(conn: AsyncConnection, code: str, *, secret: str, previous: str) -> None:
    """A new callback secret for the bank; `previous` stays accepted until dropped."""
    await conn.execute(
        update(banks).where(banks.c.code == code).values(previous_secret=previous, secret=secret)
    )


async def drop_previous_secret(conn: AsyncConnection, code: str) -> None:
    """Stop accepting the bank's previous secret."""
    await conn.execute(update(banks).where(banks.c.code == code).values(previous_secret=None))


async def billing(conn: AsyncConnection, billing_code: str) -> Row[Any] | None:
    """The billing code's row (office, booking, amount), or None."""
    return (await conn.execute(select(billings).where(billings.c.billing_code == billing_code))).first()


async def payment(conn: AsyncConnection, office_code: str, ntpn: str) -> Row[Any] | None:
    """The payment already recorded under this NTPN, or None."""
    query = select(payments).where(payments.c.office_code == office_code, payments.c.ntpn == ntpn)
    return (await conn.execute(query)).first()


async def insert_payment(conn: AsyncConnection, row: dict[str, Any]) -> None:
    await conn.execute(payments.insert().values(**row))
