"""The audit log over JSON, for an office's admins: seal the office's entries and check the hash
chain, naming the first broken link if any."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from loket.services import audit as audit_service
from loket.web.api.openapi import STAFF_ERRORS
from loket.web.auth import Admin
from loket.web.deps import DbDep, NowDep

router = APIRouter(prefix="/api/v1/offices/{code}", tags=["security"])


class ChainPublic(BaseModel):
    office: str
    sealed: int
    unsealed: int
    head_seq: int
    head_hash: str
    intact: bool
    broken_at: int | None = None
    broken_entry: str | None = None
    broken_kind: str | None = None


@router.get(
    "/audit/verify",
    response_model=ChainPublic,
    responses=STAFF_ERRORS,
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
