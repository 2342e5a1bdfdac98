"""Security over JSON for an office's supervisors and admins: the broker-pattern report, flags for
in-person verification, one person's data export and the audit chain's check."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query

from loket.services import audit as audit_service
from loket.services import fraud as fraud_service
from loket.services import privacy as privacy_service
from loket.web.api.security_schemas import (
    ChainPublic,
    FindingPublic,
    FlagCreate,
    FlagPublic,
    FraudReportPublic,
    PersonExportCreate,
)
from loket.web.auth import Admin, Supervisor
from loket.web.deps import DbDep, NowDep

router = APIRouter(prefix="/api/v1/offices/{code}", tags=["security"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in"},
    403: {"description": "Not allowed in this office"},
    404: {"description": "Not found"},
    409: {"description": "Conflict"},
    422: {"description": "Bad input"},
}


@router.get(
    "/fraud-report",
    response_model=FraudReportPublic,
    response_model_by_alias=True,
    responses=ERRORS,
    summary="Supervisor: broker patterns among the bookings of a period, with evidence and actions",
)
async def get_fraud_report(
    staff: Supervisor,
    db: DbDep,
    now: NowDep,
    from_: Annotated[date | None, Query(alias="from", description="First appointment day")] = None,
    to: Annotated[date | None, Query(description="Last appointment day")] = None,
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
    responses=ERRORS,
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


@router.post(
    "/privacy/export",
    response_model=dict[str, Any],
    responses=ERRORS,
    summary="Supervisor: everything this office keeps about one person (the NIK goes in the body)",
)
async def post_export(body: PersonExportCreate, staff: Supervisor, db: DbDep, now: NowDep) -> dict[str, Any]:
    return await privacy_service.export_person(
        db, body.nik, actor=staff.username, now=now, office_code=staff.office_code
    )


@router.get(
    "/audit/verify",
    response_model=ChainPublic,
    responses=ERRORS,
    summary="Admin: seal the office's audit log and check its hash chain",
)
async def get_audit_verify(staff: Admin, db: DbDep, now: NowDep) -> ChainPublic:
    report = (await audit_service.verify(db, now, office_code=staff.office_code))[0]
    broken = report.broken
    return ChainPublic(
        office=report.office_code,
        sealed=report.sealed,
        unsealed=report.unsealed,
        head_seq=report.head_seq,
        head_hash=report.head_hash,
        intact=report.intact,
        broken_at=broken.seq if broken else None,
        broken_entry=broken.entry_id if broken else None,
        broken_kind=broken.kind.value if broken else None,
    )
