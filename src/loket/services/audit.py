"""The audit row every write leaves, in the same transaction as the write."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from loket.store.ids import new_id
from loket.store.tables import audit_log

NATIONAL = "*"  # office_code of writes that belong to no single office (national fee schedule)


async def record(
    conn: AsyncConnection,
    *,
    office_code: str,
    actor: str,
    action: str,
    subject: str = "",
    detail: dict[str, Any] | None = None,
    now: datetime,
) -> None:
    """Append one audit entry inside the caller's transaction."""
    await conn.execute(
        audit_log.insert().values(
            office_code=office_code,
            id=new_id(),
            at=now,
            actor=actor,
            action=action,
            subject=subject,
            detail=detail or {},
        )
    )
