"""The booking flow: office, month, day and session, the people, review, confirm, confirmation."""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import segno
from babel.dates import format_date
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from loket.domain.booking import BookingRequest, Category, office_of_booking_code
from loket.domain.calendar import check_day
from loket.domain.errors import DomainError, NotFound, invalid
from loket.domain.identity import parse_nik
from loket.i18n import translate
from loket.services import applicant as applicant_service
from loket.services import family_booking
from loket.services import quotas as quota_service
from loket.services.catalog import Catalog
from loket.web.dates import Day
from loket.web.deps import CatalogDep, DbDep, LocaleDep, NowDep, SettingsDep, billing_of
from loket.web.limits import check_rate
from loket.web.pages.applicant_common import (
    RECENT_COOKIE,
    RECENT_TTL_S,
    error_message,
    field_errors,
    html_errors,
    policies,
    recent_codes,
    recent_cookie,
    render,
)
from loket.web.pages.identity_form import MAX_PEOPLE, PERSON_FIELDS, IdentityForm

router = APIRouter(include_in_schema=False)


@router.get("/booking", response_class=HTMLResponse)
@html_errors
async def choose_office(request: Request, db: DbDep, catalog: CatalogDep, q: str = "") -> Response:
    offices = await catalog.offices(db)
    needle = q.strip().lower()
    # Every office, each marked shown or not: the page hides the others, and its script filters
    # the same list in place as the applicant types.
    shown = [(o, not needle or needle in f"{o.name} {o.code} {o.address}".lower()) for o in offices]
    return render(request, "applicant/offices.html", offices=shown, q=q)


def _month(raw: str | None, today: date) -> date:
    if not raw:
        return today.replace(day=1)
    try:
        year, month = (int(part) for part in raw.split("-"))
        first = date(year, month, 1)
    except ValueError as exc:
        raise invalid("month", "month_format", "Give a month as YYYY-MM") from exc
    return check_day(first, "month")


def _category(raw: str | None) -> str:
    return raw if raw in {c.value for c in Category} else Category.REGULAR.value


@router.get("/booking/{office}", response_class=HTMLResponse)
@html_errors
async def month_view(
    request: Request,
    office: str,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    settings: SettingsDep,
    locale: LocaleDep,
    month: str | None = None,
    category: str | None = None,
) -> Response:
    ctx = await catalog.get(db, office.upper())
    today = ctx.office.local_today(now)
    first = _month(month, today)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    cat = _category(category)
    window_end = today + timedelta(days=settings.booking_window_days)
    left: dict[date, int] = defaultdict(int)
    if last > today and first <= window_end:
        _ctx, found = await quota_service.availability(
            db, catalog, ctx.office.code, first, min(last, window_end), cat, now
        )
        for a in found:
            left[a.day] += a.left
    weeks: list[list[dict[str, Any] | None]] = [[None] * first.weekday()]
    day = first
    while day <= last:
        if len(weeks[-1]) == 7:
            weeks.append([])
        bookable = today < day <= window_end and ctx.calendar.is_service_day(day)
        weeks[-1].append(
            {"day": day, "bookable": bookable, "left": left.get(day, 0), "info": ctx.calendar.info(day)}
        )
        day += timedelta(days=1)
    weeks[-1] += [None] * (7 - len(weeks[-1]))
    prev_first = (first - timedelta(days=1)).replace(day=1)
    next_first = last + timedelta(days=1)
    # Days past the booking window say when they open: each comes into the window N days ahead.
    first_closed = max(first, window_end + timedelta(days=1)) if last > window_end else None
    opens_on = first_closed - timedelta(days=settings.booking_window_days) if first_closed else None
    return render(
        request,
        "applicant/month.html",
        office=ctx.office,
        category=cat,
        categories=[c.value for c in Category],
        weeks=weeks,
        month_label=format_date(first, "MMMM y", locale=locale),
        prev_month=prev_first.strftime("%Y-%m") if prev_first >= today.replace(day=1) else None,
        # One month past the window may be looked at: it says when it opens.
        next_month=next_first.strftime("%Y-%m") if next_first <= window_end + timedelta(days=31) else None,
        weekdays=[format_date(date(2018, 1, i), "EEE", locale=locale) for i in range(1, 8)],
        opens_on=opens_on,
        first_closed=first_closed,
        window_days=settings.booking_window_days,
    )


