"""The satisfaction survey (IKM): the public page behind the link sent after collection (reachable
only with its unguessable token, answerable once), and the supervisor's satisfaction report."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from loket.domain.errors import DomainError
from loket.domain.ikm import ELEMENTS
from loket.i18n import translate
from loket.services import survey as survey_service
from loket.web.auth import Supervisor
from loket.web.csrf import require_csrf
from loket.web.deps import CatalogDep, DbDep, LocaleDep, NowDep, SettingsDep
from loket.web.pages.home import render
from loket.web.pages.report_support import FromQ, ToQ, context, office_of, period

router = APIRouter(include_in_schema=False)


def _no_store(response: HTMLResponse) -> HTMLResponse:
    # The page's URL is the capability: keep it out of shared caches and referrers.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.get("/survey/{token}", response_class=HTMLResponse)
async def survey_form(
    token: str, request: Request, db: DbDep, now: NowDep, locale: LocaleDep, settings: SettingsDep
) -> HTMLResponse:
    """The survey behind its link (public; the token is the only key)."""
    try:
        invite = await survey_service.open_survey(db, token, now=now, valid_days=settings.survey_valid_days)
    except DomainError as exc:
        page = render(
            request, "reports/survey_done.html", locale, message=translate(locale, exc.message, **exc.params)
        )
        page.status_code = exc.status
        return _no_store(page)
    if invite.answered:
        return _no_store(render(request, "reports/survey_done.html", locale, message=None, answered=True))
    return _no_store(
        render(
            request,
            "reports/survey.html",
            locale,
            invite=invite,
            elements=ELEMENTS,
            token=token,
            chosen={},
            comment="",
            error=None,
        )
    )


# The link's token is the capability; the form still echoes the double-submit CSRF token like
# every public form (web/csrf.py), so no other site can post answers through a leaked link.
@router.post("/survey/{token}", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
async def survey_submit(
    token: str, request: Request, db: DbDep, now: NowDep, locale: LocaleDep, settings: SettingsDep
) -> HTMLResponse:
    """Store the answers once; an incomplete form comes back with what is missing."""
    form = await request.form()
    chosen = {e.key: str(form.get(e.key) or "") for e in ELEMENTS}
    comment = str(form.get("comment") or "")
    try:
        await survey_service.submit_survey(
            db,
            token,
            [chosen[e.key] or None for e in ELEMENTS],
            comment,
            now=now,
            locale=locale,
            valid_days=settings.survey_valid_days,
        )
    except DomainError as exc:
        if exc.code != "survey_incomplete":
            page = render(
                request,
                "reports/survey_done.html",
                locale,
                message=translate(locale, exc.message, **exc.params),
            )
            page.status_code = exc.status
            return _no_store(page)
        invite = await survey_service.open_survey(db, token, now=now, valid_days=settings.survey_valid_days)
        page = render(
            request,
            "reports/survey.html",
            locale,
            invite=invite,
            elements=ELEMENTS,
            token=token,
            chosen=chosen,
            comment=comment,
            error=translate(locale, exc.message, **exc.params),
            missing=exc.field,
        )
        page.status_code = 422
        return _no_store(page)
    return _no_store(render(request, "reports/survey_done.html", locale, message=None, answered=False))


@router.get("/offices/{code}/reports/satisfaction", response_class=HTMLResponse)
async def satisfaction_page(
    request: Request,
    staff: Supervisor,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
    first: FromQ = None,
    last: ToQ = None,
) -> HTMLResponse:
    """The IKM of a period: per element, per month, and the comments."""
    code = staff.office_code or ""
    office = await office_of(catalog, db, code)
    start, end = period(office, now, first, last, settings.report_max_days)
    report = await survey_service.ikm_between(db, code, start, end)
    return render(
        request,
        "reports/satisfaction.html",
        locale,
        staff=staff,
        ikm=report,
        element_rows=list(zip(ELEMENTS, report.result.elements, strict=True)) if report.result else [],
        **context(office, start, end),
    )
