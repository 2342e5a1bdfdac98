"""The national administrator's pages: offices as files, the national calendar, banks, tariffs
and staff invitations (the same use cases as `loket office|calendar holiday|banks|fees|staff
invite` and /api/v1/admin). Plain forms that work without JavaScript; a secret or an invitation
link is shown once, on the page that answers the form, never in a URL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from loket.domain.errors import DomainError, invalid
from loket.formatting import long_date, rupiah
from loket.i18n import translate
from loket.services import banks as bank_service
from loket.services import fees as fee_service
from loket.services import invitations, office_files
from loket.services import national_calendar as calendar_service
from loket.services import offices as office_service
from loket.web.auth import NationalAdmin, Staff
from loket.web.deps import CatalogDep, DbDep, LocaleDep, NowDep, SettingsDep
from loket.web.pages.home import render

router = APIRouter(include_in_schema=False)
PATH = "/admin"


async def _page(
    request: Request,
    staff: Staff,
    db: Any,
    now: datetime,
    locale: str,
    *,
    error: str | None = None,
    problems: list[str] | None = None,
    shown: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    page = render(
        request,
        "staff/national_admin.html",
        locale,
        staff=staff,
        offices=await office_service.list_offices(db),
        holidays=await calendar_service.holiday_overrides(db),
        banks=await bank_service.list_banks(db),
        tariffs=await fee_service.list_tariffs(db, on=None, now=now),
        roles=("officer", "supervisor", "admin"),
        long_date=lambda d: long_date(d, locale),
        rupiah=lambda n: rupiah(n, locale),
        error=error,
        problems=problems or [],
        shown=shown,
        saved=request.query_params.get("saved"),
    )
    page.status_code = status
    return page


@router.get(PATH, response_class=HTMLResponse)
async def national_admin_page(
    request: Request, staff: NationalAdmin, db: DbDep, now: NowDep, locale: LocaleDep
) -> HTMLResponse:
    return await _page(request, staff, db, now, locale)


def _field(form: Any, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _day(form: Any, name: str) -> date:
    try:
        return date.fromisoformat(_field(form, name))
    except ValueError as exc:
        raise invalid(name, "date_format", "Give a date as YYYY-MM-DD") from exc


Context = tuple[Any, Staff, Any, datetime, Any, Any]  # form, staff, db, now, catalog, settings
Action = Callable[[Context], Awaitable[str | None]]


async def _office_import(c: Context) -> str | None:
    form, staff, db, now, catalog, _settings = c
    outcome = await office_files.import_offices(
        db, _field(form, "file"), actor=staff.username, now=now, catalog=catalog
    )
    return (
        ", ".join(
            [f"{code}: created" for code in outcome.created]
            + [f"{code}: updated" for code in outcome.updated]
            + [f"{code}: unchanged" for code in outcome.unchanged]
        )
        or None
    )


async def _holiday_add(c: Context) -> str | None:
    form, staff, db, now, catalog, _settings = c
    await calendar_service.add_holiday(
        db, _day(form, "date"), _field(form, "name"), actor=staff.username, now=now, catalog=catalog
    )
    return None


async def _holiday_remove(c: Context) -> str | None:
    form, staff, db, now, catalog, settings = c
    await calendar_service.remove_holiday(
        db,
        _day(form, "date"),
        actor=staff.username,
        now=now,
        country=settings.holiday_country,
        reason=_field(form, "reason"),
        catalog=catalog,
    )
    return None


async def _bank_add(c: Context) -> str | None:
    form, staff, db, now, _catalog, _settings = c
    secret = await bank_service.register_bank(
        db, _field(form, "code"), _field(form, "name"), actor=staff.username, now=now
    )
    return f"{_field(form, 'code').upper()}: {secret}"


async def _bank_disable(c: Context) -> str | None:
    form, staff, db, now, _catalog, _settings = c
    await bank_service.set_bank_active(db, _field(form, "code"), False, actor=staff.username, now=now)
    return None


async def _fee_add(c: Context) -> str | None:
    form, staff, db, now, catalog, _settings = c
    years = _field(form, "validity_years")
    amount = _field(form, "amount")
    if not amount.isdigit():
        raise invalid("amount", "amount_invalid", "The amount is a whole number of rupiah, 0 or more")
    await fee_service.add_tariff(
        db,
        product=_field(form, "product"),
        validity_years=int(years) if years.isdigit() else None,
        amount=int(amount),
        effective_from=_day(form, "from"),
        basis=_field(form, "basis"),
        proof=_field(form, "proof") or None,
        actor=staff.username,
        now=now,
        catalog=catalog,
    )
    return None


async def _invite(c: Context) -> str | None:
    form, staff, db, now, _catalog, settings = c
    made = await invitations.invite(
        db,
        office_code=_field(form, "office").upper(),
        role=_field(form, "role"),
        email=_field(form, "email"),
        base_url=settings.public_url,
        now=now,
        granter=staff.identity,
    )
    return f"{made.email}: {made.link}"


ACTIONS: dict[str, Action] = {
    "office-import": _office_import,
    "holiday-add": _holiday_add,
    "holiday-remove": _holiday_remove,
    "bank-add": _bank_add,
    "bank-disable": _bank_disable,
    "fee-add": _fee_add,
    "invite": _invite,
}
# What the page shows once instead of redirecting (a secret, a link, what an import did).
SHOWN_ONCE = frozenset({"office-import", "bank-add", "invite"})


@router.post(PATH + "/{action}", response_class=HTMLResponse)
async def national_admin_action(
    action: str,
    request: Request,
    staff: NationalAdmin,
    db: DbDep,
    now: NowDep,
    locale: LocaleDep,
    catalog: CatalogDep,
    settings: SettingsDep,
) -> Response:
    work = ACTIONS.get(action)
    if work is None:
        return await _page(request, staff, db, now, locale, error=translate(locale, "Not found"), status=404)
    form = await request.form()
    try:
        shown = await work((form, staff, db, now, catalog, settings))
    except office_files.OfficeFileInvalid as exc:
        problems = [f"{p.path}: {translate(locale, p.message, **p.params)}" for p in exc.problems]
        error = translate(locale, exc.message, **exc.params)
        return await _page(request, staff, db, now, locale, error=error, problems=problems, status=422)
    except DomainError as exc:
        if exc.status in (401, 403):
            raise
        error = translate(locale, exc.message, **exc.params)
        return await _page(request, staff, db, now, locale, error=error, status=exc.status)
    if action in SHOWN_ONCE:
        return await _page(request, staff, db, now, locale, shown=shown)
    return RedirectResponse(f"{PATH}?saved={action}#{action}", status_code=303)
