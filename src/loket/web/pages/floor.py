"""Floor pages: the officer console, the kiosk check-in, the supervisor floor view and the
waiting-room display board (public: numbers only). Actions post through htmx and get back the
panel they changed; the services they call wake the office's boards once the change commits."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from loket.domain.errors import DomainError
from loket.domain.msgid import N_
from loket.domain.office import Office
from loket.domain.workflow import MISSING_DOCUMENTS, Outcome, Stage, outcome_target
from loket.i18n import translate
from loket.services import checkin, floor, floor_views, kiosks, node_central
from loket.services import documents as documents_service
from loket.services import stations as station_service
from loket.settings import floor_policy
from loket.web.api.node import offline_refusal
from loket.web.auth import Officer, Staff, Supervisor
from loket.web.board_bus import bus_of
from loket.web.deps import CatalogDep, DbDep, LocaleDep, NowDep, SettingsDep, catalog_of
from loket.web.pages.home import render

router = APIRouter(include_in_schema=False)


async def _office(request: Request, db: Any, code: str) -> Office:
    """The office from the app's catalog (NotFound for an unknown code)."""
    return (await catalog_of(request).get(db, code)).office


# What an officer checks at each stage before completing it (msgids; shown as a checklist).
STAGE_CHECKLISTS: dict[str, tuple[str, ...]] = {
    Stage.INTAKE.value: (
        N_("KTP matches the applicant and the booking's NIK"),
        N_("Required documents are originals and complete"),
        N_("Application form signed"),
    ),
    Stage.BIOMETRICS.value: (
        N_("Photo taken and sharp"),
        N_("Ten fingerprints captured"),
        N_("Signature captured"),
    ),
    Stage.APPROVAL.value: (N_("Interview held"), N_("Data checked against the documents")),
    Stage.PRINTING.value: (N_("Passport printed"),),
    Stage.QUALITY_CHECK.value: (N_("Data page matches the application"), N_("Chip readable")),
}


# The outcomes each station offers: the dossier is judged complete or not at intake only (the
# photo station finishes or rejects; a dossier found short there goes back by a transfer).
STAGE_OUTCOMES: dict[str, tuple[Outcome, ...]] = {
    Stage.INTAKE.value: (Outcome.DONE, Outcome.INCOMPLETE, Outcome.REJECTED),
    Stage.BIOMETRICS.value: (Outcome.DONE, Outcome.REJECTED),
    Stage.APPROVAL.value: (Outcome.DONE, Outcome.REJECTED),
    Stage.PRINTING.value: (Outcome.DONE,),
    Stage.QUALITY_CHECK.value: (Outcome.DONE, Outcome.REPRINT),
}


def _allows(stage: str, outcome: Outcome) -> bool:
    """Whether the station of this stage offers the outcome and the stage machine allows it."""
    if outcome not in STAGE_OUTCOMES.get(stage, tuple(Outcome)):
        return False
    try:
        outcome_target(stage, outcome)
    except DomainError:
        return False
    return True


