"""The pages of contact verification (issue 21): entering the code of a pending booking, and the
real holder releasing a booking made with their NIK (status page → "Someone booked with my NIK")."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from loket.domain.errors import DomainError, invalid
from loket.services import contact_verification as verification
from loket.services.catalog import Catalog
from loket.settings import booking_policy
from loket.web.api.verification import RELEASE_DONE
from loket.web.client import client_ip
from loket.web.deps import CatalogDep, DbDep, LocaleDep, NowDep, SettingsDep, billing_of
from loket.web.limits import check_rate
from loket.web.pages import ballot as ballot_pages
from loket.web.pages.applicant_common import (
    RECENT_COOKIE,
    RECENT_TTL_S,
    error_message,
    field_errors,
    html_errors,
    recent_cookie,
    render,
)

router = APIRouter(include_in_schema=False)


async def _code_page(
    request: Request,
    db: DbDep,
    catalog: Catalog,
    office: str,
    code_id: str,
    errors: dict[str, str],
    status: int,
) -> Response:
    sent = await verification.code_sent(db, office, code_id)
    ctx = await catalog.get(db, sent.office_code)
    return render(
        request,
        "applicant/code_entry.html",
        status_code=status,
        sent=sent,
        zone=ctx.office.timezone,
        action=request.url.path,
        errors=errors,
        office_code=office,
    )


async def _refused(
    request: Request, db: DbDep, catalog: Catalog, office: str, code_id: str, exc: DomainError, locale: str
) -> Response:
    """A code that can be typed again (wrong, mistyped): the form with the error; else the end."""
    if exc.code in ("code_wrong", "code_format"):
        return await _code_page(request, db, catalog, office, code_id, field_errors(exc, locale), exc.status)
    return render(
        request,
        "applicant/code_refused.html",
        status_code=exc.status,
        message=error_message(exc, locale),
        office_code=office,
    )


@router.get("/booking-verify/{office}/{code_id}", response_class=HTMLResponse)
@html_errors
async def booking_code_form(
    request: Request, office: str, code_id: str, db: DbDep, catalog: CatalogDep
) -> Response:
    return await _code_page(request, db, catalog, office.upper(), code_id, {}, 200)


@router.post("/booking-verify/{office}/{code_id}", response_class=HTMLResponse)
@html_errors
async def booking_code_entry(
    request: Request,
    office: str,
    code_id: str,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
) -> Response:
    await check_rate(request, "lookup", code_id)
    typed = str((await request.form()).get("code", ""))
    try:
        done = await verification.verify_booking(
            db,
            catalog,
            office.upper(),
            code_id,
            typed,
            policy=booking_policy(settings),
            secret=settings.secret_key,
            now=now,
            billing=billing_of(request),
            billing_backoff_max_s=settings.billing_backoff_max_s,
        )
    except DomainError as exc:
        return await _refused(request, db, catalog, office.upper(), code_id, exc, locale)
    response = RedirectResponse("/booking-done", status_code=303)
    response.set_cookie(
        RECENT_COOKIE,
        recent_cookie(settings.secret_key, [d.booking_code for d in done]),
        max_age=RECENT_TTL_S,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
    )
    return response


@router.get("/entry-verify/{office}/{code_id}", response_class=HTMLResponse)
@html_errors
async def entry_code_form(
    request: Request, office: str, code_id: str, db: DbDep, catalog: CatalogDep
) -> Response:
    return await _code_page(request, db, catalog, office.upper(), code_id, {}, 200)


@router.post("/entry-verify/{office}/{code_id}", response_class=HTMLResponse)
@html_errors
async def entry_code_entry(
    request: Request,
    office: str,
    code_id: str,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
) -> Response:
    """The code of a waiting-list or ballot entry: right, the entry counts (issue 21)."""
    await check_rate(request, "lookup", code_id)
    typed = str((await request.form()).get("code", ""))
    try:
        entry_code = await verification.verify_entry(
            db, office.upper(), code_id, typed, secret=settings.secret_key, now=now
        )
    except DomainError as exc:
        return await _refused(request, db, catalog, office.upper(), code_id, exc, locale)
    if entry_code.startswith(f"{office.upper()}-W"):  # a waiting-list entry: its page, keyed by the code
        return RedirectResponse(f"/waitlist/{entry_code}", status_code=303)
    return await ballot_pages.entered_page(request, db, catalog, now, office.upper(), entry_code)


def _release_form(
    request: Request, offices: list[Any], form: dict[str, str], errors: dict[str, str], status: int
) -> Response:
    return render(
        request, "applicant/release_form.html", status_code=status, offices=offices, form=form, errors=errors
    )


@router.get("/status/release", response_class=HTMLResponse)
@html_errors
async def release_form(request: Request, db: DbDep, catalog: CatalogDep) -> Response:
    blank = {"office": "", "nik": "", "kk": "", "phone": "", "email": ""}
    return _release_form(request, await catalog.offices(db), blank, {}, 200)


@router.post("/status/release", response_class=HTMLResponse)
@html_errors
async def release_start(
    request: Request,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
) -> Response:
    posted = await request.form()
    form = {k: str(posted.get(k, "")).strip() for k in ("office", "nik", "kk", "phone", "email")}
    await check_rate(request, "lookup", form["nik"])
    offices = await catalog.offices(db)
    try:
        if form["office"].upper() not in {o.code for o in offices}:
            raise invalid("office", "office_missing", "Choose the office where you want to book")
        sent = await verification.start_release(
            db,
            catalog,
            form["office"].upper(),
            form["nik"],
            form["kk"],
            form["phone"],
            form["email"] or None,
            locale=locale,
            secret=settings.secret_key,
            now=now,
            client_ip=client_ip(request),
        )
    except DomainError as exc:
        return _release_form(request, offices, form, field_errors(exc, locale), exc.status)
    return RedirectResponse(f"/status/release/{sent.office_code}/{sent.code_id}", status_code=303)


@router.get("/status/release/{office}/{code_id}", response_class=HTMLResponse)
@html_errors
async def release_code_form(
    request: Request, office: str, code_id: str, db: DbDep, catalog: CatalogDep
) -> Response:
    return await _code_page(request, db, catalog, office.upper(), code_id, {}, 200)


@router.post("/status/release/{office}/{code_id}", response_class=HTMLResponse)
@html_errors
async def release_code_entry(
    request: Request,
    office: str,
    code_id: str,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
) -> Response:
    await check_rate(request, "lookup", code_id)
    typed = str((await request.form()).get("code", ""))
    try:
        await verification.verify_release(
            db, catalog, office.upper(), code_id, typed, secret=settings.secret_key, now=now
        )
    except DomainError as exc:
        if exc.code in ("code_wrong", "code_format"):
            return await _code_page(
                request, db, catalog, office.upper(), code_id, field_errors(exc, locale), exc.status
            )
        raise
    return render(
        request, "applicant/code_refused.html", message=None, done=RELEASE_DONE, office_code=office.upper()
    )
