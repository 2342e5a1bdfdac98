"""An office's audit chain head, read for anchoring elsewhere (`loket audit head`)."""

from __future__ import annotations

from loket.store import audit_repo
from loket.store.database import Database


async def chain_head(db: Database, office_code: str) -> tuple[int, str] | None:
    """The sequence number and hash of the office's last sealed entry (None before the first seal)."""
    async with db.read() as conn:
        return await audit_repo.head(conn, office_code)
