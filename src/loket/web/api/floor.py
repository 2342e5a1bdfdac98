"""The office floor over JSON: check-in, stations, calling, stages, queues, the board, the stats.

Every route but the display board (numbers only, for the waiting-room TV) needs a staff member
holding the route's role in the office named in the path. The services wake the boards and clear
the office's cached entry themselves once their change commits: routes hand them the app's bus
and catalog."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse

from loket.domain.errors import DomainError
from loket.domain.office import Session
from loket.services import checkin, floor, floor_views, office_admin
from loket.services import stations as station_service
from loket.services.checkin import TicketIssued
from loket.services.floor import Called
from loket.settings import floor_policy
from loket.web.api.floor_schemas import (
    BoardPublic,
    CalledPublic,
    CheckInCreate,
    HandedOverPublic,
    HandOver,
    HoursUpdate,
    NoShowPublic,
    QueueTicketPublic,
    SessionsUpdate,
    StageComplete,
    StageDonePublic,
    StationCodePublic,
    StationCreate,
    StationPublic,
    StationStatePublic,
    StationStateUpdate,
    StatsPublic,
    TicketHistoryPublic,
    TicketPublic,
    TransferCreate,
    TransferredPublic,
    WalkInCreate,
)
from loket.web.api.node import offline_refusal
from loket.web.api.openapi import STAFF_ERRORS
from loket.web.auth import Officer, Supervisor, require_officer, signed_in
from loket.web.board_bus import board_stream, bus_of, hub_of
from loket.web.dates import Day
from loket.web.deps import CatalogDep, DbDep, NowDep, SettingsDep, catalog_of, db_of, now_of, settings_of

router = APIRouter(prefix="/api/v1/offices/{code}", tags=["floor"])
ERRORS = STAFF_ERRORS


def ticket_public(t: TicketIssued) -> TicketPublic:
    return TicketPublic(
        office=t.office_code,
        date=t.day,
        ticket=t.ticket,
        category=t.category,
        full_name=t.full_name,
        late=t.late,
        appointment_at=t.appointment_at,
        checked_in_at=t.checked_in_at,
        replayed=t.replayed,
    )


def called_public(c: Called | None, station: str) -> CalledPublic:
    if c is None:
        return CalledPublic(ticket=None, station=station)
    return CalledPublic(
        ticket=c.ticket,
        category=c.category,
        stage=c.stage,
        full_name=c.full_name,
        station=c.station_code,
        station_name=c.station_name,
        recalls=c.recalls,
        called_at=c.called_at,
    )


@router.post(
    "/check-in",
    response_model=TicketPublic,
    status_code=201,
    responses=ERRORS,
    summary="Check in a paid booking of today",
)
async def post_check_in(
    body: CheckInCreate, staff: Officer, request: Request, db: DbDep, now: NowDep, settings: SettingsDep
) -> TicketPublic:
    try:
        issued = await checkin.check_in(
            db,
            staff.office_code or "",
            body.booking_code,
            body.nik,
            policy=floor_policy(settings),
            actor=staff.username,
            now=now,
            verified_in_person=body.verified_in_person,
            bus=bus_of(request),
        )
    except DomainError as refused:
        raise offline_refusal(request, refused) from refused
    return ticket_public(issued)


@router.post(
    "/walk-ins", response_model=TicketPublic, status_code=201, responses=ERRORS, summary="A priority walk-in"
)
async def post_walk_in(
    body: WalkInCreate, staff: Officer, request: Request, db: DbDep, now: NowDep, settings: SettingsDep
) -> TicketPublic:
    issued = await checkin.walk_in(
        db,
        staff.office_code or "",
        nik=body.nik,
        full_name=body.full_name,
        birth_date=body.birth_date,
        sex=body.sex,
        priority_reason=body.priority_reason,
        product=body.product,
        actor=staff.username,
        now=now,
        country=settings.holiday_country,
        bus=bus_of(request),
    )
    return ticket_public(issued)


@router.get(
    "/stations",
    response_model=list[StationPublic],
    responses=ERRORS,
    summary="Stations with their state, officer and called ticket",
)
async def get_stations(staff: Officer, db: DbDep, now: NowDep) -> list[StationPublic]:
    found = await floor_views.stations(db, staff.office_code or "", now)
    return [StationPublic.model_validate(s) for s in found]


@router.post(
    "/stations/{station}/state",
    response_model=StationStatePublic,
    responses=ERRORS,
    summary="Open, pause, close or mark a station down",
)
async def post_station_state(
    station: str, body: StationStateUpdate, staff: Officer, request: Request, db: DbDep, now: NowDep
) -> StationStatePublic:
    state = await station_service.set_station_state(
        db,
        staff.office_code or "",
        station.upper(),
        body.state,
        officer=staff.username,
        now=now,
        reason=body.reason,
        bus=bus_of(request),
    )
    return StationStatePublic(station=station.upper(), state=state)


@router.post(
    "/stations/{station}/call-next",
    response_model=CalledPublic,
    responses=ERRORS,
    summary="Call the next applicant",
)
async def post_call_next(
    station: str,
    staff: Officer,
    request: Request,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    settings: SettingsDep,
) -> CalledPublic:
    called = await floor.call_next(
        db,
        staff.office_code or "",
        station.upper(),
        officer=staff.username,
        now=now,
        bus=bus_of(request),
        catalog=catalog,
        policy=floor_policy(settings),
    )
    return called_public(called, station.upper())


async def call_next_answer(request: Request, station: str) -> JSONResponse:
    """`post_call_next` for web/hot_routes.py: its dependencies resolved in line (the staff member
    signed in, the CSRF token echoed, the officer's role in the path's office) and its answer
    serialized as FastAPI serializes the route's model."""
    staff = await require_officer(request, await signed_in(request))
    called = await post_call_next(
        station,
        staff,
        request,
        db_of(request),
        catalog_of(request),
        now_of(request),
        settings_of(request),
    )
    return JSONResponse(called.model_dump(mode="json"))


