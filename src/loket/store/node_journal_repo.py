"""The node's journal of floor events and its link state (issue 19). Never commits.

Lock policy: the journal is written inside the floor write's own transaction; on SQLite (the
node's database) write transactions begin IMMEDIATE, so two writers never take the same `seq`;
the unique (office_code, seq) key refuses it anyway."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.store import dialect
from loket.store.tables import node_journal, node_links


async def append(conn: AsyncConnection, row: dict[str, Any]) -> None:
    """Add one event after the office's last (seq = last + 1)."""
    last = (
        await conn.execute(
            select(func.max(node_journal.c.seq)).where(node_journal.c.office_code == row["office_code"])
        )
    ).scalar_one()
    await conn.execute(node_journal.insert().values(**row, seq=int(last or 0) + 1))


async def pending(conn: AsyncConnection, office_code: str, limit: int) -> list[Any]:
    """The events not uploaded yet, oldest first."""
    query = (
        select(node_journal)
        .where(node_journal.c.office_code == office_code, node_journal.c.uploaded_at.is_(None))
        .order_by(node_journal.c.seq)
        .limit(limit)
    )
    return list((await conn.execute(query)).all())


async def everything(conn: AsyncConnection, office_code: str, limit: int) -> list[Any]:
    """Every event, oldest first (a forced re-upload)."""
    query = select(node_journal).where(node_journal.c.office_code == office_code).order_by(node_journal.c.seq)
    return list((await conn.execute(query.limit(limit))).all())


async def count_pending(conn: AsyncConnection, office_code: str) -> int:
    query = select(func.count()).where(
        node_journal.c.office_code == office_code, node_journal.c.uploaded_at.is_(None)
    )
    return int((await conn.execute(query)).scalar_one())


async def mark_uploaded(conn: AsyncConnection, office_code: str, event_ids: list[str], now: datetime) -> None:
    if event_ids:
        await conn.execute(
            update(node_journal)
            .where(node_journal.c.office_code == office_code, node_journal.c.event_id.in_(event_ids))
            .values(uploaded_at=now)
        )


async def link(conn: AsyncConnection, office_code: str) -> Any:
    query = select(node_links).where(node_links.c.office_code == office_code)
    return (await conn.execute(query)).first()


async def set_link(conn: AsyncConnection, office_code: str, **values: Any) -> None:
    statement = dialect.insert(conn, node_links).values(office_code=office_code, **values)
    await conn.execute(statement.on_conflict_do_update(index_elements=["office_code"], set_=values))
