"""The broker-pattern report (rules in domain/fraud.py) and the office's flag on a booking: a
flagged booking checks in only after an officer has verified the holder in person."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from loket.domain.errors import NotFound, invalid
from loket.domain.fraud import BookingFact, Finding, FraudPolicy, broker_findings
from loket.services.audit import record
from loket.store import contact_code_repo, fraud_repo, offices_repo
from loket.store.database import Database

MAX_DAYS = 366


async def booking_facts(db: Database, office_code: str, first: date, last: date) -> list[BookingFact]:
    """The office's bookings for appointment days in [first, last], with payers and release times."""
    if last < first or (last - first).days > MAX_DAYS:
        raise invalid("to", "period_invalid", "Choose a period of at most %(days)d days", days=MAX_DAYS)
    async with db.read() as conn:
        await offices_repo.load_office(conn, office_code)
        rows = await fraud_repo.bookings_between(conn, office_code, first, last)
        payers = await fraud_repo.payers(conn, office_code)
        released = await fraud_repo.release_times(conn, office_code, first, last)
        squatted = await contact_code_repo.released_by_holder(conn, office_code)
    return [
        BookingFact(
            booking_code=r.booking_code,
            nik=r.nik,
            full_name=r.full_name,
            birth_date=r.birth_date,
            sex=r.sex,
            phone=r.phone,
            email=r.email,
            client_ip=r.client_ip,
            client_fp=r.client_fp,
            created_at=r.created_at,
            day=r.day,
            status=r.status,
            payers=tuple(sorted(payers.get(r.booking_code, ()))),
            released_at=released.get(r.day),
            squatted=r.booking_code in squatted,
        )
        for r in rows
    ]


async def fraud_report(
    db: Database, office_code: str, first: date, last: date, policy: FraudPolicy | None = None
) -> list[Finding]:
    """Broker patterns among the office's bookings of a period, strongest first."""
    return broker_findings(await booking_facts(db, office_code, first, last), policy)


def finding_dict(finding: Finding) -> dict[str, Any]:
    """A finding as plain data (CLI JSON, API); NIKs stay masked."""
    return {
        "kind": finding.kind.value,
        "severity": finding.severity,
        "key": finding.key,
        "niks": list(finding.niks),
        "bookings": list(finding.bookings),
        "evidence": finding.evidence,
        "action": finding.action,
    }


async def flag_bookings(
    db: Database,
    office_code: str,
    codes: list[str],
    *,
    reason: str,
    flag: bool = True,
    actor: str,
    now: datetime,
) -> int:
    """Mark bookings (of this office) for in-person verification at check-in, or clear the mark."""
    reason = " ".join((reason or "").split())[:200]
    if flag and not reason:
        raise invalid("reason", "reason_missing", "Say why the booking is flagged")
    wanted = sorted({c.strip().upper() for c in codes if c.strip()})
    if not wanted:
        raise invalid("bookings", "bookings_missing", "Name at least one booking")
    async with db.write() as conn:
        found = await fraud_repo.known_bookings(conn, office_code, wanted)
        if len(found) != len(wanted):
            raise NotFound("booking_not_found", "No booking matches this code", field="bookings")
        await fraud_repo.set_verify_flag(conn, office_code, wanted, flag, reason if flag else None)
        for code in wanted:
            await record(
                conn,
                office_code=office_code,
                actor=actor,
                action="booking.flag" if flag else "booking.unflag",
                subject=code,
                detail={"reason": reason} if flag else {},
                now=now,
            )
    return len(wanted)
