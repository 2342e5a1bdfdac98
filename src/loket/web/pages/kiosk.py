"""The self-service kiosk: a registered device (its token in an HttpOnly cookie, not a staff
login), check-in by the booking's QR or by typing on the on-screen keypad, a priority walk-in, the
ticket shown and printed, then the screen resets itself (docs/floor.md).

A supervisor registers a kiosk on the floor view and opens the one-time link on the kiosk: the
token goes into the cookie and out of the address bar and the history (a 303 to the bare URL)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from loket.domain.booking import PriorityReason
from loket.domain.errors import DomainError
from loket.i18n import translate
from loket.services import kiosks
from loket.settings import floor_policy
from loket.web.board_bus import bus_of
from loket.web.csrf import require_csrf
from loket.web.deps import CatalogDep, DbDep, LocaleDep, NowDep, SettingsDep, catalog_of
from loket.web.pages.home import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])

COOKIE = "loket_kiosk"
# A kiosk stays registered until a supervisor revokes it; the cookie outlives the browser.
COOKIE_AGE_S = 5 * 365 * 24 * 3600


def _home(code: str) -> str:
    return f"/offices/{code}/kiosk"


async def _device(request: Request, db: DbDep, code: str) -> kiosks.Kiosk:
    return await kiosks.kiosk_of_token(db, code.upper(), request.cookies.get(COOKIE, ""))


@router.get("/offices/{code}/kiosk", response_class=HTMLResponse)
async def kiosk_screen(
    code: str,
    request: Request,
    db: DbDep,
    catalog: CatalogDep,
    locale: LocaleDep,
    settings: SettingsDep,
    token: str | None = None,
) -> Response:
    office_code = code.upper()
    if token is not None:
        await kiosks.kiosk_of_token(db, office_code, token)
        response = RedirectResponse(_home(office_code), status_code=303)
        response.set_cookie(
            COOKIE,
            token,
            max_age=COOKIE_AGE_S,
            httponly=True,
            samesite="strict",
            secure=settings.cookie_secure,
            path=_home(office_code),
        )
        return response
    device = await _device(request, db, office_code)
    office = (await catalog.get(db, office_code)).office
    answer = render(
        request,
        "floor/kiosk_screen.html",
        locale,
        office=office,
        device=device,
        reset_s=settings.kiosk_reset_s,
        reasons=[r.value for r in PriorityReason],
    )
    # Nothing of a kiosk page is kept by the browser or a proxy: the next person starts afresh.
    answer.headers["Cache-Control"] = "no-store"
    return answer


def _status_url(settings: SettingsDep, booking_code: str | None, office_code: str) -> str:
    base = settings.public_url.rstrip("/")
    return (
        f"{base}/status?booking_code={booking_code}"
        if booking_code
        else f"{base}/offices/{office_code}/board"
    )


async def _answer(
    request: Request, db: DbDep, device: kiosks.Kiosk, locale: str, settings: SettingsDep, **context: object
) -> HTMLResponse:
    office = (await catalog_of(request).get(db, device.office_code)).office
    answer = render(
        request, "floor/_kiosk_ticket.html", locale, office=office, reset_s=settings.kiosk_reset_s, **context
    )
    answer.headers["Cache-Control"] = "no-store"
    return answer


@router.post("/offices/{code}/kiosk/check-in", response_class=HTMLResponse)
async def kiosk_check_in(
    code: str,
    request: Request,
    db: DbDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
    booking_code: Annotated[str, Form()] = "",
    nik: Annotated[str, Form()] = "",
) -> HTMLResponse:
    device = await _device(request, db, code)
    typed = booking_code.strip().upper()
    if typed and "-" not in typed:
        typed = f"{device.office_code}-{typed}"  # the keypad types the 10 characters after the office
    try:
        done = await kiosks.check_in_at_kiosk(
            db,
            device,
            typed,
            nik,
            policy=floor_policy(settings),
            now=now,
            locale=locale,
            status_url=_status_url(settings, typed, device.office_code),
            bus=bus_of(request),
        )
    except DomainError as exc:
        if exc.status == 401:
            raise
        if exc.code == "verify_in_person":
            message = translate(locale, "Please see an officer at the information desk to check in.")
        else:
            message = translate(locale, exc.message, **exc.params)
        return await _answer(request, db, device, locale, settings, done=None, error=message, field=exc.field)
    return await _answer(request, db, device, locale, settings, done=done, error=None, field=None)


@router.post("/offices/{code}/kiosk/walk-in", response_class=HTMLResponse)
async def kiosk_walk_in(
    code: str,
    request: Request,
    db: DbDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
    nik: Annotated[str, Form()] = "",
    full_name: Annotated[str, Form()] = "",
    priority_reason: Annotated[str, Form()] = "",
) -> HTMLResponse:
    device = await _device(request, db, code)
    try:
        done = await kiosks.walk_in_at_kiosk(
            db,
            device,
            nik,
            full_name,
            priority_reason,
            now=now,
            locale=locale,
            status_url=_status_url(settings, None, device.office_code),
            country=settings.holiday_country,
            bus=bus_of(request),
        )
    except DomainError as exc:
        if exc.status == 401:
            raise
        return await _answer(
            request,
            db,
            device,
            locale,
            settings,
            done=None,
            error=translate(locale, exc.message, **exc.params),
            field=exc.field,
        )
    return await _answer(request, db, device, locale, settings, done=done, error=None, field=None)
