"""Personal data (UU 27/2022): one person's data on request, and the retention purge that removes
the personal data of old applications while keeping their statistics.

The audit log holds no applicant's personal data (codes, not names or NIKs), so it is never
touched: it stays append-only and its chain intact.
"""

from __future__ import annotations

import base64
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from loket.domain.identity import mask_nik, parse_nik
from loket.services.audit import NATIONAL, record
from loket.services.document_files import read_file
from loket.services.documents import forget_unused
from loket.store import documents_repo, offices_repo, privacy_repo
from loket.store.database import Database


async def export_person(
    db: Database,
    nik: str,
    *,
    actor: str,
    now: datetime,
    office_code: str | None = None,
    documents_dir: Path | None = None,
) -> dict[str, Any]:
    """Everything kept about the holder of `nik` (in one office, or all), as plain data, the
    uploaded documents' files included (base64) when `documents_dir` is given; audited."""
    number = parse_nik(nik).nik
    async with db.write() as conn:
        if office_code:
            await offices_repo.load_office(conn, office_code)
        booked = await privacy_repo.bookings_of(conn, number, office_code)
        codes = [b["booking_code"] for b in booked]
        paid = await privacy_repo.payments_of(conn, codes)
        waits = await privacy_repo.waitlist_of(conn, number, office_code)
        entries = await privacy_repo.ballot_entries_of(conn, number, office_code)
        visits = await privacy_repo.tickets_of(conn, number, office_code)
        steps = []
        for t in visits:
            steps += await privacy_repo.transitions_of(conn, t)
        messages = await privacy_repo.messages_about(conn, codes + [w["entry_code"] for w in waits])
        uploaded = await privacy_repo.documents_of(conn, booked)
        await record(
            conn,
            office_code=office_code or NATIONAL,
            actor=actor,
            action="privacy.export",
            subject=mask_nik(number),
            now=now,
        )
    if documents_dir is not None:
        for doc in uploaded:
            try:
                data = read_file(documents_dir, doc["office_code"], doc["booking_code"], doc["sha256"])
            except FileNotFoundError:
                continue
            doc["content_base64"] = base64.b64encode(data).decode("ascii")
    return {
        "nik": number,
        "exported_at": now.isoformat(),
        "office": office_code,
        "bookings": booked,
        "payments": paid,
        "waiting_lists": waits,
        "ballot_entries": entries,
        "tickets": visits,
        "stages": steps,
        "messages": messages,
        "documents": uploaded,
    }


async def purge_personal_data(
    db: Database, now: datetime, retention_days: int, *, documents_dir: Path | None = None
) -> dict[str, int]:
    """Remove personal data of applications whose day is more than `retention_days` ago; their
    uploaded documents go from the database and, once that commits, from `documents_dir`."""
    totals = {"bookings": 0, "tickets": 0, "waiting_lists": 0, "ballot_entries": 0, "documents": 0}
    if retention_days <= 0:
        return totals
    async with db.read() as conn:
        codes = await offices_repo.office_codes(conn)
    for code in codes:
        async with db.write() as conn:
            office = await offices_repo.load_office(conn, code)
            cutoff = office.local_today(now) - timedelta(days=retention_days)
            purged = await privacy_repo.purge_bookings(conn, code, cutoff, now)
            await privacy_repo.purge_payers(conn, code, purged)
            uploaded = await documents_repo.delete_documents_of(conn, code, purged)
            if documents_dir is not None:
                for booking_code in sorted({b for b, _sha in uploaded}):
                    shas = {sha for b, sha in uploaded if b == booking_code}
                    forget_unused(conn, db, documents_dir, code, booking_code, shas)
            done = {
                "bookings": len(purged),
                "tickets": await privacy_repo.purge_tickets(conn, code, cutoff),
                "waiting_lists": await privacy_repo.delete_waitlist_before(conn, code, cutoff),
                "ballot_entries": await privacy_repo.delete_ballots_before(conn, code, cutoff),
                "documents": len(uploaded),
            }
            moment = datetime.combine(cutoff, time(0, 0), tzinfo=now.tzinfo)
            await privacy_repo.blank_recipients_before(conn, code, moment)
            await privacy_repo.delete_codes_before(conn, code, moment)
            if any(done.values()):
                await record(
                    conn,
                    office_code=code,
                    actor="system",
                    action="privacy.purge",
                    subject=cutoff.isoformat(),
                    detail=done,
                    now=now,
                )
        for key, value in done.items():
            totals[key] += value
    async with db.write() as conn:
        await privacy_repo.delete_idle_contact_counters(conn)
    return totals


async def personal_rows(db: Database, nik: str) -> int:
    """How many bookings still carry this NIK unmasked (tests, operators)."""
    async with db.read() as conn:
        return await privacy_repo.count_bookings_of(conn, nik)