@router.get("/booking/{office}/{day}", response_class=HTMLResponse)
@html_errors
async def day_view(
    request: Request,
    office: str,
    day: Day,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    category: str | None = None,
) -> Response:
    cat = _category(category)
    ctx, found = await quota_service.availability(db, catalog, office.upper(), day, day, cat, now)
    sessions = [{"a": a, "session": ctx.office.session_named(a.session)} for a in found]
    release = ctx.releases.get(day)  # a ballot day is entered, not booked, until its draw
    ballot = release if release is not None and release.mode.value == "ballot" and not release.drawn else None
    return render(
        request,
        "applicant/day.html",
        office=ctx.office,
        day=day,
        category=cat,
        sessions=sessions,
        ballot=ballot,
    )


async def form_context(
    catalog: Catalog, db: Any, office: str, day: date, session: str, category: str
) -> dict[str, Any]:
    """What a session's identity form needs (booking, waiting list); NotFound for no such session."""
    ctx = await catalog.get(db, office.upper())
    found = ctx.office.session_named(session)
    if found is None:
        raise NotFound(
            "session_unknown",
            "No session starts at %(session)s; sessions: %(sessions)s",
            field="session",
            session=session,
            sessions=", ".join(s.name for s in ctx.office.sessions),
        )
    return {
        "office": ctx.office,
        "day": day,
        "session": found,
        "category": _category(category),
        "max_people": MAX_PEOPLE,
        "ask_kk": True,  # the family card (issue 21); the waiting list and ballot forms do not ask it
    }


@router.get("/booking/{office}/{day}/{session}", response_class=HTMLResponse)
@html_errors
async def details_form(
    request: Request,
    office: str,
    day: Day,
    session: str,
    db: DbDep,
    catalog: CatalogDep,
    category: str | None = None,
) -> Response:
    context = await form_context(catalog, db, office, day, session, category or "")
    return render(request, "applicant/details.html", errors={}, **IdentityForm.blank().context(), **context)


