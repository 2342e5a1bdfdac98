"""Public pages: the office list and an office's service calendar."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from loket.domain.calendar import check_day
from loket.domain.errors import invalid
from loket.formatting import long_date
from loket.services import offices as office_service
from loket.web.csrf import csrf_token, remember_csrf
from loket.web.deps import CatalogDep, DbDep, LocaleDep, NowDep, SettingsDep

router = APIRouter(include_in_schema=False)


def render(request: Request, name: str, locale: str, **context: object) -> HTMLResponse:
    """Render a template in `locale` and remember an explicit ?lang= choice in a cookie."""
    templates = request.app.state.templates
    settings = request.app.state.settings
    response: HTMLResponse = templates.TemplateResponse(
        request, name, {"locale": locale, "csrf_token": csrf_token(request), **context}
    )
    remember_csrf(request, response, settings)
    if request.query_params.get("lang") == locale:
        response.set_cookie(
            "lang",
            locale,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="lax",
            secure=settings.cookie_secure,
        )
    return response


@router.get("/", response_class=HTMLResponse)
async def home(
    request: Request, db: DbDep, catalog: CatalogDep, now: NowDep, locale: LocaleDep
) -> HTMLResponse:
    offices = await catalog.offices(db)
    # Today as the offices see it (the first office's zone; WIB before any office exists), never
    # the server's UTC date: at 01:00 WIB it is already tomorrow there.
    today = offices[0].local_today(now) if offices else now.astimezone(ZoneInfo("Asia/Jakarta")).date()
    return render(request, "home.html", locale, offices=offices, today_label=long_date(today, locale))


def _parse_month(raw: str | None, today: date) -> date:
    if not raw:
        return today.replace(day=1)
    try:
        year, month = (int(part) for part in raw.split("-"))
        first = date(year, month, 1)
    except ValueError as exc:
        raise invalid("month", "month_format", "Give a month as YYYY-MM") from exc
    return check_day(first, "month")


@router.get("/offices/{code}/calendar", response_class=HTMLResponse)
async def calendar_page(
    request: Request,
    code: str,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
    month: str | None = None,
) -> HTMLResponse:
    # This month as the office sees it: on the 1st at 01:00 WIB the UTC date is still last month.
    first = _parse_month(month, (await catalog.get(db, code.upper())).office.local_today(now))
    next_first = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    prev_first = (first - timedelta(days=1)).replace(day=1)
    office, days = await office_service.calendar_days(
        db, code.upper(), first, next_first - timedelta(days=1), settings.holiday_country
    )
    return render(
        request,
        "calendar.html",
        locale,
        office=office,
        month_label=format_date(first, "MMMM y", locale=locale),
        prev_month=prev_first.strftime("%Y-%m"),
        next_month=next_first.strftime("%Y-%m"),
        days=[{"info": d, "label": long_date(d.day, locale)} for d in days],
    )
