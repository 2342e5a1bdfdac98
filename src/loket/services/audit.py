"""The audit log: the row every write leaves in its own transaction, the sealer that chains those
rows per office, and the verifier behind `loket audit verify` (design in docs/security.md).

Writers only insert (no shared row to queue on, so the booking hot path stays concurrent); the
sealer gives the unsealed tail its sequence numbers and SHA-256 links in (at, id) order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from loket.domain.audit_chain import Break, Walk, seal
from loket.store import audit_repo
from loket.store.database import Connection, Database
from loket.store.ids import new_id

NATIONAL = "*"  # office_code of writes that belong to no single office (national fee schedule)
SEAL_BATCH = 1000
VERIFY_PAGE = 5000


def audit_row(
    *,
    office_code: str,
    actor: str,
    action: str,
    subject: str = "",
    detail: dict[str, Any] | None = None,
    now: datetime,
) -> dict[str, Any]:
    """The audit entry of one write, for a repository that writes it with the write's own rows."""
    return {
        "office_code": office_code,
        "id": new_id(),
        "at": now,
        "actor": actor,
        "action": action,
        "subject": subject,
        "detail": detail or {},
    }


async def record(
    conn: Connection,
    *,
    office_code: str,
    actor: str,
    action: str,
    subject: str = "",
    detail: dict[str, Any] | None = None,
    now: datetime,
) -> None:
    """Append one audit entry inside the caller's transaction (sealed into the chain later)."""
    row = audit_row(
        office_code=office_code, actor=actor, action=action, subject=subject, detail=detail, now=now
    )
    await audit_repo.append(conn, row)


async def seal_office(db: Database, office_code: str, now: datetime, batch: int = SEAL_BATCH) -> int:
    """Chain the office's unsealed entries (committed so far) onto its head; returns how many."""
    sealed = 0
    while True:
        async with db.write() as conn:
            head_seq, head_hash = await audit_repo.lock_head(conn, office_code, now)
            entries = await audit_repo.unsealed(conn, office_code, batch)
            links = seal(entries, head_seq, head_hash)
            await audit_repo.write_links(conn, office_code, links, now)
        sealed += len(links)
        if len(entries) < batch:
            return sealed


async def seal_all(db: Database, now: datetime, office_code: str | None = None) -> int:
    """Seal every office's unsealed tail (the worker runs this each round)."""
    if office_code is not None:
        return await seal_office(db, office_code, now)
    async with db.read() as conn:
        offices = await audit_repo.offices_with_unsealed(conn)
    return sum([await seal_office(db, code, now) for code in offices])


@dataclass(frozen=True)
class ChainReport:
    """One office's chain after a walk."""

    office_code: str
    sealed: int
    unsealed: int
    head_seq: int
    head_hash: str
    broken: Break | None

    @property
    def intact(self) -> bool:
        return self.broken is None


async def verify_office(db: Database, office_code: str) -> ChainReport:
    """Walk the office's chain from its first entry and report the first broken link."""
    walk = Walk(office_code)
    async with db.read() as conn:
        head = await audit_repo.head(conn, office_code)
        while walk.broken is None:
            page = await audit_repo.sealed_after(conn, office_code, walk.seq, VERIFY_PAGE)
            if not page:
                break
            walk.feed(page)
            if len(page) < VERIFY_PAGE:
                break
        unsealed = await audit_repo.unsealed_count(conn, office_code)
    walk.finish(*(head or (None, None)))
    return ChainReport(office_code, walk.checked, unsealed, walk.seq, walk.hash, walk.broken)


async def verify(
    db: Database, now: datetime, *, office_code: str | None = None, seal_first: bool = True
) -> list[ChainReport]:
    """Seal what is pending (unless told not to), then check every office's chain (or one)."""
    if seal_first:
        await seal_all(db, now, office_code)
    if office_code is not None:
        return [await verify_office(db, office_code)]
    async with db.read() as conn:
        offices = await audit_repo.chained_offices(conn)
    return [await verify_office(db, code) for code in offices]


async def chain_head(db: Database, office_code: str) -> tuple[int, str] | None:
    """The sequence number and hash of the office's last sealed entry (None before the first seal),
    for anchoring elsewhere (`loket audit head`)."""
    async with db.read() as conn:
        return await audit_repo.head(conn, office_code)
