"""The waiting list: join a full session, follow the entry, accept or decline the offer."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from loket.domain.errors import DomainError
from loket.services import waitlist as waitlist_service
from loket.services.catalog import Catalog
from loket.web.dates import Day
from loket.web.deps import CatalogDep, DbDep, LocaleDep, NowDep, SettingsDep, billing_of
from loket.web.pages.applicant_booking import form_context
from loket.web.pages.applicant_common import (
    RECENT_COOKIE,
    RECENT_TTL_S,
    field_errors,
    html_errors,
    policies,
    recent_cookie,
    render,
)
from loket.web.pages.identity_form import PERSON_FIELDS, IdentityForm

router = APIRouter(include_in_schema=False)


@router.get("/waitlist/join/{office}/{day}/{session}", response_class=HTMLResponse)
@html_errors
async def join_form(
    request: Request,
    office: str,
    day: Day,
    session: str,
    db: DbDep,
    catalog: CatalogDep,
    category: str | None = None,
) -> Response:
    context = {**await form_context(catalog, db, office, day, session, category or ""), "ask_kk": False}
    return render(
        request, "applicant/waitlist_join.html", errors={}, **IdentityForm.blank().context(), **context
    )


@router.post("/waitlist/join/{office}/{day}/{session}", response_class=HTMLResponse)
@html_errors
async def join_submit(
    request: Request,
    office: str,
    day: Day,
    session: str,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
) -> Response:
    form = await request.form()
    context = {
        **await form_context(catalog, db, office, day, session, str(form.get("category", ""))),
        "ask_kk": False,
    }
    identity = IdentityForm.parse(form)
    policy, waitlist = policies(settings)
    try:
        req = identity.request(0, day=day, session=context["session"].name, category=context["category"])
        entry = await waitlist_service.join_waitlist(
            db,
            catalog,
            context["office"].code,
            req,
            policy=policy,
            waitlist=waitlist,
            locale=locale,
            now=now,
            secret=settings.secret_key,
        )
    except DomainError as exc:
        prefix = "" if exc.field in ("phone", "email", "session") else "p0-"
        return render(
            request,
            "applicant/waitlist_join.html",
            status_code=exc.status,
            errors=field_errors(exc, locale, prefix),
            **identity.context(),
            **context,
        )
    if entry.verification is not None:  # the entry waits once the contact's code is entered
        return RedirectResponse(
            f"/entry-verify/{entry.office_code}/{entry.verification.code_id}", status_code=303
        )
    return RedirectResponse(f"/waitlist/{entry.entry_code}", status_code=303)


async def _entry_page(
    request: Request,
    db: DbDep,
    catalog: Catalog,
    now: NowDep,
    settings: SettingsDep,
    code: str,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    _policy, waitlist = policies(settings)
    entry = await waitlist_service.find_entry(db, code, waitlist=waitlist, now=now)
    office = (await catalog.get(db, entry.office_code)).office
    template = (
        "applicant/_entry.html" if request.headers.get("hx-request") else "applicant/waitlist_entry.html"
    )
    return render(
        request,
        template,
        status_code=status_code,
        entry=entry,
        office=office,
        errors=errors or {},
        person_fields=PERSON_FIELDS,
    )


@router.get("/waitlist/{code}", response_class=HTMLResponse)
@html_errors
async def entry_page(
    request: Request, code: str, db: DbDep, catalog: CatalogDep, now: NowDep, settings: SettingsDep
) -> Response:
    return await _entry_page(request, db, catalog, now, settings, code)


@router.post("/waitlist/{code}/accept", response_class=HTMLResponse)
@html_errors
async def accept(
    request: Request,
    code: str,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
) -> Response:
    nik = str((await request.form()).get("nik", "")).strip()
    policy, waitlist = policies(settings)
    try:
        done = await waitlist_service.accept_offer(
            db, catalog, code, nik, policy=policy, waitlist=waitlist, now=now, billing=billing_of(request)
        )
    except DomainError as exc:
        return await _entry_page(
            request,
            db,
            catalog,
            now,
            settings,
            code,
            errors=field_errors(exc, locale, "accept-"),
            status_code=exc.status,
        )
    response = RedirectResponse("/booking-done", status_code=303)
    response.set_cookie(
        RECENT_COOKIE,
        recent_cookie(settings.secret_key, [done.booking_code]),
        max_age=RECENT_TTL_S,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
    )
    return response


@router.post("/waitlist/{code}/withdraw", response_class=HTMLResponse)
@html_errors
async def withdraw(
    request: Request,
    code: str,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
) -> Response:
    nik = str((await request.form()).get("nik", "")).strip()
    try:
        await waitlist_service.withdraw(db, code, nik, now=now)
    except DomainError as exc:
        return await _entry_page(
            request,
            db,
            catalog,
            now,
            settings,
            code,
            errors=field_errors(exc, locale, "withdraw-"),
            status_code=exc.status,
        )
    return await _entry_page(request, db, catalog, now, settings, code)
