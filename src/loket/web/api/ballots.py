"""Release modes and ballots over JSON: the public ballot record (commitment, then seed and
results), entering a ballot, an entrant's look-up, and the supervisor's schedule and draw."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from loket.services import ballot as ballot_service
from loket.services import ballot_draw
from loket.services.ballot import EntryView
from loket.settings import booking_policy
from loket.web.api.ballot_schemas import (
    BallotEntryCreate,
    BallotEntryLookup,
    BallotEntryPublic,
    BallotPublic,
    BallotResultPublic,
    DrawPublic,
    ReleaseUpdate,
)
from loket.web.api.openapi import PUBLIC_ERRORS, responses
from loket.web.auth import Supervisor
from loket.web.booking_request import booking_request
from loket.web.dates import Day
from loket.web.deps import CatalogDep, DbDep, LocaleDep, NowDep, SettingsDep
from loket.web.limits import check_rate

router = APIRouter(prefix="/api/v1", tags=["ballot"])
ERRORS = PUBLIC_ERRORS
STAFF_ERRORS = responses(401, 403, 404, 409, 422, 429)


def entry_public(view: EntryView) -> BallotEntryPublic:
    return BallotEntryPublic(
        entry_code=view.entry_code,
        office=view.office_code,
        date=view.day,
        session=view.session,
        category=view.category,
        flexible=view.flexible,
        status=view.status,
        rank=view.rank,
        booking_code=view.booking_code,
        waitlist_code=view.waitlist_code,
        entered_at=view.entered_at,
        verification_id=view.verification.code_id if view.verification else None,
        sent_to=view.verification.sent_to if view.verification else None,
        expires_at=view.verification.expires_at if view.verification else None,
    )


async def ballot_public(db: Any, office_code: str, day: Day) -> BallotPublic:
    """The public record of a day's release (results only once drawn; no NIK or name, ever)."""
    record = await ballot_service.public_record(db, office_code, day)
    release = record.release
    return BallotPublic(
        office=record.office_code,
        date=record.day,
        mode=release.mode.value,
        opens_at=release.opens_at,
        closes_at=release.closes_at,
        commitment=release.commitment,
        seed=release.seed,
        entries_digest=release.entries_digest,
        drawn_at=release.drawn_at,
        entries=record.entries,
        results=[
            BallotResultPublic(entry_code=r.entry_code, rank=r.rank, outcome=r.outcome, session=r.session)
            for r in record.results
        ],
    )


@router.get(
    "/offices/{code}/ballots/{day}",
    response_model=BallotPublic,
    responses=ERRORS,
    summary="A day's release: the seed commitment, and after the draw the seed and results",
)
async def get_ballot(code: str, day: Day, db: DbDep) -> BallotPublic:
    return await ballot_public(db, code.upper(), day)


@router.post(
    "/offices/{code}/ballots/{day}/entries",
    status_code=201,
    response_model=BallotEntryPublic,
    responses=ERRORS,
    summary="Enter a ballot day's draw (one entry per NIK)",
)
async def post_entry(
    code: str,
    day: Day,
    body: BallotEntryCreate,
    request: Request,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
) -> BallotEntryPublic:
    await check_rate(request, "ballot", body.nik)
    view = await ballot_service.enter_ballot(
        db,
        catalog,
        code.upper(),
        booking_request(body.model_dump(), day=day, client=request),
        flexible=body.flexible,
        policy=booking_policy(settings),
        locale=locale,
        now=now,
        secret=settings.secret_key,
    )
    return entry_public(view)


@router.post(
    "/ballot-entries/lookup",
    response_model=BallotEntryPublic,
    responses=ERRORS,
    summary="An entry, by its code and the entrant's NIK (the NIK stays out of URLs)",
)
async def lookup_entry(body: BallotEntryLookup, request: Request, db: DbDep) -> BallotEntryPublic:
    await check_rate(request, "lookup", body.entry_code)
    return entry_public(await ballot_service.find_entry(db, body.entry_code, body.nik))


@router.put(
    "/offices/{code}/releases/{day}",
    response_model=BallotPublic,
    responses=STAFF_ERRORS,
    summary="Supervisor: release a day first-come at a set time, or by ballot (the seed is committed now)",
)
async def put_release(
    code: str, day: Day, body: ReleaseUpdate, db: DbDep, catalog: CatalogDep, now: NowDep, staff: Supervisor
) -> BallotPublic:
    await ballot_service.schedule_release(
        db,
        catalog,
        staff.office_code or "",
        day,
        body.mode,
        body.opens_at,
        body.closes_at,
        actor=staff.username,
        now=now,
    )
    return await ballot_public(db, staff.office_code or "", day)


@router.post(
    "/offices/{code}/ballots/{day}/draw",
    response_model=DrawPublic,
    responses=STAFF_ERRORS,
    summary="Supervisor: draw a closed ballot now (the worker draws it otherwise)",
)
async def post_draw(
    code: str,
    day: Day,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    settings: SettingsDep,
    staff: Supervisor,
) -> DrawPublic:
    done = await ballot_draw.draw_ballot(
        db,
        catalog,
        staff.office_code or "",
        day,
        policy=booking_policy(settings),
        actor=staff.username,
        now=now,
        local_codes=settings.billing_provider == "local",
    )
    return DrawPublic(
        office=done.office_code,
        date=done.day,
        entries=done.entries,
        won=done.won,
        waitlisted=done.waitlisted,
        ineligible=done.ineligible,
        seed=done.seed,
        commitment=done.commitment,
        entries_digest=done.entries_digest,
    )
