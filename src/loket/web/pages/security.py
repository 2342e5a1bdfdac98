"""Supervisors' security pages: the broker-pattern report (flag a finding's bookings for in-person
verification in one click) and the office's releases (first come at a set time, or a ballot).
Registered in web/app.py; every route checks the supervisor role in the office of its path."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from loket.domain.calendar import check_day
from loket.domain.errors import DomainError, invalid
from loket.i18n import translate
from loket.services import ballot as ballot_service
from loket.services import ballot_draw
from loket.services import fraud as fraud_service
from loket.services.catalog import Catalog
from loket.services.release_queries import recent_releases
from loket.settings import booking_policy
from loket.web.auth import Staff, Supervisor
from loket.web.dates import Day
from loket.web.deps import CatalogDep, DbDep, LocaleDep, NowDep, SettingsDep
from loket.web.pages.home import render

router = APIRouter(include_in_schema=False)


def _day(raw: Any, name: str) -> date:
    try:
        day = date.fromisoformat(str(raw or "").strip())
    except ValueError as exc:
        raise invalid(name, "date_parsing", "Give a date as YYYY-MM-DD") from exc
    return check_day(day, name)


def _moment(raw: Any, name: str, zone: str) -> datetime | None:
    text = str(raw or "").strip()
    if not text:
        return None
    try:
        local = datetime.fromisoformat(text)
    except ValueError as exc:
        raise invalid(name, "datetime_parsing", "Give a date and time") from exc
    return local if local.tzinfo else local.replace(tzinfo=ZoneInfo(zone))


@router.get("/offices/{code}/security/fraud", response_class=HTMLResponse)
async def fraud_page(
    request: Request, staff: Supervisor, db: DbDep, catalog: CatalogDep, now: NowDep, locale: LocaleDep
) -> HTMLResponse:
    params = request.query_params
    error = None
    last = _day(params["to"], "to") if params.get("to") else now.date() + timedelta(days=31)
    first = _day(params["from"], "from") if params.get("from") else last - timedelta(days=60)
    findings: list[Any] = []
    try:
        findings = await fraud_service.fraud_report(db, staff.office_code or "", first, last)
    except DomainError as exc:
        error = translate(locale, exc.message, **exc.params)
    page = render(
        request,
        "security/fraud.html",
        locale,
        staff=staff,
        office=(await catalog.get(db, staff.office_code or "")).office,
        first=first,
        last=last,
        findings=findings,
        error=error,
        flagged=params.get("flagged"),
    )
    if error:
        page.status_code = 422
    return page


@router.post("/offices/{code}/security/flag")
async def flag_action(request: Request, staff: Supervisor, db: DbDep, now: NowDep) -> Response:
    form = await request.form()
    codes = str(form.get("bookings", "")).split()
    changed = await fraud_service.flag_bookings(
        db, staff.office_code or "", codes, reason=str(form.get("reason", "")), actor=staff.username, now=now
    )
    first, last = _day(form.get("from"), "from"), _day(form.get("to"), "to")
    return RedirectResponse(
        f"/offices/{staff.office_code}/security/fraud?from={first}&to={last}&flagged={changed}",
        status_code=303,
    )


async def _releases_page(
    request: Request,
    staff: Staff,
    db: Any,
    catalog: Catalog,
    locale: str,
    *,
    error: str | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    office = (await catalog.get(db, staff.office_code or "")).office
    releases = await recent_releases(db, office.code)
    page = render(
        request,
        "security/releases.html",
        locale,
        staff=staff,
        office=office,
        releases=releases,
        error=error,
        notice=notice,
    )
    if error:
        page.status_code = 422
    return page


@router.get("/offices/{code}/security/releases", response_class=HTMLResponse)
async def releases_page(
    request: Request, staff: Supervisor, db: DbDep, catalog: CatalogDep, locale: LocaleDep
) -> HTMLResponse:
    return await _releases_page(request, staff, db, catalog, locale)


@router.post("/offices/{code}/security/releases", response_class=HTMLResponse)
async def schedule_action(
    request: Request, staff: Supervisor, db: DbDep, catalog: CatalogDep, now: NowDep, locale: LocaleDep
) -> HTMLResponse:
    form = await request.form()
    office = (await catalog.get(db, staff.office_code or "")).office
    try:
        opens = _moment(form.get("opens_at"), "opens_at", office.timezone)
        if opens is None:
            raise invalid("opens_at", "datetime_parsing", "Give a date and time")
        await ballot_service.schedule_release(
            db,
            catalog,
            office.code,
            _day(form.get("day"), "day"),
            str(form.get("mode", "")),
            opens,
            _moment(form.get("closes_at"), "closes_at", office.timezone),
            actor=staff.username,
            now=now,
        )
    except DomainError as exc:
        return await _releases_page(
            request, staff, db, catalog, locale, error=translate(locale, exc.message, **exc.params)
        )
    return await _releases_page(request, staff, db, catalog, locale, notice=translate(locale, "Saved."))


@router.post("/offices/{code}/security/releases/{day}/draw", response_class=HTMLResponse)
async def draw_action(
    request: Request,
    day: Day,
    staff: Supervisor,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
) -> HTMLResponse:
    try:
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
    except DomainError as exc:
        return await _releases_page(
            request, staff, db, catalog, locale, error=translate(locale, exc.message, **exc.params)
        )
    notice = translate(
        locale,
        "Drawn: %(won)d booked, %(waiting)d on the waiting list, %(ineligible)d could not be booked",
        won=done.won,
        waiting=done.waitlisted,
        ineligible=done.ineligible,
    )
    return await _releases_page(request, staff, db, catalog, locale, notice=notice)
