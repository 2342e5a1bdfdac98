"""Survey invitations and answers (IKM) in the database. Never commits.

Lock policy: answering locks the invitation row (FOR UPDATE on PostgreSQL) and marks it answered
with a conditional UPDATE, so a link works once even when two answers race.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.store import dialect
from loket.store.tables import survey_invitations, survey_responses


async def insert_invitation(
    conn: AsyncConnection,
    office_code: str,
    booking_code: str,
    token_hash: str,
    day: date,
    ticket: str,
    now: datetime,
) -> bool:
    """Store the booking's invitation; False when it already has one (one per application)."""
    stmt = (
        dialect.insert(conn, survey_invitations)
        .values(
            office_code=office_code,
            booking_code=booking_code,
            token_hash=token_hash,
            day=day,
            ticket=ticket,
            invited_at=now,
            answered_at=None,
        )
        .on_conflict_do_nothing(index_elements=["office_code", "booking_code"])
        .returning(survey_invitations.c.booking_code)
    )
    return (await conn.execute(stmt)).first() is not None


async def invitation(
    conn: AsyncConnection, office_code: str, token_hash: str, *, lock: bool = False
) -> Row[Any] | None:
    """The office's invitation with this token hash (locked FOR UPDATE on PostgreSQL with `lock`)."""
    query = select(survey_invitations).where(
        survey_invitations.c.office_code == office_code, survey_invitations.c.token_hash == token_hash
    )
    if lock:
        query = dialect.locked(conn, query)
    return (await conn.execute(query)).first()


async def mark_answered(conn: AsyncConnection, office_code: str, booking_code: str, now: datetime) -> bool:
    """Mark the invitation answered; False when it already was."""
    done = await conn.execute(
        update(survey_invitations)
        .where(
            survey_invitations.c.office_code == office_code,
            survey_invitations.c.booking_code == booking_code,
            survey_invitations.c.answered_at.is_(None),
        )
        .values(answered_at=now)
    )
    return bool(done.rowcount)


async def insert_response(conn: AsyncConnection, values: dict[str, Any]) -> None:
    """Store one answer (the row as `survey_responses` holds it)."""
    await conn.execute(survey_responses.insert().values(**values))
