"""The centre's side of office nodes (issue 19): registered nodes and their link, applied journal
events, conflict cases. Never commits.

Lock policy: one upload of an office at a time. The upload holds the office's `office_nodes` row
FOR UPDATE on a connection of its own while it replays the batch (on SQLite, a single process,
an asyncio lock per office does it), so a second upload of the same events waits and then finds
them applied. Within an upload, an event is applied in the transaction of the floor write it
replays, and its row in `node_applied_events` is inserted there too; should two uploads still
race on one event, the second fails on that primary key and rolls back, so an event changes the
centre at most once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.store import dialect
from loket.store.tables import node_applied_events, node_conflicts, office_nodes


async def register(conn: AsyncConnection, office_code: str, token_hash: str, now: datetime) -> None:
    """Give the office's node a (new) token; the old one stops working."""
    statement = dialect.insert(conn, office_nodes).values(
        office_code=office_code, token_hash=token_hash, created_at=now
    )
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=["office_code"], set_={"token_hash": token_hash, "created_at": now}
        )
    )


async def node(conn: AsyncConnection, office_code: str) -> Any:
    return (await conn.execute(select(office_nodes).where(office_nodes.c.office_code == office_code))).first()


async def nodes(conn: AsyncConnection) -> list[Any]:
    return list((await conn.execute(select(office_nodes).order_by(office_nodes.c.office_code))).all())


async def lock_node(conn: AsyncConnection, office_code: str) -> None:
    """Hold the office's node row (FOR UPDATE on PostgreSQL) for the duration of one upload."""
    query = select(office_nodes.c.office_code).where(office_nodes.c.office_code == office_code)
    await conn.execute(dialect.locked(conn, query))


async def seen(conn: AsyncConnection, office_code: str, now: datetime, **values: Any) -> None:
    await conn.execute(
        update(office_nodes)
        .where(office_nodes.c.office_code == office_code)
        .values(last_seen_at=now, **values)
    )


async def count_applied(conn: AsyncConnection, office_code: str, outcome: str) -> int:
    from sqlalchemy import func

    query = select(func.count()).where(
        node_applied_events.c.office_code == office_code, node_applied_events.c.outcome == outcome
    )
    return int((await conn.execute(query)).scalar_one())


async def applied_ids(conn: AsyncConnection, office_code: str, event_ids: list[str]) -> set[str]:
    if not event_ids:
        return set()
    query = select(node_applied_events.c.event_id).where(
        node_applied_events.c.office_code == office_code, node_applied_events.c.event_id.in_(event_ids)
    )
    return {row.event_id for row in await conn.execute(query)}


async def mark_applied(conn: AsyncConnection, row: dict[str, Any]) -> None:
    """Insert the event's row; a second insert of the same event fails on the primary key."""
    await conn.execute(node_applied_events.insert().values(**row))


async def add_conflict(conn: AsyncConnection, row: dict[str, Any]) -> None:
    await conn.execute(node_conflicts.insert().values(**row))


async def conflicts(conn: AsyncConnection, office_code: str) -> list[Any]:
    query = (
        select(node_conflicts)
        .where(node_conflicts.c.office_code == office_code)
        .order_by(node_conflicts.c.status, node_conflicts.c.created_at)
    )
    return list((await conn.execute(query)).all())


async def conflict(conn: AsyncConnection, office_code: str, case_id: str, *, lock: bool = False) -> Any:
    query = select(node_conflicts).where(
        node_conflicts.c.office_code == office_code, node_conflicts.c.id == case_id
    )
    return (await conn.execute(dialect.locked(conn, query) if lock else query)).first()


async def resolve(
    conn: AsyncConnection, office_code: str, case_id: str, resolution: str, actor: str, now: datetime
) -> None:
    await conn.execute(
        update(node_conflicts)
        .where(node_conflicts.c.office_code == office_code, node_conflicts.c.id == case_id)
        .values(status="resolved", resolution=resolution, resolved_by=actor, resolved_at=now)
    )
