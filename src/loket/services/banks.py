"""Banks' callback secrets: per bank, and rotatable without a moment of refused callbacks.

Rotation is two steps: `rotate` makes a new secret and keeps the old one valid as the previous
secret (the callback checks both, in constant time); once the bank signs with the new one,
`finish` drops the old. Secrets never enter the audit log.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from loket.domain.errors import Conflict, NotFound
from loket.services.audit import NATIONAL, record
from loket.store import payments_repo
from loket.store.database import Database


async def _bank(conn: Any, code: str) -> Any:
    row = await payments_repo.bank(conn, code.upper())
    if row is None:
        raise NotFound("bank_not_found", "Unknown bank %(code)s", field="bank", code=code)
    return row


async def rotate_secret(db: Database, code: str, *, actor: str, now: datetime) -> str:
    """A new secret for the bank (returned once); the current one stays valid until `finish_rotation`."""
    new = secrets.token_urlsafe(32)
    async with db.write() as conn:
        row = await _bank(conn, code)
        if row.previous_secret:
            raise Conflict(
                "rotation_in_progress",
                "Finish the rotation in progress first (loket banks rotate --finish)",
                field="bank",
            )
        await payments_repo.rotate_secret(conn, row.code, secret=new, previous=row.secret)
        await record(conn, office_code=NATIONAL, actor=actor, action="bank.rotate", subject=row.code, now=now)
    return new


async def finish_rotation(db: Database, code: str, *, actor: str, now: datetime) -> None:
    """Stop accepting the previous secret."""
    async with db.write() as conn:
        row = await _bank(conn, code)
        if not row.previous_secret:
            raise Conflict("no_rotation", "This bank has no rotation in progress", field="bank")
        await payments_repo.drop_previous_secret(conn, row.code)
        await record(
            conn, office_code=NATIONAL, actor=actor, action="bank.rotate_finish", subject=row.code, now=now
        )


async def list_banks(db: Database) -> list[dict[str, Any]]:
    """The banks, whether active and whether a rotation is in progress (no secrets)."""
    async with db.read() as conn:
        rows = await payments_repo.all_banks(conn)
        return [
            {"code": r.code, "name": r.name, "active": r.active, "rotating": bool(r.previous_secret)}
            for r in rows
        ]
