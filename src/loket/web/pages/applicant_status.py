"""The status page: booking code + NIK (POST only: the NIK never goes in a URL), cancel, reschedule;
and the live status at its signed address (`/status/s/CODE.SIGNATURE`), which refreshes itself:
htmx fetches `/status/s/.../live` (the live part alone) every `REFRESH_S`, and without JavaScript a
`<meta http-equiv=refresh>` reloads the signed address."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from loket.domain.calendar import check_day
from loket.domain.errors import DomainError, NotFound, invalid
from loket.domain.journey import code_of_status_token, status_token
from loket.services import applicant as applicant_service
from loket.services import booking as booking_service
from loket.services import documents as documents_service
from loket.services.catalog import Catalog
from loket.web.deps import CatalogDep, DbDep, LocaleDep, NowDep, SettingsDep
from loket.web.limits import check_rate
from loket.web.pages.applicant_common import field_errors, html_errors, policies, render

router = APIRouter(include_in_schema=False)
REFRESH_S = 20  # the floor moves in minutes; a refresh costs one small page


async def _proof(request: Request) -> tuple[str, str]:
    form = await request.form()
    code = str(form.get("booking_code", "")).strip().upper()
    await check_rate(request, "lookup", code)  # a code's NIK cannot be guessed by trying
    return code, str(form.get("nik", "")).strip()


async def _status_page(
    request: Request,
    db: DbDep,
    catalog: Catalog,
    now: NowDep,
    code: str,
    nik: str,
    *,
    notice: str | None = None,
    errors: dict[str, str] | None = None,
    confirm_cancel: bool = False,
) -> Response:
    status = await applicant_service.applicant_status(db, catalog, code, nik, now=now)
    return render(
        request,
        "applicant/status.html",
        s=status,
        nik=nik,
        notice=notice,
        errors=errors or {},
        confirm_cancel=confirm_cancel,
        live_url=_live_url(request, status.view.booking_code),
        refresh_s=REFRESH_S,
        docs=await documents_service.booking_documents(db, status.view.booking_code),
    )


def _live_url(request: Request, code: str) -> str:
    return f"/status/s/{status_token(request.app.state.settings.secret_key, code)}"


def _code_of(request: Request, token: str) -> str:
    code = code_of_status_token(request.app.state.settings.secret_key, token)
    if code is None:
        raise NotFound("status_link_invalid", "This status link is not valid", field="booking_code")
    return code


@router.get("/status/s/{token}", response_class=HTMLResponse)
@html_errors
async def status_live_page(
    request: Request, token: str, db: DbDep, catalog: CatalogDep, now: NowDep
) -> Response:
    status = await applicant_service.status_by_code(db, catalog, _code_of(request, token), now=now)
    return render(
        request,
        "applicant/status.html",
        s=status,
        nik=None,
        notice=None,
        errors={},
        confirm_cancel=False,
        live_url=_live_url(request, status.view.booking_code),
        refresh_s=REFRESH_S,
        docs=await documents_service.booking_documents(db, status.view.booking_code),
    )


@router.get("/status/s/{token}/live", response_class=HTMLResponse)
@html_errors
async def status_live_part(
    request: Request, token: str, db: DbDep, catalog: CatalogDep, now: NowDep
) -> Response:
    """The live part alone, for htmx to swap in place (a few kilobytes)."""
    status = await applicant_service.status_by_code(db, catalog, _code_of(request, token), now=now)
    return render(
        request,
        "applicant/_status_live.html",
        s=status,
        live_url=_live_url(request, status.view.booking_code),
        refresh_s=REFRESH_S,
    )


@router.get("/status", response_class=HTMLResponse)
async def status_form(request: Request) -> Response:
    return render(request, "applicant/status_form.html", errors={}, booking_code="")


@router.post("/status", response_class=HTMLResponse)
async def status_lookup(
    request: Request, db: DbDep, catalog: CatalogDep, now: NowDep, locale: LocaleDep
) -> Response:
    code, nik = await _proof(request)
    try:
        return await _status_page(request, db, catalog, now, code, nik)
    except DomainError as exc:
        return render(
            request,
            "applicant/status_form.html",
            status_code=exc.status,
            errors=field_errors(exc, locale),
            booking_code=code,
        )


@router.post("/status/cancel", response_class=HTMLResponse)
async def status_cancel(
    request: Request, db: DbDep, catalog: CatalogDep, now: NowDep, locale: LocaleDep
) -> Response:
    code, nik = await _proof(request)
    form = await request.form()
    try:
        if form.get("confirm") != "yes":
            return await _status_page(request, db, catalog, now, code, nik, confirm_cancel=True)
        await booking_service.cancel_booking(db, catalog, code, nik, now)
        return await _status_page(request, db, catalog, now, code, nik, notice="cancelled")
    except DomainError as exc:
        return render(
            request,
            "applicant/status_form.html",
            status_code=exc.status,
            errors=field_errors(exc, locale),
            booking_code=code,
        )


@router.post("/status/reschedule", response_class=HTMLResponse)
async def status_reschedule(
    request: Request, db: DbDep, catalog: CatalogDep, now: NowDep, locale: LocaleDep, settings: SettingsDep
) -> Response:
    code, nik = await _proof(request)
    slot = str((await request.form()).get("slot", ""))
    policy, _waitlist = policies(settings)
    try:
        day_raw, _, session = slot.partition(" ")
        try:
            day = check_day(date.fromisoformat(day_raw), "slot")
        except ValueError as exc:
            raise invalid("slot", "slot_missing", "Choose a new date and session") from exc
        await booking_service.reschedule_booking(db, catalog, code, nik, day, session, policy=policy, now=now)
        return await _status_page(request, db, catalog, now, code, nik, notice="rescheduled")
    except DomainError as exc:
        errors = field_errors(exc, locale, "slot-")
        try:
            return await _status_page(request, db, catalog, now, code, nik, errors=errors)
        except DomainError:
            return render(
                request,
                "applicant/status_form.html",
                status_code=exc.status,
                errors=field_errors(exc, locale),
                booking_code=code,
            )
