"""The applicant's ballot pages: a ballot day's page with the entry form, the receipt, and the
result look-up (entry code + NIK, in a POST body). Registered in web/app.py."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from loket.domain.ballot import Mode
from loket.domain.errors import DomainError, NotFound
from loket.services import ballot as ballot_service
from loket.services.catalog import Catalog
from loket.web.csrf import require_csrf
from loket.web.dates import Day
from loket.web.deps import CatalogDep, DbDep, LocaleDep, NowDep, SettingsDep
from loket.web.limits import check_rate
from loket.web.pages.applicant_common import field_errors, html_errors, policies, render
from loket.web.pages.identity_form import IdentityForm

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])


async def _ballot_context(catalog: Catalog, db: DbDep, office: str, day: date, now: NowDep) -> dict[str, Any]:
    ctx = await catalog.get(db, office.upper())
    release = await ballot_service.release_of_day(db, ctx.office.code, day)
    if release is None or release.mode is not Mode.BALLOT:
        raise NotFound("release_not_found", "This day is not released by ballot", field="date")
    assert release.closes_at is not None
    is_open = not release.drawn and release.opens_at <= now < release.closes_at
    return {"office": ctx.office, "day": day, "release": release, "is_open": is_open}


@router.get("/ballot/{office}/{day}", response_class=HTMLResponse)
@html_errors
async def ballot_page(
    request: Request, office: str, day: Day, db: DbDep, catalog: CatalogDep, now: NowDep
) -> Response:
    context = await _ballot_context(catalog, db, office, day, now)
    return render(
        request,
        "security/ballot.html",
        errors={},
        chosen="",
        flexible=True,
        **IdentityForm.blank().context(),
        **context,
    )


@router.post("/ballot/{office}/{day}", response_class=HTMLResponse)
@html_errors
async def ballot_enter(
    request: Request,
    office: str,
    day: Day,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
) -> Response:
    form = await request.form()
    context = await _ballot_context(catalog, db, office, day, now)
    identity = IdentityForm.parse(form)
    chosen = str(form.get("session", "")).strip()
    flexible = form.get("flexible") == "yes"
    policy, _waitlist = policies(settings)
    try:
        await check_rate(request, "ballot", identity.people[0]["nik"])
        entry = await ballot_service.enter_ballot(
            db,
            catalog,
            context["office"].code,
            identity.request(0, day=day, session=chosen, category="regular", client=request),
            flexible=flexible,
            policy=policy,
            locale=locale,
            now=now,
            secret=settings.secret_key,
        )
    except DomainError as exc:
        prefix = "" if exc.field in ("phone", "email", "session", "date", None) else "p0-"
        errors = field_errors(exc, locale, prefix)
        if exc.field in ("date", None):
            errors = {"form": next(iter(errors.values()))}
        return render(
            request,
            "security/ballot.html",
            status_code=exc.status,
            errors=errors,
            chosen=chosen,
            flexible=flexible,
            **identity.context(),
            **context,
        )
    if entry.verification is not None:  # the entry counts once the contact's code is entered
        return RedirectResponse(
            f"/entry-verify/{entry.office_code}/{entry.verification.code_id}", status_code=303
        )
    return render(request, "security/ballot_entered.html", entry=entry, **context)


async def entered_page(
    request: Request, db: DbDep, catalog: Catalog, now: NowDep, office: str, code: str
) -> Response:
    """The receipt of an entry whose contact code was just entered (contact_code.py sends here)."""
    entry = await ballot_service.verified_entry(db, office, code)
    context = await _ballot_context(catalog, db, office, entry.day, now)
    return render(request, "security/ballot_entered.html", entry=entry, **context)


@router.get("/ballot-status", response_class=HTMLResponse)
async def status_form(request: Request) -> Response:
    return render(request, "security/ballot_status.html", entry=None, errors={}, entry_code="")


@router.post("/ballot-status", response_class=HTMLResponse)
async def status_lookup(request: Request, db: DbDep, locale: LocaleDep) -> Response:
    form = await request.form()
    code, nik = str(form.get("entry_code", "")).strip().upper(), str(form.get("nik", "")).strip()
    try:
        await check_rate(request, "lookup", code)
        entry = await ballot_service.find_entry(db, code, nik)
    except DomainError as exc:
        return render(
            request,
            "security/ballot_status.html",
            status_code=exc.status,
            entry=None,
            errors=field_errors(exc, locale),
            entry_code=code,
        )
    return render(request, "security/ballot_status.html", entry=entry, errors={}, entry_code=code)
