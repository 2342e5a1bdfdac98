"""The notification outbox in the database: queueing rows, reading them back, leasing and marking.

The rows themselves are built by `loket.notify` (pure); services hand them to this module inside
their own transaction. Never commits.

Lock policy (docs/notifications.md, "Delivery"): a claim selects due rows `FOR UPDATE SKIP LOCKED`
on PostgreSQL (several workers share the work) and leases each with a conditional UPDATE on its
`attempts`; only the holder of that attempt's lease may mark it afterwards.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.domain.notification import Delivery
from loket.store import dialect
from loket.store.fast_write import FastWrite, rows_json
from loket.store.tables import notify_outbox

DEFAULT_LOCALE = "id"


def _enqueue_statement(conn: AsyncConnection) -> Any:
    return (
        dialect.insert(conn, notify_outbox)
        .on_conflict_do_nothing(index_elements=["office_code", "idempotency_key"])
        .returning(notify_outbox.c.id)
    )


_ENQUEUE = dialect.PerDialect(_enqueue_statement)


# On a fast write the rows go as one JSON parameter; each names every column (notify/outbox.py).
PG_ENQUEUE = (
    "INSERT INTO notify_outbox SELECT r.* FROM json_populate_recordset(NULL::notify_outbox, %(rows)s::json) r"
    " ON CONFLICT (office_code, idempotency_key) DO NOTHING RETURNING id"
)


async def enqueue(conn: AsyncConnection | FastWrite, rows: list[dict[str, Any]]) -> int:
    """Queue messages (one statement); one already queued under the same idempotency key is left
    alone. Returns how many were added."""
    if not rows:
        return 0
    if isinstance(conn, FastWrite):
        return len(await conn.rows(PG_ENQUEUE, {"rows": rows_json(rows)}))
    return len((await conn.execute(_ENQUEUE(conn), rows)).all())


async def locale_of(conn: AsyncConnection, office_code: str, subject: str) -> str:
    """The language the person chose when they booked or joined (their first message's)."""
    row = (
        await conn.execute(
            select(notify_outbox.c.locale)
            .where(notify_outbox.c.office_code == office_code, notify_outbox.c.subject == subject)
            .order_by(notify_outbox.c.created_at)
            .limit(1)
        )
    ).first()
    return str(row.locale) if row else DEFAULT_LOCALE


async def messages_about(conn: AsyncConnection, office_code: str, subject: str) -> list[Row[Any]]:
    """Every message queued about a booking or entry, oldest first (status page, tests)."""
    rows = await conn.execute(
        select(notify_outbox)
        .where(notify_outbox.c.office_code == office_code, notify_outbox.c.subject == subject)
        .order_by(notify_outbox.c.created_at, notify_outbox.c.id)
    )
    return list(rows.all())


def not_told(office_code: Any, subject: Any, event: str) -> Any:
    """A condition for other repositories' queries: no message of `event` queued about `subject` yet."""
    return ~exists().where(
        and_(
            notify_outbox.c.office_code == office_code,
            notify_outbox.c.subject == subject,
            notify_outbox.c.event == event,
        )
    )


async def claim_due(
    conn: AsyncConnection, now: datetime, lease_until: datetime, batch: int
) -> list[Row[Any]]:
    """Lease up to `batch` due messages (pending, or sending with a lapsed lease) until `lease_until`.

    Returns the rows as they were before the claim: `attempts` is the count before this attempt."""
    due = and_(
        notify_outbox.c.status.in_([Delivery.PENDING.value, Delivery.SENDING.value]),
        notify_outbox.c.next_attempt_at <= now,
    )
    query = select(notify_outbox).where(due).order_by(notify_outbox.c.next_attempt_at).limit(batch)
    rows = (await conn.execute(dialect.locked(conn, query, skip_locked=True))).all()
    claimed = []
    for row in rows:
        result = await conn.execute(
            update(notify_outbox)
            .where(
                notify_outbox.c.office_code == row.office_code,
                notify_outbox.c.id == row.id,
                notify_outbox.c.attempts == row.attempts,
            )
            .values(status=Delivery.SENDING.value, attempts=row.attempts + 1, next_attempt_at=lease_until)
        )
        if result.rowcount:
            claimed.append(row)
    return claimed


async def finish(conn: AsyncConnection, row: Any, values: dict[str, Any]) -> bool:
    """Mark a claimed message (`row` as `claim_due` returned it); False when its lease was lost."""
    result = await conn.execute(
        update(notify_outbox)
        .where(
            notify_outbox.c.office_code == row.office_code,
            notify_outbox.c.id == row.id,
            notify_outbox.c.attempts == row.attempts + 1,
            notify_outbox.c.status == Delivery.SENDING.value,
        )
        .values(**values)
    )
    return bool(result.rowcount)
