"""Staff pages: sign-in, the staff home, and office administration for supervisors and admins
(sessions and hours, quotas, closures and extra days with a calendar preview, stations, staff).
The administration services clear the office's cached entry themselves once a change commits:
the actions hand them the app's catalog."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from loket.domain.calendar import check_day
from loket.domain.errors import DomainError, TooMany, invalid
from loket.domain.office import STATION_KINDS, Session
from loket.domain.staff import Role, require
from loket.i18n import translate
from loket.services import office_admin, quotas
from loket.services import offices as office_service
from loket.services import staff as staff_service
from loket.web.auth import (
    COOKIE,
    LOGIN_PATH,
    SignedIn,
    Staff,
    Supervisor,
    clear_session_cookie,
    set_session_cookie,
)
from loket.web.client import client_ip
from loket.web.csrf import require_csrf
from loket.web.deps import CatalogDep, DbDep, LocaleDep, NowDep, SettingsDep, catalog_of
from loket.web.limits import check_rate, login_guard
from loket.web.pages.home import render

router = APIRouter(include_in_schema=False)
WEEKDAYS = (1, 2, 3, 4, 5, 6, 7)


def _safe_next(raw: str | None) -> str:
    # Only local paths: a login link must not bounce the officer to another site.
    return raw if raw and raw.startswith("/") and not raw.startswith("//") else "/staff"


@router.get(LOGIN_PATH, response_class=HTMLResponse)
async def login_page(request: Request, locale: LocaleDep, next: str | None = None) -> HTMLResponse:
    return render(request, "staff/login.html", locale, next=_safe_next(next), error=None)


@router.post(LOGIN_PATH, response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
async def login_submit(
    request: Request,
    db: DbDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/staff",
) -> Response:
    try:
        await check_rate(request, "login", username)
        done = await staff_service.login(
            db,
            username,
            password,
            now=now,
            hours=settings.staff_session_hours,
            guard=login_guard(settings),
            address=client_ip(request),
        )
    except DomainError as exc:
        page = render(
            request,
            "staff/login.html",
            locale,
            next=_safe_next(next),
            error=translate(locale, exc.message, **exc.params),
        )
        page.status_code = exc.status
        if isinstance(exc, TooMany):
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookie(response, done.token, settings)
    return response


@router.post("/staff/logout")
async def logout_submit(
    request: Request, staff: SignedIn, db: DbDep, now: NowDep, settings: SettingsDep, catalog: CatalogDep
) -> Response:
    await staff_service.logout(db, request.cookies.get(COOKIE, ""), now=now, catalog=catalog)
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    clear_session_cookie(response, settings)
    return response


@router.get("/staff", response_class=HTMLResponse)
async def staff_home(
    request: Request, staff: SignedIn, db: DbDep, catalog: CatalogDep, locale: LocaleDep
) -> HTMLResponse:
    offices = [(await catalog.get(db, code)).office for code in sorted(staff.identity.roles)]
    return render(request, "staff/home.html", locale, staff=staff, offices=offices, Role=Role)


async def _admin_page(
    request: Request, staff: Staff, db: Any, now: Any, locale: str, settings: Any, error: str | None = None
) -> HTMLResponse:
    code = staff.office_code or ""
    shown = await office_admin.office_settings(db, code)
    office, template = shown.office, shown.template
    today = office.local_today(now)
    first = today.replace(day=1)
    last = (first + timedelta(days=62)).replace(day=1) - timedelta(days=1)
    _office, days = await office_service.calendar_days(db, code, first, last, settings.holiday_country)
    members = await staff_service.office_staff(db, code) if staff.identity.may(code, Role.ADMIN) else None
    page = render(
        request,
        "staff/admin.html",
        locale,
        staff=staff,
        office=office,
        template=template,
        weekdays=WEEKDAYS,
        days=days,
        members=members,
        kinds=STATION_KINDS,
        roles=[r.value for r in Role],
        error=error,
        saved=request.query_params.get("saved"),
    )
    if error:
        page.status_code = 422
    return page


@router.get("/offices/{code}/admin", response_class=HTMLResponse)
async def admin_page(
    request: Request, staff: Supervisor, db: DbDep, now: NowDep, locale: LocaleDep, settings: SettingsDep
) -> HTMLResponse:
    return await _admin_page(request, staff, db, now, locale, settings)


def _int(form: Any, name: str) -> int:
    try:
        return int(str(form.get(name, "")).strip())
    except ValueError as exc:
        raise invalid(name, "int_parsing", "Give a whole number") from exc


def _day(form: Any, name: str) -> date:
    try:
        day = date.fromisoformat(str(form.get(name, "")).strip())
    except ValueError as exc:
        raise invalid(name, "date_parsing", "Give a date as YYYY-MM-DD") from exc
    return check_day(day, name)


Action = Callable[[Any, Staff, Any, Any, Any], Awaitable[None]]


async def _sessions(form: Any, staff: Staff, db: Any, now: Any, request: Any) -> None:
    pairs = [line.split("-") for line in str(form.get("sessions", "")).split() if line.strip()]
    sessions = [
        Session(office_admin.parse_clock(p[0], "sessions"), office_admin.parse_clock(p[-1], "sessions"))
        for p in pairs
    ]
    await office_admin.set_sessions(
        db, staff.office_code or "", sessions, actor=staff.username, now=now, catalog=catalog_of(request)
    )


async def _hours(form: Any, staff: Staff, db: Any, now: Any, request: Any) -> None:
    hours: dict[int, Any] = {}
    for wd in WEEKDAYS:
        opens, closes = str(form.get(f"opens_{wd}", "")).strip(), str(form.get(f"closes_{wd}", "")).strip()
        hours[wd] = (
            (office_admin.parse_clock(opens, "hours"), office_admin.parse_clock(closes, "hours"))
            if opens and closes
            else None
        )
    await office_admin.set_hours(
        db, staff.office_code or "", hours, actor=staff.username, now=now, catalog=catalog_of(request)
    )


async def _quota_template(form: Any, staff: Staff, db: Any, now: Any, request: Any) -> None:
    await quotas.set_template(
        db,
        staff.office_code or "",
        _int(form, "weekday"),
        str(form.get("category", "")),
        _int(form, "capacity"),
        actor=staff.username,
        now=now,
        catalog=catalog_of(request),
    )


async def _quota_day(form: Any, staff: Staff, db: Any, now: Any, request: Any) -> None:
    await quotas.set_day_capacity(
        db,
        catalog_of(request),
        staff.office_code or "",
        _day(form, "date"),
        str(form.get("category", "")),
        _int(form, "capacity"),
        actor=staff.username,
        now=now,
    )


async def _closure(form: Any, staff: Staff, db: Any, now: Any, request: Any) -> None:
    await office_service.declare_closure(
        db,
        staff.office_code or "",
        _day(form, "start"),
        _day(form, "end"),
        str(form.get("reason", "")),
        actor=staff.username,
        now=now,
        catalog=catalog_of(request),
    )


async def _extra_day(form: Any, staff: Staff, db: Any, now: Any, request: Any) -> None:
    await office_service.declare_extra_day(
        db,
        staff.office_code or "",
        _day(form, "date"),
        str(form.get("reason", "")),
        actor=staff.username,
        now=now,
        catalog=catalog_of(request),
    )


async def _station_add(form: Any, staff: Staff, db: Any, now: Any, request: Any) -> None:
    await office_admin.add_station(
        db,
        staff.office_code or "",
        str(form.get("code", "")),
        str(form.get("kind", "")),
        str(form.get("name", "")),
        _int(form, "number"),
        actor=staff.username,
        now=now,
        catalog=catalog_of(request),
    )


async def _station_remove(form: Any, staff: Staff, db: Any, now: Any, request: Any) -> None:
    await office_admin.remove_station(
        db,
        staff.office_code or "",
        str(form.get("code", "")),
        actor=staff.username,
        now=now,
        catalog=catalog_of(request),
    )


async def _staff_add(form: Any, staff: Staff, db: Any, now: Any, request: Any) -> None:
    require(staff.identity, staff.office_code or "", Role.ADMIN)
    await staff_service.create_staff(
        db,
        office_code=staff.office_code or "",
        username=str(form.get("username", "")),
        full_name=str(form.get("full_name", "")),
        password=str(form.get("password", "")),
        role=str(form.get("role", "")),
        now=now,
        granter=staff.identity,
    )


async def _staff_role(form: Any, staff: Staff, db: Any, now: Any, request: Any) -> None:
    require(staff.identity, staff.office_code or "", Role.ADMIN)
    username, role = str(form.get("username", "")), str(form.get("role", ""))
    if role == "remove":
        await staff_service.revoke_role(
            db,
            office_code=staff.office_code or "",
            username=username,
            now=now,
            granter=staff.identity,
            catalog=catalog_of(request),
        )
    else:
        await staff_service.grant_role(
            db,
            office_code=staff.office_code or "",
            username=username,
            role=role,
            now=now,
            granter=staff.identity,
            catalog=catalog_of(request),
        )


ACTIONS: dict[str, Action] = {
    "sessions": _sessions,
    "hours": _hours,
    "quota-template": _quota_template,
    "quota-day": _quota_day,
    "closure": _closure,
    "extra-day": _extra_day,
    "station-add": _station_add,
    "station-remove": _station_remove,
    "staff-add": _staff_add,
    "staff-role": _staff_role,
}


@router.post("/offices/{code}/admin/{action}", response_class=HTMLResponse)
async def admin_action(
    action: str,
    request: Request,
    staff: Supervisor,
    db: DbDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
) -> Response:
    work = ACTIONS.get(action)
    if work is None:
        return await _admin_page(
            request, staff, db, now, locale, settings, error=translate(locale, "Not found")
        )
    form = await request.form()
    try:
        await work(form, staff, db, now, request)
    except DomainError as exc:
        if exc.status in (401, 403):
            raise
        return await _admin_page(
            request, staff, db, now, locale, settings, error=translate(locale, exc.message, **exc.params)
        )
    return RedirectResponse(f"/offices/{staff.office_code}/admin?saved={action}#{action}", status_code=303)
