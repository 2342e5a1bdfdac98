"""Documents before the visit (issue 20): the applicant uploads each checklist item, the intake
officer views, verifies or rejects it; every upload, view and decision is audited. Files lie in
LOKET_DOCUMENTS_DIR (services/document_files.py); the rows say which office and booking own them.

Lock policy (docs/locking.md): an upload and a decision lock the booking row (FOR UPDATE), so two
uploads of one booking count against its quota one after the other, and a decision never judges a
file that an upload is replacing at that moment.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from loket.domain.booking import ACTIVE_STATUSES, age_on, office_of_booking_code
from loket.domain.documents import (
    OFFICE_ITEMS,
    ChecklistItem,
    DocumentState,
    MediaKind,
    checklist_for,
    download_name,
    item_of,
    missing_after_review,
    reject_reason,
)
from loket.domain.errors import Conflict, NotFound, TooMany, invalid
from loket.domain.msgid import N_
from loket.domain.notification import Event
from loket.services import document_files as files
from loket.services.audit import record
from loket.services.notifications import about_booking
from loket.store import booking_repo, documents_repo
from loket.store.database import Connection, Database, on_commit

QUOTA_MESSAGE = N_("This booking has uploaded its most files (%(n)s); bring the originals to the office")


@dataclass(frozen=True)
class DocumentRow:
    item: str
    state: str
    kind: MediaKind
    size_bytes: int
    uploaded_at: datetime
    reason: str | None
    width: int | None
    height: int | None
    pages: int | None
    uploads: int

    @property
    def is_image(self) -> bool:
        return self.kind is not MediaKind.PDF


@dataclass(frozen=True)
class BookingDocuments:
    """A booking's checklist and what was uploaded for each item."""

    office_code: str
    booking_code: str
    active: bool
    checklist: list[ChecklistItem]
    uploaded: dict[str, DocumentRow] = field(default_factory=dict)

    @property
    def rejected(self) -> list[tuple[ChecklistItem, DocumentRow]]:
        return [(i, self.uploaded[i.code]) for i in self.checklist if self._is(i, DocumentState.REJECTED)]

    @property
    def missing(self) -> list[str]:
        """The "incomplete" codes to pre-fill at intake: required items not verified."""
        return missing_after_review(self.checklist, {k: v.state for k, v in self.uploaded.items()})

    def _is(self, item: ChecklistItem, state: DocumentState) -> bool:
        return item.code in self.uploaded and self.uploaded[item.code].state == state


@dataclass(frozen=True)
class DocumentLimits:
    root: Path
    max_uploads: int


@dataclass(frozen=True)
class ServedFile:
    data: bytes
    kind: MediaKind
    name: str


def _row(r: Any) -> DocumentRow:
    return DocumentRow(
        r.item,
        r.state,
        MediaKind(r.media_type),
        r.size_bytes,
        r.uploaded_at,
        r.reason,
        r.width,
        r.height,
        r.pages,
        r.uploads,
    )


def _office(code: str) -> str:
    office = office_of_booking_code(code)
    if office is None:
        raise NotFound("booking_not_found", "No booking matches this code and NIK", field="booking_code")
    return office


async def _booking(conn: Connection, office_code: str, code: str, *, lock: bool = False) -> Any:
    row = await booking_repo.booking_by_code(conn, office_code, code, lock=lock)
    if row is None:
        raise NotFound("booking_not_found", "No booking matches this code and NIK", field="booking_code")
    return row


async def _checklist(conn: Connection, booking: Any) -> list[ChecklistItem]:
    asks = await documents_repo.office_items(conn, booking.office_code)
    return checklist_for(booking.service, age_on(booking.birth_date, booking.day), asks)


async def _documents(conn: Connection, booking: Any) -> BookingDocuments:
    rows = await documents_repo.documents_of(conn, booking.office_code, booking.booking_code)
    return BookingDocuments(
        booking.office_code,
        booking.booking_code,
        booking.status in ACTIVE_STATUSES and booking.purged_at is None,
        await _checklist(conn, booking),
        {r.item: _row(r) for r in rows},
    )


async def booking_documents(
    db: Database, booking_code: str, office_code: str | None = None
) -> BookingDocuments:
    """The checklist and the uploads of a booking (the caller has proved it may see them: the
    applicant's signed link or NIK, or an officer of `office_code`)."""
    office = office_code or _office(booking_code)
    async with db.read() as conn:
        return await _documents(conn, await _booking(conn, office, booking_code))


