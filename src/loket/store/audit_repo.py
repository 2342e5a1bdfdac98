"""The audit log and its chain heads in the database. Never commits.

Lock policy: writers only INSERT audit rows (no shared row, so bookings never queue on the log).
The sealer locks the office's `audit_heads` row (FOR UPDATE) and is the only writer of the chain
columns, so two sealers of one office run one after the other and never hand out a seq twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.domain.audit_chain import GENESIS, Entry, Link
from loket.store import dialect
from loket.store.fast_write import FastWrite, rows_json
from loket.store.tables import audit_heads, audit_log


def entry_of(row: Any) -> Entry:
    return Entry(
        office_code=row.office_code,
        id=row.id,
        at=row.at,
        actor=row.actor,
        action=row.action,
        subject=row.subject,
        detail=row.detail or {},
        seq=row.seq,
        prev_hash=row.prev_hash,
        hash=row.hash,
        mac=row.mac,
    )


_APPEND = audit_log.insert()


# On a fast write the row goes as one JSON parameter (as the booking statement writes its own):
# the row names every column that has a value; the chain columns stay NULL until sealed.
PG_APPEND = "INSERT INTO audit_log SELECT r.* FROM json_populate_record(NULL::audit_log, %(row)s::json) r"


async def append(conn: AsyncConnection | FastWrite, row: dict[str, Any]) -> None:
    """Insert one audit entry as the service built it (unsealed: the sealer chains it later)."""
    if isinstance(conn, FastWrite):
        await conn.rows(PG_APPEND, {"row": rows_json(row)})
        return
    # The row as parameters of one statement built once: every write of Loket runs this, and
    # building an INSERT with `.values()` costs more than running it.
    await conn.execute(_APPEND, row)


async def offices_with_unsealed(conn: AsyncConnection) -> list[str]:
    rows = await conn.execute(select(audit_log.c.office_code).where(audit_log.c.seq.is_(None)).distinct())
    return sorted(r.office_code for r in rows)


async def chained_offices(conn: AsyncConnection) -> list[str]:
    """Every office with an audit entry or a chain head."""
    logged = {r.office_code for r in await conn.execute(select(audit_log.c.office_code).distinct())}
    heads = {r.office_code for r in await conn.execute(select(audit_heads.c.office_code))}
    return sorted(logged | heads)


async def lock_head(conn: AsyncConnection, office_code: str, now: datetime) -> tuple[int, str]:
    """The office's chain head, locked until commit (created at seq 0 on first use)."""
    insert = dialect.insert(conn, audit_heads)
    await conn.execute(
        insert.values(office_code=office_code, seq=0, hash=GENESIS, sealed_at=now).on_conflict_do_nothing(
            index_elements=["office_code"]
        )
    )
    query = select(audit_heads.c.seq, audit_heads.c.hash).where(audit_heads.c.office_code == office_code)
    query = dialect.locked(conn, query)
    row = (await conn.execute(query)).one()
    return int(row.seq), str(row.hash)


async def head(conn: AsyncConnection, office_code: str) -> tuple[int, str] | None:
    row = (
        await conn.execute(
            select(audit_heads.c.seq, audit_heads.c.hash).where(audit_heads.c.office_code == office_code)
        )
    ).first()
    return (int(row.seq), str(row.hash)) if row else None


async def unsealed(
    conn: AsyncConnection, office_code: str, limit: int, after: tuple[datetime, str] | None = None
) -> list[Entry]:
    """The oldest unsealed entries of the office, in seal order (the partial index serves this),
    after `after` (at, id) when given: refused entries stay unsealed and are read past."""
    query = select(audit_log).where(audit_log.c.office_code == office_code, audit_log.c.seq.is_(None))
    if after is not None:
        at, entry_id = after
        query = query.where((audit_log.c.at > at) | ((audit_log.c.at == at) & (audit_log.c.id > entry_id)))
    query = query.order_by(audit_log.c.at, audit_log.c.id).limit(limit)
    return [entry_of(r) for r in await conn.execute(query)]


async def write_links(conn: AsyncConnection, office_code: str, links: list[Link], now: datetime) -> None:
    """Give each entry its place in the chain and move the head to the last one."""
    if not links:
        return
    await conn.execute(
        update(audit_log)
        .where(
            audit_log.c.office_code == office_code,
            audit_log.c.id == bindparam("entry_id"),
            audit_log.c.seq.is_(None),
        )
        .values(seq=bindparam("new_seq"), prev_hash=bindparam("new_prev"), hash=bindparam("new_hash")),
        [{"entry_id": k.id, "new_seq": k.seq, "new_prev": k.prev_hash, "new_hash": k.hash} for k in links],
    )
    await conn.execute(
        update(audit_heads)
        .where(audit_heads.c.office_code == office_code)
        .values(seq=links[-1].seq, hash=links[-1].hash, sealed_at=now)
    )


async def sealed_after(conn: AsyncConnection, office_code: str, after_seq: int, limit: int) -> list[Entry]:
    """Sealed entries with seq > after_seq, in seq order (keyset pages for the verifier)."""
    query = (
        select(audit_log)
        .where(
            audit_log.c.office_code == office_code,
            audit_log.c.seq.is_not(None),
            audit_log.c.seq > after_seq,
        )
        .order_by(audit_log.c.seq)
        .limit(limit)
    )
    return [entry_of(r) for r in await conn.execute(query)]


async def highest_seq(conn: AsyncConnection, office_code: str) -> int:
    """The highest seq any entry of the office carries (a row inserted by hand may claim one past
    the head: the sealer numbers after it instead of failing on the unique key)."""
    query = select(func.max(audit_log.c.seq)).where(audit_log.c.office_code == office_code)
    return int((await conn.execute(query)).scalar_one() or 0)


async def unsealed_count(conn: AsyncConnection, office_code: str) -> int:
    query = select(func.count()).where(audit_log.c.office_code == office_code, audit_log.c.seq.is_(None))
    return int((await conn.execute(query)).scalar_one())
