"""Staff invitations: single-use, expiring links (only the token's SHA-256 is stored). Never commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.store.tables import staff_invitations


async def insert_invitation(
    conn: AsyncConnection,
    *,
    office_code: str,
    token_hash: str,
    email: str,
    role: str,
    invited_by: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    await conn.execute(
        staff_invitations.insert().values(
            office_code=office_code,
            token_hash=token_hash,
            email=email,
            role=role,
            invited_by=invited_by,
            created_at=now,
            expires_at=expires_at,
        )
    )


async def invitation(conn: AsyncConnection, token_hash: str) -> Any:
    """The invitation with this token hash (used or not, expired or not), or None."""
    query = select(staff_invitations).where(staff_invitations.c.token_hash == token_hash)
    return (await conn.execute(query)).first()


async def mark_used(
    conn: AsyncConnection, office_code: str, token_hash: str, username: str, now: datetime
) -> bool:
    """Spend the invitation; False when it was already spent or has expired. The condition is in the
    UPDATE itself, so of two submissions of one link racing, exactly one spends it."""
    result = await conn.execute(
        update(staff_invitations)
        .where(
            staff_invitations.c.office_code == office_code,
            staff_invitations.c.token_hash == token_hash,
            staff_invitations.c.used_at.is_(None),
            staff_invitations.c.expires_at > now,
        )
        .values(used_at=now, used_by=username)
    )
    return result.rowcount == 1


async def pending(conn: AsyncConnection, office_code: str, now: datetime) -> list[Any]:
    """The office's invitations not used and not expired, newest first."""
    query = (
        select(staff_invitations)
        .where(
            staff_invitations.c.office_code == office_code,
            staff_invitations.c.used_at.is_(None),
            staff_invitations.c.expires_at > now,
        )
        .order_by(staff_invitations.c.created_at.desc())
    )
    return list(await conn.execute(query))
