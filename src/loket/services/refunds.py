"""Refunds as a workflow: opened due, approved or rejected by a supervisor, paid with the bank's reference.

Opening happens inside the transaction that makes the money refundable (a payment that buys
nothing, the cancellation of a paid booking) and is idempotent per source. Each decision is one
audited transaction; the refund row is locked first and moved only from the status it must have
(lock policy in store/refunds_repo.py), so a refund is approved, rejected or paid once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from loket.domain.errors import NotFound
from loket.domain.refund import (
    CANCELLED_AFTER_PAYMENT,
    PaidMoney,
    RefundMoney,
    RefundStatus,
    RevenueDay,
    check_bank_reference,
    check_note,
    check_transition,
    revenue_days,
)
from loket.services.audit import record
from loket.services.reports import check_period
from loket.store import offices_repo, refunds_repo
from loket.store.database import Connection, Database
from loket.store.ids import new_id


@dataclass(frozen=True)
class Refund:
    refund_id: str
    office_code: str
    booking_code: str
    ntpn: str | None
    reason: str
    amount: int
    status: str
    opened_at: datetime
    decided_by: str | None
    note: str | None
    paid_at: datetime | None
    bank_reference: str | None


def _refund(row: Any) -> Refund:
    return Refund(
        row.refund_id,
        row.office_code,
        row.booking_code,
        row.ntpn,
        row.reason,
        int(row.amount),
        row.status,
        row.opened_at,
        row.decided_by,
        row.note,
        row.paid_at,
        row.bank_reference,
    )


async def open_refund(
    conn: Connection,
    *,
    office_code: str,
    booking_code: str,
    source: str,
    reason: str,
    amount: int,
    ntpn: str | None,
    actor: str,
    now: datetime,
) -> bool:
    """Open a refund due in the caller's transaction (once per `source`); True when opened now."""
    if amount <= 0:
        return False
    opened = await refunds_repo.open_refund(
        conn,
        {
            "office_code": office_code,
            "refund_id": new_id(),
            "source": source,
            "booking_code": booking_code,
            "ntpn": ntpn,
            "reason": reason,
            "amount": amount,
            "status": RefundStatus.DUE.value,
            "opened_at": now,
            "opened_by": actor,
        },
    )
    if opened:
        await record(
            conn,
            office_code=office_code,
            actor=actor,
            action="refund.open",
            subject=booking_code,
            detail={"source": source, "reason": reason, "amount": amount},
            now=now,
        )
    return opened


async def _move(
    db: Database,
    office_code: str,
    refund_id: str,
    wanted: RefundStatus,
    values: dict[str, Any],
    *,
    actor: str,
    now: datetime,
    detail: dict[str, Any],
) -> Refund:
    async with db.write() as conn:
        row = await refunds_repo.refund(conn, office_code, refund_id, lock=True)
        if row is None:
            raise NotFound("refund_not_found", "No refund with this id", field="refund")
        check_transition(row.status, wanted)
        moved = await refunds_repo.move(conn, office_code, refund_id, was=row.status, values=values)
        if not moved:  # SQLite has no row lock: the conditional update decides
            fresh = await refunds_repo.refund(conn, office_code, refund_id)
            check_transition(fresh.status if fresh else "", wanted)
        await record(
            conn,
            office_code=office_code,
            actor=actor,
            action=f"refund.{wanted.value}",
            subject=row.booking_code,
            detail={"refund": refund_id, "amount": int(row.amount), **detail},
            now=now,
        )
        done = await refunds_repo.refund(conn, office_code, refund_id)
    return _refund(done)


async def decide_refund(
    db: Database,
    office_code: str,
    refund_id: str,
    *,
    approve: bool,
    note: str | None = None,
    actor: str,
    now: datetime,
) -> Refund:
    """A supervisor approves or rejects a refund that is due (a rejection says why)."""
    text = check_note(note, required=not approve)
    wanted = RefundStatus.APPROVED if approve else RefundStatus.REJECTED
    values = {"status": wanted.value, "decided_at": now, "decided_by": actor, "note": text}
    return await _move(
        db, office_code, refund_id, wanted, values, actor=actor, now=now, detail={"note": text}
    )


async def mark_refund_paid(
    db: Database, office_code: str, refund_id: str, *, bank_reference: str, actor: str, now: datetime
) -> Refund:
    """Record that an approved refund was transferred, with the bank's reference of the transfer."""
    reference = check_bank_reference(bank_reference)
    values = {
        "status": RefundStatus.PAID.value,
        "paid_at": now,
        "paid_by": actor,
        "bank_reference": reference,
    }
    return await _move(
        db,
        office_code,
        refund_id,
        RefundStatus.PAID,
        values,
        actor=actor,
        now=now,
        detail={"bank_reference": reference},
    )


async def refunds(
    db: Database, office_code: str, *, status: str | None = None, booking_code: str | None = None
) -> list[Refund]:
    """The office's refunds, oldest first."""
    async with db.read() as conn:
        await offices_repo.load_office(conn, office_code)
        rows = await refunds_repo.refunds_of(conn, office_code, status=status, booking_code=booking_code)
    return [_refund(r) for r in rows]


async def net_revenue(
    db: Database, office_code: str, first: date, last: date, *, max_days: int = 366
) -> list[RevenueDay]:
    """Per office day in [first, last]: money received, refunds of it by status, net revenue."""
    check_period(first, last, max_days)
    async with db.read() as conn:
        office = await offices_repo.load_office(conn, office_code)
        start = office.local_moment(first, time(0, 0))
        end = office.local_moment(last + timedelta(days=1), time(0, 0))
        paid = await refunds_repo.payments_paid_between(conn, office_code, start, end)
        owed = await refunds_repo.refunds_of_payments(conn, office_code, [p.ntpn for p in paid])
    return revenue_days(
        [PaidMoney(p.ntpn, int(p.amount), p.paid_at) for p in paid],
        [RefundMoney(r.ntpn, int(r.amount), r.status) for r in owed],
        office.zone,
    )


async def open_paid_cancellation_refund(conn: Connection, row: Any, amount: int, now: datetime) -> bool:
    """The refund of a paid booking just cancelled (in the cancellation's transaction)."""
    paid = await refunds_repo.accepted_payment(conn, row.office_code, row.booking_code)
    return await open_refund(
        conn,
        office_code=row.office_code,
        booking_code=row.booking_code,
        source=f"cancel:{row.booking_code}",
        reason=CANCELLED_AFTER_PAYMENT,
        amount=amount,
        ntpn=paid.ntpn if paid is not None else None,
        actor="applicant",
        now=now,
    )
