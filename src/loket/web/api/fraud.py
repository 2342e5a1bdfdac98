"""The broker-pattern report and verification flags over JSON, for an office's supervisors: the
findings among a period's bookings with their evidence, and flagging bookings for in-person
verification at check-in. The schemas are here: no other route uses them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from loket.services import fraud as fraud_service
from loket.web.api.openapi import STAFF_ERRORS
from loket.web.api.schemas import StrictBody
from loket.web.auth import Supervisor
from loket.web.dates import Day
from loket.web.deps import DbDep, NowDep

router = APIRouter(prefix="/api/v1/offices/{code}", tags=["security"])


class FindingPublic(BaseModel):
    kind: str
    severity: str
    key: str = Field(description="The shared value, masked")
    niks: list[str] = Field(description="Masked NIKs")
    bookings: list[str]
    evidence: dict[str, Any]
    action: str = Field(description="The suggested action")


class FraudReportPublic(BaseModel):
    office: str
    first: date = Field(alias="from")
    last: date = Field(alias="to")
    findings: list[FindingPublic]

    model_config = {"populate_by_name": True}


class FlagCreate(StrictBody):
    bookings: list[str] = Field(min_length=1, max_length=500)
    reason: str = Field(default="", max_length=200)
    flag: bool = Field(default=True, description="false clears the flag")


class FlagPublic(BaseModel):
    changed: int


@router.get(
    "/fraud-report",
    response_model=FraudReportPublic,
    response_model_by_alias=True,
    responses=STAFF_ERRORS,
    summary="Supervisor: broker patterns among the bookings of a period, with evidence and actions",
)
async def get_fraud_report(
    staff: Supervisor,
    db: DbDep,
    now: NowDep,
    from_: Annotated[Day | None, Query(alias="from", description="First appointment day")] = None,
    to: Annotated[Day | None, Query(description="Last appointment day")] = None,
) -> FraudReportPublic:
    last = to or now.date() + timedelta(days=31)
    first = from_ or last - timedelta(days=60)
    findings = await fraud_service.fraud_report(db, staff.office_code or "", first, last)
    return FraudReportPublic(
        office=staff.office_code or "",
        first=first,
        last=last,
        findings=[FindingPublic.model_validate(fraud_service.finding_dict(f)) for f in findings],
    )


@router.post(
    "/flags",
    response_model=FlagPublic,
    responses=STAFF_ERRORS,
    summary="Supervisor: flag bookings for in-person verification at check-in (or clear the flag)",
)
async def post_flags(body: FlagCreate, staff: Supervisor, db: DbDep, now: NowDep) -> FlagPublic:
    changed = await fraud_service.flag_bookings(
        db,
        staff.office_code or "",
        body.bookings,
        reason=body.reason,
        flag=body.flag,
        actor=staff.username,
        now=now,
    )
    return FlagPublic(changed=changed)