async def upload_document(
    db: Database,
    booking_code: str,
    item_code: str,
    data: bytes,
    *,
    limits: DocumentLimits,
    now: datetime,
) -> DocumentRow:
    """Keep the applicant's file for one checklist item: judged by its content, re-encoded, stored
    under its hash; replaces an earlier copy of the item. Audited."""
    office = _office(booking_code)
    async with db.read() as conn:
        booking = await _booking(conn, office, booking_code)
        item = item_of(await _checklist(conn, booking), item_code)
    # Decoding is slow (a 12-megapixel photo takes a fraction of a second): in a thread and
    # outside the transaction, so the server keeps answering and no lock is held meanwhile.
    kept = await asyncio.to_thread(files.normalise, data, item.label)
    async with db.write() as conn:
        booking = await _booking(conn, office, booking_code, lock=True)
        if booking.status not in ACTIVE_STATUSES or booking.purged_at is not None:
            raise Conflict("documents_closed", "This booking no longer takes documents", field="booking_code")
        used = await documents_repo.uploads_of(conn, office, booking_code)
        if used >= limits.max_uploads:
            raise TooMany("documents_quota", QUOTA_MESSAGE, field="file", n=limits.max_uploads)
        before = await documents_repo.document(conn, office, booking_code, item.code)
        # Written under the booking's lock: the clean-up of a replaced file (which takes the same
        # lock) cannot delete a file an upload still in flight is about to name.
        stored = await asyncio.to_thread(files.store_file, limits.root, office, booking_code, kept)
        await documents_repo.put_document(
            conn,
            {
                "office_code": office,
                "booking_code": booking_code,
                "item": item.code,
                "sha256": kept.sha256,
                "media_type": kept.kind.value,
                "size_bytes": len(kept.data),
                "width": kept.width,
                "height": kept.height,
                "pages": kept.pages,
                "state": DocumentState.UPLOADED.value,
                "uploaded_at": now,
            },
        )
        await record(
            conn,
            office_code=office,
            actor="applicant",
            action="document.upload",
            subject=booking_code,
            detail={
                "item": item.code,
                "sha256": kept.sha256,
                "type": kept.kind.value,
                "bytes": len(kept.data),
            },
            now=now,
        )
        if before is not None and before.sha256 != kept.sha256:
            forget_unused(conn, db, limits.root, office, booking_code, {before.sha256})
        row = await documents_repo.document(conn, office, booking_code, item.code)
    assert row is not None and stored.exists()
    return _row(row)


async def open_document(
    db: Database,
    office_code: str,
    booking_code: str,
    item_code: str,
    *,
    root: Path,
    actor: str,
    now: datetime,
    thumbnail: bool = False,
) -> ServedFile:
    """The stored copy of an item, for an officer of `office_code` or the applicant; audited
    (a thumbnail is part of the list's view and is not audited on its own)."""
    async with db.write() as conn:
        row = await documents_repo.document(conn, office_code, booking_code, item_code)
        if row is None:
            raise NotFound("document_not_found", "No document was uploaded for this item", field="item")
        if not thumbnail:
            await record(
                conn,
                office_code=office_code,
                actor=actor,
                action="document.view",
                subject=booking_code,
                detail={"item": item_code},
                now=now,
            )
    kind = MediaKind(row.media_type)
    data = await asyncio.to_thread(files.read_file, root, office_code, booking_code, row.sha256)
    if thumbnail and kind is not MediaKind.PDF:
        return ServedFile(
            await asyncio.to_thread(files.thumbnail, data),
            MediaKind.JPEG,
            download_name(booking_code, item_code, MediaKind.JPEG),
        )
    return ServedFile(data, kind, download_name(booking_code, item_code, kind))


async def decide_document(
    db: Database,
    office_code: str,
    booking_code: str,
    item_code: str,
    *,
    verified: bool,
    reason: str = "",
    officer: str,
    now: datetime,
) -> None:
    """The intake officer's judgement of an uploaded copy against the original: verified, or
    rejected with a reason (the applicant is told, and the status page lists it). Audited."""
    cause = None if verified else reject_reason(reason)
    async with db.write() as conn:
        booking = await _booking(conn, office_code, booking_code, lock=True)
        item = item_of(await _checklist(conn, booking), item_code)
        if await documents_repo.document(conn, office_code, booking_code, item.code) is None:
            raise NotFound("document_not_found", "No document was uploaded for this item", field="item")
        state = DocumentState.VERIFIED if verified else DocumentState.REJECTED
        await documents_repo.decide(
            conn, office_code, booking_code, item.code, state.value, cause, officer, now
        )
        await record(
            conn,
            office_code=office_code,
            actor=officer,
            action=f"document.{state.value}",
            subject=booking_code,
            detail={"item": item.code, **({"reason": cause} if cause else {})},
            now=now,
        )
        if not verified:
            await about_booking(
                conn,
                booking,
                Event.DOCUMENT_REJECTED,
                now,
                occasion=f"{item.code}:{now.isoformat()}",
                item=item.label,
                reason=cause,
            )


async def ask_office_items(
    db: Database, office_code: str, items: tuple[str, ...], *, actor: str, now: datetime
) -> None:
    """Set what the office adds to every checklist (`domain/documents.OFFICE_ITEMS`). Audited."""
    unknown = [i for i in items if i not in OFFICE_ITEMS]
    if unknown:
        raise invalid("item", "document_item_unknown", "This document is not on the booking's checklist")
    async with db.write() as conn:
        await documents_repo.ask_items(conn, office_code, sorted(set(items)))
        await record(
            conn,
            office_code=office_code,
            actor=actor,
            action="documents.office_items",
            detail={"items": sorted(set(items))},
            now=now,
        )


def forget_unused(
    conn: Connection, db: Database, root: Path, office_code: str, booking_code: str, hashes: set[str]
) -> None:
    """After commit, delete the booking's files that no row names any more, under the booking's
    row lock (an upload writes its file only while holding it)."""
    if not hashes:
        return

    async def effect() -> None:
        async with db.write() as locked:
            await booking_repo.booking_by_code(locked, office_code, booking_code, lock=True)
            still = await documents_repo.hashes_in_use(locked, office_code, booking_code, sorted(hashes))
            await asyncio.to_thread(files.remove_files, root, office_code, booking_code, hashes - still)

    on_commit(conn, effect)