@router.post(
    "/stations/{station}/recall",
    response_model=CalledPublic,
    responses=ERRORS,
    summary="Call the same applicant again",
)
async def post_recall(
    station: str, staff: Officer, request: Request, db: DbDep, now: NowDep, settings: SettingsDep
) -> CalledPublic:
    called = await floor.recall(
        db,
        staff.office_code or "",
        station.upper(),
        officer=staff.username,
        policy=floor_policy(settings),
        now=now,
        bus=bus_of(request),
    )
    return called_public(called, station.upper())


@router.post(
    "/stations/{station}/no-show",
    response_model=NoShowPublic,
    responses=ERRORS,
    summary="The called applicant did not come",
)
async def post_no_show(
    station: str, staff: Officer, request: Request, db: DbDep, now: NowDep, settings: SettingsDep
) -> NoShowPublic:
    label = await floor.mark_no_show(
        db,
        staff.office_code or "",
        station.upper(),
        officer=staff.username,
        policy=floor_policy(settings),
        now=now,
        bus=bus_of(request),
    )
    return NoShowPublic(ticket=label, queue_state="no_show")


@router.post(
    "/stations/{station}/complete",
    response_model=StageDonePublic,
    responses=ERRORS,
    summary="Finish the stage",
)
async def post_complete(
    station: str,
    body: StageComplete,
    staff: Officer,
    request: Request,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    settings: SettingsDep,
) -> StageDonePublic:
    done = await floor.complete_stage(
        db,
        staff.office_code or "",
        station.upper(),
        body.outcome,
        officer=staff.username,
        policy=floor_policy(settings),
        now=now,
        missing_documents=body.missing_documents,
        paid=body.paid,
        country=settings.holiday_country,
        bus=bus_of(request),
        catalog=catalog,
    )
    return StageDonePublic(
        ticket=done.ticket, from_stage=done.from_stage, to_stage=done.to_stage, due_date=done.due_date
    )


@router.post(
    "/stations/{station}/transfer",
    response_model=TransferredPublic,
    responses=ERRORS,
    summary="Send the applicant to another station or stage",
)
async def post_transfer(
    station: str, body: TransferCreate, staff: Officer, request: Request, db: DbDep, now: NowDep
) -> TransferredPublic:
    label = await floor.transfer(
        db,
        staff.office_code or "",
        station.upper(),
        officer=staff.username,
        now=now,
        to_station=body.to_station.upper() if body.to_station else None,
        to_stage=body.to_stage,
        reason=body.reason,
        bus=bus_of(request),
    )
    return TransferredPublic(ticket=label)


@router.post(
    "/stations/{station}/hand-over",
    response_model=HandedOverPublic,
    responses=ERRORS,
    summary="Hand a ready passport over against the NIK",
)
async def post_hand_over(
    station: str, body: HandOver, staff: Officer, db: DbDep, now: NowDep
) -> HandedOverPublic:
    label = await station_service.hand_over(
        db,
        staff.office_code or "",
        station.upper(),
        body.booking_code,
        body.nik,
        officer=staff.username,
        now=now,
    )
    return HandedOverPublic(ticket=label, stage="collected")


