"""Office nodes over JSON (issue 19). At the centre: the mirror a node pulls and the journal it
uploads (the node's token as a bearer token, as a device), the conflict cases and the offices
offline (supervisors). On a node: its own link state."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from pydantic import BaseModel, Field

from loket.domain.errors import DomainError, Unauthorized
from loket.services import node_central, node_offline
from loket.settings import floor_policy
from loket.web.api.openapi import STAFF_ERRORS, responses
from loket.web.auth import Officer, Supervisor
from loket.web.board_bus import bus_of
from loket.web.deps import CatalogDep, DbDep, NowDep, SettingsDep

router = APIRouter(tags=["office node"])
# The node's own calls: a wrong token is 401, a bad batch 422.
NODE_ERRORS = responses(401, 404, 422)


class JournalEvent(BaseModel):
    id: str = Field(min_length=1, max_length=32)
    seq: int = Field(ge=1)
    kind: str = Field(min_length=1, max_length=32)
    args: dict[str, Any]
    effect: dict[str, Any]
    at: datetime


class JournalUpload(BaseModel):
    node_time: datetime = Field(
        description="The node's clock when it sent the batch (its offset is measured)."
    )
    events: list[JournalEvent] = Field(max_length=1000)


class UploadPublic(BaseModel):
    applied: int
    skipped: int
    conflicts: int
    clock_offset_s: float


class Resolution(BaseModel):
    resolution: str = Field(min_length=1, max_length=32)


def offline_refusal(request: Request, refused: DomainError) -> DomainError:
    """On an office node, a check-in refusal that may only mean an old mirror says so."""
    link = getattr(request.app.state, "node_link", None)
    last = link.state.last_pull_at if link is not None else None
    return node_offline.unverifiable(refused, on_node=link is not None, last_sync=last)


class ReviewCreate(BaseModel):
    booking_code: str = Field(min_length=1, max_length=40)
    note: str = Field(
        default="", max_length=500, description="What the officer saw (e.g. the receipt's NTPN)"
    )


def bearer(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("node_unknown", "This is not the registered node of the office")
    return token.strip()


@router.get(
    "/api/v1/node/{code}/mirror", responses=NODE_ERRORS, summary="What the office's node keeps (node token)"
)
async def get_mirror(
    code: str,
    db: DbDep,
    now: NowDep,
    settings: SettingsDep,
    authorization: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    return await node_central.mirror(
        db, code.upper(), bearer(authorization), now=now, country=settings.holiday_country
    )


@router.get(
    "/api/v1/node/{code}/changes",
    responses=NODE_ERRORS,
    summary="Long-poll: wait until the office's bookings change",
)
async def get_changes(
    code: str,
    db: DbDep,
    since: str = "",
    wait_s: Annotated[float, Query(ge=0, le=60)] = 25,
    authorization: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    return await node_central.wait_for_change(
        db, code.upper(), bearer(authorization), since[:80], timeout_s=wait_s
    )


@router.post(
    "/api/v1/node/{code}/journal",
    response_model=UploadPublic,
    responses=NODE_ERRORS,
    summary="Upload the node's journal",
)
async def post_journal(
    code: str,
    body: JournalUpload,
    request: Request,
    db: DbDep,
    now: NowDep,
    settings: SettingsDep,
    catalog: CatalogDep,
    authorization: Annotated[str | None, Header()] = None,
) -> UploadPublic:
    done = await node_central.apply_journal(
        db,
        code.upper(),
        bearer(authorization),
        node_time=body.node_time,
        events=[e.model_dump() for e in body.events],
        now=now,
        policy=floor_policy(settings),
        bus=bus_of(request),
        catalog=catalog,
    )
    return UploadPublic(**done.__dict__)


@router.get("/api/v1/offices/{code}/node/cases", responses=STAFF_ERRORS, summary="Conflict cases of the node")
async def get_cases(staff: Supervisor, db: DbDep) -> list[dict[str, Any]]:
    return await node_central.conflict_cases(db, staff.office_code or "")


@router.post(
    "/api/v1/offices/{code}/node/cases/{case_id}/resolve",
    responses=STAFF_ERRORS,
    summary="Resolve a conflict case",
)
async def post_resolve(
    case_id: str, body: Resolution, staff: Supervisor, db: DbDep, now: NowDep
) -> dict[str, str]:
    await node_central.resolve_case(
        db, staff.office_code or "", case_id, body.resolution, actor=staff.username, now=now
    )
    return {"case": case_id, "resolution": body.resolution}


@router.get("/api/v1/offices/{code}/node/link", responses=STAFF_ERRORS, summary="The link to the centre")
async def get_link(
    staff: Officer, request: Request, db: DbDep, now: NowDep, settings: SettingsDep
) -> dict[str, Any]:
    link = getattr(request.app.state, "node_link", None)
    if link is not None:  # on the node: its own view of the link
        state = link.state
        return {"role": "node", **state.__dict__}
    status = await node_central.node_status(
        db, staff.office_code or "", now=now, offline_after_s=settings.node_offline_after_s
    )
    return {"role": "centre", **(status or {"office_code": staff.office_code, "online": None})}


@router.post(
    "/api/v1/offices/{code}/node/reviews", status_code=201, responses=STAFF_ERRORS, summary="Flag for review"
)
async def post_review(body: ReviewCreate, staff: Officer, db: DbDep, now: NowDep) -> dict[str, str]:
    """A booking the node cannot verify offline, flagged by the officer (e.g. a printed bank receipt)."""
    await node_offline.flag_for_review(
        db, staff.office_code or "", body.booking_code, note=body.note, actor=staff.username, now=now
    )
    return {"booking_code": body.booking_code.strip().upper(), "status": "flagged"}
