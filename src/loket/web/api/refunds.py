"""Refunds over JSON: the office's refunds, and a supervisor's approval, rejection and payment."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from loket.services import refunds as refund_service
from loket.services.refunds import Refund
from loket.web.api.openapi import STAFF_ERRORS
from loket.web.api.schemas import StrictBody
from loket.web.auth import Supervisor
from loket.web.dates import Day
from loket.web.deps import DbDep, NowDep

router = APIRouter(prefix="/api/v1", tags=["refunds"])


class RefundPublic(BaseModel):
    refund_id: str
    booking_code: str
    ntpn: str | None
    reason: str
    amount: int
    status: str = Field(description="due, approved, rejected or paid")
    opened_at: datetime
    decided_by: str | None
    note: str | None
    paid_at: datetime | None
    bank_reference: str | None


class RefundDecision(StrictBody):
    note: str | None = Field(default=None, max_length=400, description="Required to reject")


class RefundPaid(StrictBody):
    bank_reference: str = Field(max_length=100, description="The bank's reference of the transfer")


class RevenueDayPublic(BaseModel):
    date: date
    received: int
    refund_due: int
    refund_approved: int
    refund_paid: int
    refund_rejected: int
    net: int


def public(r: Refund) -> RefundPublic:
    return RefundPublic(**{name: getattr(r, name) for name in RefundPublic.model_fields})


@router.get(
    "/offices/{code}/refunds",
    response_model=list[RefundPublic],
    responses=STAFF_ERRORS,
    summary="Supervisor: the office's refunds, oldest first",
)
async def list_refunds(
    code: str,
    db: DbDep,
    staff: Supervisor,
    status: str | None = Query(default=None, pattern="^(due|approved|rejected|paid)$"),
) -> list[RefundPublic]:
    return [public(r) for r in await refund_service.refunds(db, code.upper(), status=status)]


@router.post(
    "/offices/{code}/refunds/{refund_id}/approve",
    response_model=RefundPublic,
    responses=STAFF_ERRORS,
    summary="Supervisor: approve a refund that is due",
)
async def approve_refund(
    code: str, refund_id: str, body: RefundDecision, db: DbDep, now: NowDep, staff: Supervisor
) -> RefundPublic:
    done = await refund_service.decide_refund(
        db, code.upper(), refund_id, approve=True, note=body.note, actor=staff.username, now=now
    )
    return public(done)


@router.post(
    "/offices/{code}/refunds/{refund_id}/reject",
    response_model=RefundPublic,
    responses=STAFF_ERRORS,
    summary="Supervisor: reject a refund that is due, saying why",
)
async def reject_refund(
    code: str, refund_id: str, body: RefundDecision, db: DbDep, now: NowDep, staff: Supervisor
) -> RefundPublic:
    done = await refund_service.decide_refund(
        db, code.upper(), refund_id, approve=False, note=body.note, actor=staff.username, now=now
    )
    return public(done)


@router.post(
    "/offices/{code}/refunds/{refund_id}/paid",
    response_model=RefundPublic,
    responses=STAFF_ERRORS,
    summary="Supervisor: an approved refund was transferred, with the bank's reference",
)
async def refund_paid(
    code: str, refund_id: str, body: RefundPaid, db: DbDep, now: NowDep, staff: Supervisor
) -> RefundPublic:
    done = await refund_service.mark_refund_paid(
        db, code.upper(), refund_id, bank_reference=body.bank_reference, actor=staff.username, now=now
    )
    return public(done)


@router.get(
    "/offices/{code}/revenue",
    response_model=list[RevenueDayPublic],
    responses=STAFF_ERRORS,
    summary="Supervisor: money received per day, refunds of it by status, and net revenue",
)
async def revenue(
    code: str,
    db: DbDep,
    staff: Supervisor,
    first: Annotated[Day, Query(alias="from")],
    last: Annotated[Day, Query(alias="to")],
) -> list[RevenueDayPublic]:
    days = await refund_service.net_revenue(db, code.upper(), first, last)
    return [
        RevenueDayPublic(
            date=d.day,
            received=d.received,
            refund_due=d.refund_due,
            refund_approved=d.refund_approved,
            refund_paid=d.refund_paid,
            refund_rejected=d.refund_rejected,
            net=d.net,
        )
        for d in days
    ]