@router.get(
    "/queues/{kind}",
    response_model=list[QueueTicketPublic],
    responses=ERRORS,
    summary="Waiting applicants of a station kind, with expected waits",
)
async def get_queue(kind: str, staff: Officer, db: DbDep, now: NowDep) -> list[QueueTicketPublic]:
    found = await floor_views.queue(db, staff.office_code or "", kind, now)
    return [QueueTicketPublic.model_validate(q) for q in found]


@router.get(
    "/tickets/{day}/{ticket}",
    response_model=TicketHistoryPublic,
    responses=ERRORS,
    summary="One application: stage, service clock, transitions",
)
async def get_ticket(day: Day, ticket: str, staff: Officer, db: DbDep) -> TicketHistoryPublic:
    found = await floor_views.ticket_history(db, staff.office_code or "", day, ticket.upper())
    return TicketHistoryPublic.model_validate(found)


@router.get(
    "/stats",
    response_model=StatsPublic,
    responses=ERRORS,
    summary="ISO measurements of a day per stage and hour, stations, SLA lists",
)
async def get_stats(
    staff: Supervisor,
    db: DbDep,
    now: NowDep,
    settings: SettingsDep,
    day: Annotated[
        Day | None, Query(alias="date", description="The day (YYYY-MM-DD); today by default")
    ] = None,
) -> StatsPublic:
    found = await floor_views.stats(db, staff.office_code or "", day, now, settings.holiday_country)
    return StatsPublic.model_validate(found)


@router.post(
    "/stations",
    response_model=StationCodePublic,
    status_code=201,
    responses=ERRORS,
    summary="Supervisor: add a station",
)
async def post_station(
    body: StationCreate, staff: Supervisor, request: Request, db: DbDep, catalog: CatalogDep, now: NowDep
) -> StationCodePublic:
    await office_admin.add_station(
        db,
        staff.office_code or "",
        body.code,
        body.kind,
        body.name,
        body.number,
        actor=staff.username,
        now=now,
        catalog=catalog,
    )
    return StationCodePublic(station=body.code.upper())


@router.delete(
    "/stations/{station}", status_code=204, responses=ERRORS, summary="Supervisor: remove a closed station"
)
async def delete_station(
    station: str, staff: Supervisor, db: DbDep, catalog: CatalogDep, now: NowDep
) -> None:
    await office_admin.remove_station(
        db,
        staff.office_code or "",
        station.upper(),
        actor=staff.username,
        now=now,
        catalog=catalog,
    )


@router.put(
    "/sessions",
    response_model=list[str],
    responses=ERRORS,
    summary="Supervisor: replace the sessions (no overlaps); the session names back",
)
async def put_sessions(
    body: SessionsUpdate, staff: Supervisor, request: Request, db: DbDep, catalog: CatalogDep, now: NowDep
) -> list[str]:
    sessions = [
        Session(office_admin.parse_clock(a, "sessions"), office_admin.parse_clock(b, "sessions"))
        for a, b in body.sessions
    ]
    done = await office_admin.set_sessions(
        db, staff.office_code or "", sessions, actor=staff.username, now=now, catalog=catalog
    )
    return [s.name for s in done]


@router.put("/hours", status_code=204, responses=ERRORS, summary="Supervisor: set opening hours per weekday")
async def put_hours(
    body: HoursUpdate, staff: Supervisor, db: DbDep, catalog: CatalogDep, now: NowDep
) -> None:
    hours = {
        wd: (office_admin.parse_clock(span[0], "hours"), office_admin.parse_clock(span[1], "hours"))
        if span
        else None
        for wd, span in body.hours.items()
    }
    await office_admin.set_hours(
        db, staff.office_code or "", hours, actor=staff.username, now=now, catalog=catalog
    )


@router.get(
    "/board",
    response_model=BoardPublic,
    responses={404: {"description": "Unknown office"}},
    summary="The display board (public: numbers and counters only)",
)
async def get_board(code: str, db: DbDep, now: NowDep) -> BoardPublic:
    return BoardPublic.model_validate(await floor_views.board(db, code.upper(), now, may_lag=True))


@router.get(
    "/board/events",
    responses={404: {"description": "Unknown office"}},
    summary="The display board, live (Server-Sent Events)",
)
async def board_events(code: str, request: Request) -> StreamingResponse:
    office = code.upper()
    hub = hub_of(request)
    await hub.prepare(office)  # 404 before the stream starts; no database read while the office has a feed
    return StreamingResponse(
        board_stream(hub, office),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
