"""The applicant's ballot pages: a ballot day's page with the entry form, the receipt, and the
result look-up (entry code + NIK, in a POST body). Registered in web/app.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from loket.domain.ballot import Mode
from loket.domain.errors import DomainError, NotFound
from loket.services import ballot as ballot_service
from loket.web.csrf import require_csrf
from loket.web.deps import DbDep, LocaleDep, NowDep, SettingsDep
from loket.web.pages.applicant_booking import _people, _request
from loket.web.pages.applicant_common import catalog_of, field_errors, html_errors, policies, render
from loket.web.security import check_rate, client_fp, client_ip

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])


async def _ballot_context(request: Request, db: DbDep, office: str, day: date, now: NowDep) -> dict[str, Any]:
    ctx = await catalog_of(request).get(db, office.upper())
    release = await ballot_service.release_of_day(db, ctx.office.code, day)
    if release is None or release.mode is not Mode.BALLOT:
        raise NotFound("release_not_found", "This day is not released by ballot", field="date")
    assert release.closes_at is not None
    is_open = not release.drawn and release.opens_at <= now < release.closes_at
    return {"office": ctx.office, "day": day, "release": release, "is_open": is_open}


@router.get("/ballot/{office}/{day}", response_class=HTMLResponse)
@html_errors
async def ballot_page(request: Request, office: str, day: date, db: DbDep, now: NowDep) -> Response:
    context = await _ballot_context(request, db, office, day, now)
    return render(
        request,
        "security/ballot.html",
        people=_people({}, 1),
        contact={"phone": "", "email": ""},
        errors={},
        chosen="",
        flexible=True,
        services=["new", "renewal", "replacement_lost", "replacement_damaged"],
        **context,
    )


@router.post("/ballot/{office}/{day}", response_class=HTMLResponse)
@html_errors
async def ballot_enter(
    request: Request,
    office: str,
    day: date,
    db: DbDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
) -> Response:
    form = await request.form()
    context = await _ballot_context(request, db, office, day, now)
    people = _people(form, 1)
    contact = {"phone": str(form.get("phone", "")).strip(), "email": str(form.get("email", "")).strip()}
    chosen = str(form.get("session", "")).strip()
    flexible = form.get("flexible") == "yes"
    policy, _waitlist = policies(settings)
    try:
        check_rate(request, "ballot", people[0]["nik"])
        booking_request = _request(people[0], contact, day, chosen, "regular")
        entry = await ballot_service.enter_ballot(
            db,
            catalog_of(request),
            context["office"].code,
            replace(booking_request, client_ip=client_ip(request), client_fp=client_fp(request)),
            flexible=flexible,
            policy=policy,
            locale=locale,
            now=now,
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
            people=people,
            contact=contact,
            errors=errors,
            chosen=chosen,
            flexible=flexible,
            services=["new", "renewal", "replacement_lost", "replacement_damaged"],
            **context,
        )
    return render(request, "security/ballot_entered.html", entry=entry, **context)


@router.get("/ballot-status", response_class=HTMLResponse)
async def status_form(request: Request) -> Response:
    return render(request, "security/ballot_status.html", entry=None, errors={}, entry_code="")


@router.post("/ballot-status", response_class=HTMLResponse)
async def status_lookup(request: Request, db: DbDep, locale: LocaleDep) -> Response:
    form = await request.form()
    code, nik = str(form.get("entry_code", "")).strip().upper(), str(form.get("nik", "")).strip()
    try:
        check_rate(request, "lookup", code)
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
