"""The documents uploaded before the visit: their metadata rows (the files are the service's)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.store import dialect
from loket.store.tables import booking_documents, office_document_items

T = booking_documents


def _key(office_code: str, booking_code: str, item: str) -> Any:
    return (T.c.office_code == office_code) & (T.c.booking_code == booking_code) & (T.c.item == item)


async def documents_of(conn: AsyncConnection, office_code: str, booking_code: str) -> list[Row[Any]]:
    """Every uploaded item of a booking."""
    query = select(T).where(T.c.office_code == office_code, T.c.booking_code == booking_code)
    return list((await conn.execute(query.order_by(T.c.item))).all())


async def document(conn: AsyncConnection, office_code: str, booking_code: str, item: str) -> Row[Any] | None:
    return (await conn.execute(select(T).where(_key(office_code, booking_code, item)))).first()


async def uploads_of(conn: AsyncConnection, office_code: str, booking_code: str) -> int:
    """How many files the booking has uploaded, replaced ones included (its quota)."""
    query = select(func.coalesce(func.sum(T.c.uploads), 0)).where(
        T.c.office_code == office_code, T.c.booking_code == booking_code
    )
    return int((await conn.execute(query)).scalar_one())


async def put_document(conn: AsyncConnection, values: dict[str, Any]) -> None:
    """Insert the item's row, or replace its file (uploads + 1, back to `uploaded`)."""
    statement = dialect.insert(conn, T).values(**values, uploads=1)
    keep = {k: statement.excluded[k] for k in values if k not in ("office_code", "booking_code", "item")}
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[T.c.office_code, T.c.booking_code, T.c.item],
            set_={**keep, "uploads": T.c.uploads + 1, "reason": None, "decided_by": None, "decided_at": None},
        )
    )


async def decide(
    conn: AsyncConnection,
    office_code: str,
    booking_code: str,
    item: str,
    state: str,
    reason: str | None,
    officer: str,
    now: datetime,
) -> None:
    await conn.execute(
        update(T)
        .where(_key(office_code, booking_code, item))
        .values(state=state, reason=reason, decided_by=officer, decided_at=now)
    )


async def hashes_in_use(
    conn: AsyncConnection, office_code: str, booking_code: str, hashes: Sequence[str]
) -> set[str]:
    """Which of these files some row of the booking still names."""
    if not hashes:
        return set()
    query = select(T.c.sha256).where(
        T.c.office_code == office_code, T.c.booking_code == booking_code, T.c.sha256.in_(list(hashes))
    )
    return {r.sha256 for r in await conn.execute(query)}


async def delete_documents_of(
    conn: AsyncConnection, office_code: str, booking_codes: Sequence[str]
) -> list[tuple[str, str]]:
    """Delete the rows of these bookings; (booking code, hash) of their files."""
    if not booking_codes:
        return []
    where = (T.c.office_code == office_code) & T.c.booking_code.in_(list(booking_codes))
    found = await conn.execute(select(T.c.booking_code, T.c.sha256).where(where))
    files = [(r.booking_code, r.sha256) for r in found]
    await conn.execute(delete(T).where(where))
    return files


async def office_items(conn: AsyncConnection, office_code: str) -> tuple[str, ...]:
    """The items the office adds to every checklist."""
    query = select(office_document_items.c.item).where(office_document_items.c.office_code == office_code)
    return tuple(sorted(r.item for r in await conn.execute(query)))


async def ask_items(conn: AsyncConnection, office_code: str, items: Sequence[str]) -> None:
    """Make the office's extra items exactly `items`."""
    table = office_document_items
    await conn.execute(delete(table).where(table.c.office_code == office_code))
    if items:
        await conn.execute(table.insert(), [{"office_code": office_code, "item": i} for i in items])
