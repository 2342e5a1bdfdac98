"""Reads of an office's day releases for the supervisors' pages (scheduling them and the draw are
services/ballot.py and services/ballot_draw.py)."""

from __future__ import annotations

from loket.domain.ballot import Release
from loket.store import ballot_repo
from loket.store.database import Database


async def recent_releases(db: Database, office_code: str, limit: int = 60) -> list[Release]:
    """The releases of the office's latest `limit` release days, earliest first."""
    async with db.read() as conn:
        found = await ballot_repo.latest_releases(conn, office_code, limit=limit)
    return sorted(found, key=lambda r: r.day)