def _minutes_since(moment: datetime | None, now: datetime) -> int | None:
    return None if moment is None else max(0, int((now - moment).total_seconds() // 60))


async def _panel(
    request: Request,
    staff: Staff,
    db: Any,
    now: Any,
    locale: str,
    station: str,
    error: str | None = None,
    **extra: Any,
) -> HTMLResponse:
    code = staff.office_code or ""
    stations = await floor_views.stations(db, code, now)
    current = next((s for s in stations if s["station"] == station), None)
    queue = await floor_views.queue(db, code, current["kind"], now) if current else []
    ticket = None
    office = await _office(request, db, code)
    if current and current["ticket"]:
        ticket = await floor_views.ticket_history(db, code, office.local_today(now), current["ticket"])
    stage = ticket["stage"] if ticket else None
    uploads = None
    if ticket and ticket.get("booking_code") and stage == Stage.INTAKE.value:
        uploads = await documents_service.booking_documents(db, ticket["booking_code"], code)
    return render(
        request,
        "floor/_console_panel.html",
        locale,
        staff=staff,
        station=current,
        stations=stations,
        queue=queue,
        ticket=ticket,
        documents=MISSING_DOCUMENTS if stage and _allows(stage, Outcome.INCOMPLETE) else (),
        uploads=uploads,
        # What "incomplete" pre-fills: the checklist items not verified from the uploads (issue 20).
        prefill=uploads.missing if uploads and uploads.uploaded else (),
        outcomes=[o.value for o in Outcome if stage and _allows(stage, o)],
        stages=[s.value for s in Stage],
        checklist=STAGE_CHECKLISTS.get(stage or "", ()),
        called_at=_moment(ticket["called_at"]) if ticket else None,
        called_min=_minutes_since(_moment(ticket["called_at"]), now) if ticket else None,
        office=office,
        error=error,
        **extra,
    )


@router.get("/offices/{code}/floor/console", response_class=HTMLResponse)
async def console(
    request: Request, staff: Officer, db: DbDep, now: NowDep, locale: LocaleDep, station: str | None = None
) -> HTMLResponse:
    stations = await floor_views.stations(db, staff.office_code or "", now)
    chosen = (station or "").upper() or (stations[0]["station"] if stations else "")
    panel = await _panel(request, staff, db, now, locale, chosen)
    return render(
        request,
        "floor/console.html",
        locale,
        staff=staff,
        office=await _office(request, db, staff.office_code or ""),
        stations=stations,
        chosen=chosen,
        panel=bytes(panel.body).decode(),
    )


@router.get("/offices/{code}/floor/console/{station}", response_class=HTMLResponse)
async def console_panel(
    station: str, request: Request, staff: Officer, db: DbDep, now: NowDep, locale: LocaleDep
) -> HTMLResponse:
    return await _panel(request, staff, db, now, locale, station.upper())


@router.post("/offices/{code}/floor/console/{station}/{action}", response_class=HTMLResponse)
async def console_action(
    station: str,
    action: str,
    request: Request,
    staff: Officer,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
) -> HTMLResponse:
    code, where, policy = staff.office_code or "", station.upper(), floor_policy(settings)
    bus, catalog = bus_of(request), catalog
    form = await request.form()
    try:
        if action in ("open", "paused", "closed", "down"):
            state = "open" if action == "open" else action
            await station_service.set_station_state(
                db,
                code,
                where,
                state,
                officer=staff.username,
                now=now,
                reason=str(form.get("reason", "")),
                bus=bus,
            )
        elif action == "call":
            await floor.call_next(
                db, code, where, officer=staff.username, now=now, bus=bus, catalog=catalog, policy=policy
            )
        elif action == "recall":
            await floor.recall(db, code, where, officer=staff.username, policy=policy, now=now, bus=bus)
        elif action == "no-show":
            await floor.mark_no_show(db, code, where, officer=staff.username, policy=policy, now=now, bus=bus)
        elif action == "complete":
            await floor.complete_stage(
                db,
                code,
                where,
                str(form.get("outcome", "done")),
                officer=staff.username,
                policy=policy,
                now=now,
                missing_documents=[str(v) for v in form.getlist("missing")],
                paid=bool(form.get("paid")),
                country=settings.holiday_country,
                bus=bus,
                catalog=catalog,
            )
        elif action == "transfer":
            await floor.transfer(
                db,
                code,
                where,
                officer=staff.username,
                now=now,
                to_station=str(form.get("to_station", "")).upper() or None,
                to_stage=str(form.get("to_stage", "")) or None,
                reason=str(form.get("reason", "")),
                bus=bus,
            )
        else:
            return await _panel(request, staff, db, now, locale, where, error=translate(locale, "Not found"))
    except DomainError as exc:
        if exc.status in (401, 403):
            raise
        return await _panel(
            request, staff, db, now, locale, where, error=translate(locale, exc.message, **exc.params)
        )
    return await _panel(request, staff, db, now, locale, where)


@router.get("/offices/{code}/floor/kiosk", response_class=HTMLResponse)
async def kiosk(request: Request, staff: Officer, db: DbDep, locale: LocaleDep) -> HTMLResponse:
    return render(
        request,
        "floor/kiosk.html",
        locale,
        staff=staff,
        office=await _office(request, db, staff.office_code or ""),
    )


@router.post("/offices/{code}/floor/kiosk", response_class=HTMLResponse)
async def kiosk_check_in(
    request: Request,
    staff: Officer,
    db: DbDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
    booking_code: Annotated[str, Form()] = "",
    nik: Annotated[str, Form()] = "",
    verified_in_person: Annotated[str, Form()] = "",
) -> HTMLResponse:
    try:
        issued = await checkin.check_in(
            db,
            staff.office_code or "",
            booking_code,
            nik,
            policy=floor_policy(settings),
            actor=staff.username,
            now=now,
            verified_in_person=verified_in_person == "yes",
            bus=bus_of(request),
        )
    except DomainError as refused:
        if refused.status in (401, 403):
            raise
        exc = offline_refusal(request, refused)
        return render(
            request,
            "floor/_ticket.html",
            locale,
            issued=None,
            error=translate(locale, exc.message, **exc.params),
        )
    return render(request, "floor/_ticket.html", locale, issued=issued, error=None)


@router.get("/offices/{code}/floor/supervisor", response_class=HTMLResponse)
async def supervisor(
    request: Request, staff: Supervisor, db: DbDep, now: NowDep, locale: LocaleDep, settings: SettingsDep
) -> HTMLResponse:
    panel = await supervisor_panel(request, staff, db, now, locale, settings)
    return render(
        request,
        "floor/supervisor.html",
        locale,
        staff=staff,
        office=await _office(request, db, staff.office_code or ""),
        panel=bytes(panel.body).decode(),
    )


@router.get("/offices/{code}/floor/supervisor/panel", response_class=HTMLResponse)
async def supervisor_panel(
    request: Request, staff: Supervisor, db: DbDep, now: NowDep, locale: LocaleDep, settings: SettingsDep
) -> HTMLResponse:
    code = staff.office_code or ""
    figures = await floor_views.stats(db, code, None, now, settings.holiday_country)
    stations = await floor_views.stations(db, code, now)
    return render(
        request,
        "floor/_supervisor_panel.html",
        locale,
        stats=figures,
        stations=stations,
        kiosks=await kiosks.office_kiosks(db, code),
        office=await _office(request, db, code),
        since=_moment,
        # At the centre: the office's node if it is offline, and the cases it left (issue 19).
        node=None
        if request.app.state.node_link is not None
        else await node_central.node_status(db, code, now=now, offline_after_s=settings.node_offline_after_s),
    )


def _moment(iso: str | None) -> datetime | None:
    """An ISO moment of a view (UTC) as a datetime, for the office-zone filters of the page."""
    return datetime.fromisoformat(iso) if iso else None


@router.post("/offices/{code}/floor/supervisor/kiosks", response_class=HTMLResponse)
async def register_kiosk(
    request: Request,
    staff: Supervisor,
    db: DbDep,
    now: NowDep,
    locale: LocaleDep,
    name: Annotated[str, Form()] = "",
    printer: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Register a kiosk: the answer holds its one-time set-up link (only the token's hash is kept)."""
    code = staff.office_code or ""
    try:
        device, token = await kiosks.register_kiosk(db, code, name, printer, actor=staff.username, now=now)
    except DomainError as exc:
        if exc.status in (401, 403):
            raise
        return render(
            request,
            "floor/_kiosk_registered.html",
            locale,
            error=translate(locale, exc.message, **exc.params),
        )
    link = str(request.base_url).rstrip("/") + f"/offices/{code}/kiosk?token={token}"
    answer = render(request, "floor/_kiosk_registered.html", locale, error=None, device=device, link=link)
    answer.headers["Cache-Control"] = "no-store"
    return answer


@router.post("/offices/{code}/floor/supervisor/kiosks/{device_id}/revoke", response_class=HTMLResponse)
async def revoke_kiosk(
    device_id: str,
    request: Request,
    staff: Supervisor,
    db: DbDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
) -> HTMLResponse:
    await kiosks.revoke_kiosk(db, staff.office_code or "", device_id, actor=staff.username, now=now)
    return await supervisor_panel(request, staff, db, now, locale, settings)


@router.get("/offices/{code}/board", response_class=HTMLResponse)
async def board(code: str, request: Request, db: DbDep, locale: LocaleDep) -> HTMLResponse:
    office = await _office(request, db, code.upper())
    return render(request, "floor/board.html", locale, office=office)
