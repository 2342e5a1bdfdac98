"""NTPN claims (one payment per NTPN, nationally) and the callbacks refused for reusing one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.store import dialect
from loket.store.tables import ntpn_claims, refused_payments


async def claim_ntpn(
    conn: AsyncConnection, ntpn: str, office_code: str, billing_code: str, now: datetime
) -> Row[Any]:
    """Claim `ntpn` for this billing, or find who has it. Returns the claim row.

    Lock policy: the INSERT takes the NTPN's key; a second transaction claiming the same NTPN
    waits on that key until the first commits (or rolls back) and then sees the winner, so two
    bookings can never both be paid by one NTPN (docs/locking.md)."""
    row = {"ntpn": ntpn, "office_code": office_code, "billing_code": billing_code, "claimed_at": now}
    await conn.execute(dialect.insert(conn, ntpn_claims).values(**row).on_conflict_do_nothing())
    found = (await conn.execute(select(ntpn_claims).where(ntpn_claims.c.ntpn == ntpn))).first()
    assert found is not None, "the claim was just made or found"
    return found


async def record_refused(conn: AsyncConnection, row: dict[str, Any]) -> None:
    """Keep a refused callback for the finance officer (a replay of the same one changes nothing)."""
    await conn.execute(dialect.insert(conn, refused_payments).values(**row).on_conflict_do_nothing())


async def refused(conn: AsyncConnection, office_code: str) -> list[Row[Any]]:
    """The office's refused callbacks, newest first."""
    query = (
        select(refused_payments)
        .where(refused_payments.c.office_code == office_code)
        .order_by(refused_payments.c.received_at.desc())
    )
    return list((await conn.execute(query)).all())
