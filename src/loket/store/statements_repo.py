"""Statement entries that are not plain payments (duplicates, reversals). Never commits.

They are written in the import's transaction, after the statement's row was claimed (see
services/reconciliation.py: a second import of the same statement stops at that row).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.store.tables import bank_statement_exceptions


async def insert_exceptions(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    if rows:
        await conn.execute(bank_statement_exceptions.insert(), rows)


async def exceptions_between(
    conn: AsyncConnection, office_code: str, start: datetime, end: datetime
) -> list[Any]:
    """Duplicates and reversals booked in [start, end), in line order."""
    t = bank_statement_exceptions
    query = (
        select(t)
        .where(t.c.office_code == office_code, t.c.paid_at >= start, t.c.paid_at < end)
        .order_by(t.c.paid_at, t.c.statement_id, t.c.line)
    )
    return list((await conn.execute(query)).all())
