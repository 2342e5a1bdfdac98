"""Personal data over JSON, for an office's supervisors: everything the office keeps about one
person (the NIK travels in the body, never in a URL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter
from pydantic import Field

from loket.services import privacy as privacy_service
from loket.web.api.openapi import STAFF_ERRORS
from loket.web.api.schemas import StrictBody
from loket.web.auth import Supervisor
from loket.web.deps import DbDep, NowDep, SettingsDep

router = APIRouter(prefix="/api/v1/offices/{code}", tags=["security"])


class PersonExportCreate(StrictBody):
    nik: str = Field(max_length=40)


@router.post(
    "/privacy/export",
    response_model=dict[str, Any],
    responses=STAFF_ERRORS,
    summary="Supervisor: everything this office keeps about one person (the NIK goes in the body)",
)
async def post_export(
    body: PersonExportCreate, staff: Supervisor, db: DbDep, now: NowDep, settings: SettingsDep
) -> dict[str, Any]:
    return await privacy_service.export_person(
        db,
        body.nik,
        actor=staff.username,
        now=now,
        office_code=staff.office_code,
        documents_dir=Path(settings.documents_dir),
    )
