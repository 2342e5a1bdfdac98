"""Supervisor report pages: the dashboard (today at a glance) and the service report with its
charts and downloads (XLSX, PDF, CSV, JSON). The revenue and satisfaction pages and the public
survey live beside this module; their routers are included here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from loket.domain.errors import DomainError
from loket.domain.office import Office
from loket.domain.service_report import ServiceReport
from loket.i18n import translate
from loket.reports import charts
from loket.reports.render import FORMATS, service_report_file
from loket.reports.tables import formatted, service_sections
from loket.services import dashboard as dashboard_service
from loket.services.reports import build_service_report
from loket.settings import Settings
from loket.store.database import Database
from loket.web.auth import Supervisor
from loket.web.deps import CatalogDep, DbDep, LocaleDep, NowDep, SettingsDep
from loket.web.pages import reports_revenue, survey
from loket.web.pages.home import render
from loket.web.pages.report_support import (
    FromQ,
    ToQ,
    cache_of,
    context,
    download,
    month_bounds,
    office_of,
    period,
)

router = APIRouter(include_in_schema=False)
router.include_router(reports_revenue.router)
router.include_router(survey.router)


@router.get("/offices/{code}/dashboard", response_class=HTMLResponse)
async def dashboard(
    request: Request,
    staff: Supervisor,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
) -> HTMLResponse:
    """Today at a glance, each figure a link to its report."""
    code = staff.office_code or ""
    figures = await dashboard_service.today(db, code, now, settings.holiday_country)
    month_first, _month_last = month_bounds(figures.day)
    return render(
        request,
        "reports/dashboard.html",
        locale,
        staff=staff,
        office=await office_of(catalog, db, code),
        t=figures,
        today_query=f"from={figures.day}&to={figures.day}",
        month_query=f"from={month_first}&to={figures.day}",
    )


async def _service(
    request: Request, db: Database, code: str, first: date, last: date, now: object, settings: Settings
) -> ServiceReport:
    async def compute() -> ServiceReport:
        return await build_service_report(
            db,
            code,
            first,
            last,
            now=now,  # type: ignore[arg-type]
            country=settings.holiday_country,
            max_days=settings.report_max_days,
        )

    return await cache_of(request).get(("service", code, first, last), compute)


@router.get("/offices/{code}/reports/service", response_class=HTMLResponse)
async def service_page(
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
    """The service report of a period, with its charts and downloads."""
    code = staff.office_code or ""
    office = await office_of(catalog, db, code)
    try:
        start, end = period(office, now, first, last, settings.report_max_days)
        report = await _service(request, db, code, start, end, now, settings)
    except DomainError as exc:
        if exc.status in (401, 403):
            raise
        page = render(
            request,
            "reports/service.html",
            locale,
            staff=staff,
            report=None,
            error=translate(locale, exc.message, **exc.params),
            **context(office, first or office.local_today(now), last or office.local_today(now)),
        )
        page.status_code = exc.status
        return page
    sections = {s.key: s for s in service_sections(report, locale)}
    return render(
        request,
        "reports/service.html",
        locale,
        staff=staff,
        report=report,
        sections=sections,
        fmt=lambda cell: formatted(cell, locale),
        error=None,
        **context(office, start, end),
    )


@router.get("/offices/{code}/reports/service/download")
async def service_download(
    request: Request,
    staff: Supervisor,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
    first: FromQ = None,
    last: ToQ = None,
    format: str = "xlsx",
) -> Response:
    """The service report as a file: xlsx, pdf, csv or json."""

    async def make(office: Office, start: date, end: date, fmt: str) -> Callable[[], bytes]:
        report = await _service(request, db, office.code, start, end, now, settings)
        return partial(service_report_file, report, fmt, locale)

    return await download(
        request,
        catalog,
        db,
        staff.office_code or "",
        now,
        (first, last),
        max_days=settings.report_max_days,
        fmt=format,
        formats=FORMATS,
        stem="laporan-layanan",
        make=make,
    )


@router.get("/offices/{code}/reports/service/chart")
async def service_chart(
    request: Request,
    staff: Supervisor,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
    kind: Literal["daily", "stages", "sla", "ikm"] = "daily",
    fmt: Literal["svg", "png"] = "svg",
    first: FromQ = None,
    last: ToQ = None,
) -> Response:
    """One chart of the service report (server-side matplotlib)."""
    code = staff.office_code or ""
    start, end = period(await office_of(catalog, db, code), now, first, last, settings.report_max_days)
    report = await _service(request, db, code, start, end, now, settings)
    if kind == "ikm":
        if report.ikm is None:
            return Response(status_code=404)
        work = partial(charts.ikm_chart, report.ikm, locale, fmt=fmt)
    else:
        draw = {"daily": charts.daily_chart, "stages": charts.stages_chart, "sla": charts.sla_chart}[kind]
        work = partial(draw, report, locale, fmt=fmt)
    body = await cache_of(request).render(work)
    media = "image/svg+xml" if fmt == "svg" else "image/png"
    return Response(body, media_type=media, headers={"Cache-Control": "private, max-age=60"})
