"""Banks' callback secrets: per bank, and rotatable without a moment of refused callbacks.

Rotation is two steps: `rotate` makes a new secret and keeps the old one valid as the previous
secret (the callback checks both, in constant time); once the bank signs with the new one,
`finish` drops the old. Secrets never enter the audit log.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from loket.domain.errors import Conflict, NotFound, invalid
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


async def register_bank(db: Database, code: str, name: str, *, actor: str, now: datetime) -> str:
    """Register a designated bank; returns its callback secret, shown once (never audited)."""
    code = (code or "").strip().upper()
    if not (code.isascii() and code.isalnum()) or not 2 <= len(code) <= 16:
        raise invalid("code", "bank_code", "A bank code is 2 to 16 letters or digits")
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        raise invalid("name", "name_missing", "A name is required")
    secret = secrets.token_urlsafe(32)
    async with db.write() as conn:
        if await payments_repo.bank(conn, code) is not None:
            raise Conflict("bank_exists", "Bank %(code)s already exists", field="code", code=code)
        await payments_repo.insert_bank(conn, {"code": code, "name": name, "secret": secret, "active": True})
        await record(
            conn,
            office_code=NATIONAL,
            actor=actor,
            action="bank.add",
            subject=code,
            detail={"name": name},
            now=now,
        )
    return secret


async def set_bank_active(db: Database, code: str, active: bool, *, actor: str, now: datetime) -> None:
    """Disable a bank (its callbacks are refused from now on) or enable it again."""
    async with db.write() as conn:
        row = await _bank(conn, code)
        if bool(row.active) and active:
            raise Conflict("bank_unchanged", "Bank %(code)s is already enabled", field="bank", code=row.code)
        if not row.active and not active:
            raise Conflict("bank_unchanged", "Bank %(code)s is already disabled", field="bank", code=row.code)
        await payments_repo.set_bank_active(conn, row.code, active)
        await record(
            conn,
            office_code=NATIONAL,
            actor=actor,
            action="bank.enable" if active else "bank.disable",
            subject=row.code,
            now=now,
        )