@router.post("/booking/{office}/{day}/{session}", response_class=HTMLResponse)
@html_errors
async def details_submit(
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
    action = str(form.get("action", "review"))
    count = min(
        MAX_PEOPLE, max(1, int(str(form.get("people", "1"))) if str(form.get("people", "1")).isdigit() else 1)
    )
    context = await form_context(catalog, db, office, day, session, str(form.get("category", "")))
    identity = IdentityForm.parse(form, count)
    people = identity.people
    if action == "add" and count < MAX_PEOPLE:
        people += IdentityForm.blank().people
    elif action.startswith("remove-") and count > 1:
        people.pop(min(int(action.split("-")[1]), count - 1) if action.split("-")[1].isdigit() else count - 1)
    if action in ("add", "edit") or action.startswith("remove-"):
        return render(request, "applicant/details.html", errors={}, **identity.context(), **context)
    policy, _waitlist = policies(settings)
    office_code, session_name, category = context["office"].code, context["session"].name, context["category"]
    # Every field's error in one answer (field by field), then the rules of the whole request.
    errors = {
        key: error_message(exc, locale)
        for key, exc in identity.problems(context["office"].local_today(now)).items()
    }
    requests: list[BookingRequest] = []
    plans = []
    if not errors:
        for i in range(len(people)):
            try:
                req = identity.request(i, day=day, session=session_name, category=category, client=request)
                plans.append(
                    await applicant_service.preview(db, catalog, office_code, req, policy=policy, now=now)
                )
                requests.append(req)
            except DomainError as exc:
                # A person's own field is marked on that person; the date or session once for all.
                errors.update(field_errors(exc, locale, f"p{i}-" if exc.field in PERSON_FIELDS else ""))
    if errors:
        return _details(request, identity, context, errors, 422)
    if action != "confirm":
        return render(
            request,
            "applicant/review.html",
            plans=plans,
            total=sum(p.amount for p in plans),
            **identity.context(),
            **context,
        )
    try:
        for req in requests:
            await check_rate(request, "booking", req.nik)
        done = await family_booking.book_family(
            db,
            catalog,
            office_code,
            requests,
            policy=policy,
            now=now,
            locale=locale,
            billing=billing_of(request),
            billing_backoff_max_s=settings.billing_backoff_max_s,
            secret=settings.secret_key,
        )
    except DomainError as exc:
        # Nobody was booked: say who and why, keep everything typed, offer the way on.
        errors = {"form": error_message(exc, locale)}
        member = exc.extra.get("member")
        if exc.field and (exc.field.startswith("p") or exc.field in ("phone", "email")):
            errors[exc.field] = error_message(exc, locale)
        full = exc.code in ("family_quota_full", "quota_full")
        alternatives = (
            [{**a, "day": date.fromisoformat(a["date"])} for a in exc.extra.get("alternatives", [])]
            if full
            else None
        )
        return _details(
            request,
            identity,
            context,
            errors,
            exc.status,
            alternatives=alternatives,
            full=alternatives is not None,
            failed_member=member,
            error_code=exc.code,
        )
    sent = done[0].verification
    if sent is not None:  # pending (issue 21): the code goes to the contact, entered on the next page
        return RedirectResponse(f"/booking-verify/{sent.office_code}/{sent.code_id}", status_code=303)
    made = [d.booking_code for d in done]
    response = RedirectResponse("/booking-done", status_code=303)
    response.set_cookie(
        RECENT_COOKIE,
        recent_cookie(settings.secret_key, made),
        max_age=RECENT_TTL_S,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
    )
    return response


def _details(
    request: Request,
    identity: IdentityForm,
    context: dict[str, Any],
    errors: dict[str, str],
    status_code: int,
    **more: Any,
) -> Response:
    """The people form again, as typed, with every error and the summary that links to them."""
    return render(
        request,
        "applicant/details.html",
        status_code=status_code,
        errors=errors,
        **identity.context(),
        **context,
        **more,
    )


@router.post("/booking-check/nik", response_class=HTMLResponse)
async def check_nik(request: Request, now: NowDep, locale: LocaleDep) -> Response:
    """The inline NIK check (htmx): the NIK travels in the POST body, never in a URL or a log."""
    form = await request.form()
    index = str(form.get("index", "0"))
    raw = str(form.get(f"p{index}-nik", form.get("nik", "")))
    try:
        info = parse_nik(raw)
        born = info.likely_birth_date(now.date())
        error = None
    except DomainError as exc:
        info, born, error = None, None, translate(locale, exc.message, **exc.params)
    return render(
        request,
        "applicant/_nik_check.html",
        info=info,
        born=born,
        error=error,
        index=index,
        empty=not raw.strip(),
    )


@router.get("/booking-done", response_class=HTMLResponse)
@html_errors
async def confirmation(request: Request, db: DbDep, catalog: CatalogDep, settings: SettingsDep) -> Response:
    return await _confirmation(request, db, catalog, settings, print_view=False)


@router.get("/booking-done/print", response_class=HTMLResponse)
@html_errors
async def confirmation_print(
    request: Request, db: DbDep, catalog: CatalogDep, settings: SettingsDep
) -> Response:
    """The confirmation laid out for paper, reached by a plain link (works without JavaScript)."""
    return await _confirmation(request, db, catalog, settings, print_view=True)


async def _confirmation(
    request: Request, db: DbDep, catalog: Catalog, settings: SettingsDep, *, print_view: bool
) -> Response:
    codes = recent_codes(settings.secret_key, request.cookies.get(RECENT_COOKIE))
    found = await applicant_service.recent_bookings(db, codes)
    offices = {v.office_code: (await catalog.get(db, v.office_code)).office for v, _docs in found}
    return render(
        request,
        "applicant/done.html",
        bookings=found,
        offices=offices,
        total=sum(v.amount for v, _d in found if v.status == "awaiting_payment"),
        print_view=print_view,
    )


@router.get("/booking-qr/{code}.svg")
async def booking_qr(code: str) -> Response:
    """The booking code as a QR code (the code alone: it reveals nothing without the NIK)."""
    if office_of_booking_code(code) is None:
        raise NotFound("booking_not_found", "No booking matches this code and NIK", field="booking_code")
    buffer = io.BytesIO()
    segno.make(code, error="m", micro=False).save(buffer, kind="svg", scale=6, border=2, xmldecl=False)
    return Response(
        buffer.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"}
    )
