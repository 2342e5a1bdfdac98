"""The audit log: the row every write leaves in its own transaction, the sealer that chains those
rows per office, and the verifier behind `loket audit verify` (design in docs/security.md).

Writers only insert (no shared row to queue on, so the booking hot path stays concurrent); the
sealer gives the unsealed tail its sequence numbers and SHA-256 links in (at, id) order.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from loket.domain.audit_chain import Break, Entry, Walk, entry_mac, mac_ok, seal
from loket.services import node_journal
from loket.settings import DEFAULT_SECRET_KEY
from loket.store import audit_repo
from loket.store.database import Connection, Database
from loket.store.fast_write import FastWrite
from loket.store.ids import new_id

NATIONAL = "*"  # office_code of writes that belong to no single office (national fee schedule)
SEAL_BATCH = 1000
VERIFY_PAGE = 5000
log = logging.getLogger("loket.audit")


def audit_key(secret: str) -> bytes:
    """The key audit entries are MACed with: derived from the server's secret (LOKET_SECRET_KEY,
    or LOKET_AUDIT_KEY), which lives in the environment, never in the database."""
    return hmac.new(secret.encode(), b"loket audit entry mac v1", hashlib.sha256).digest()


# Set once per process at start-up (the web app, the CLI, the worker: `use_audit_key`); every
# process of a deployment has the same settings, so the same key.
_KEY = audit_key(DEFAULT_SECRET_KEY)


def use_audit_key(secret: str) -> None:
    """Make entries with (and check entries against) the key derived from `secret`."""
    global _KEY
    _KEY = audit_key(secret)


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
    entry = Entry(
        office_code=office_code,
        id=new_id(),
        at=now,
        actor=actor,
        action=action,
        subject=subject,
        detail=detail or {},
    )
    return {
        "office_code": entry.office_code,
        "id": entry.id,
        "at": entry.at,
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
        "detail": dict(entry.detail),
        "mac": entry_mac(_KEY, entry),
    }


async def record(
    conn: Connection | FastWrite,
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
    if isinstance(conn, FastWrite):
        # Only taken when there is nothing to journal (`node_journal.quiet`, checked by the caller).
        if not node_journal.quiet():
            raise RuntimeError("a journaled change must be written through the engine")
        return
    # An office node journals the floor event with it; the centre marks a replayed event applied.
    await node_journal.on_audit(conn, row)


async def seal_office(db: Database, office_code: str, now: datetime, batch: int = SEAL_BATCH) -> int:
    """Chain the office's unsealed entries (committed so far) onto its head; returns how many."""
    sealed = 0
    after: tuple[datetime, str] | None = None
    while True:
        async with db.write() as conn:
            head_seq, head_hash = await audit_repo.lock_head(conn, office_code, now)
            entries = await audit_repo.unsealed(conn, office_code, batch, after)
            # Rows Loket did not write (no valid MAC) are refused: reported, left unsealed, read
            # past. A row inserted with a seq of its own is numbered after, never collided with.
            genuine = [e for e in entries if mac_ok(_KEY, e)]
            foreign = [e.id for e in entries if not mac_ok(_KEY, e)]
            if foreign:
                log.error("audit %s: refused entries Loket did not write: %s", office_code, foreign)
            if genuine:
                claimed = await audit_repo.highest_seq(conn, office_code)
                if claimed > head_seq:
                    log.error("audit %s: an entry claims seq %d past the head", office_code, claimed)
                links = seal(genuine, max(head_seq, claimed), head_hash)
                await audit_repo.write_links(conn, office_code, links, now)
                sealed += len(links)
        if len(entries) < batch:
            return sealed
        after = (entries[-1].at, entries[-1].id)


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
    # Unsealed entries Loket did not write (no valid MAC): refused by the sealer (issue 21).
    foreign: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return self.broken is None and not self.foreign


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
        pending = await audit_repo.unsealed(conn, office_code, VERIFY_PAGE)
    walk.finish(*(head or (None, None)))
    foreign = [e.id for e in pending if not mac_ok(_KEY, e)]
    return ChainReport(office_code, walk.checked, unsealed, walk.seq, walk.hash, walk.broken, foreign)


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
