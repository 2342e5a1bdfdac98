"""The revenue (PNBP) reconciliation page: import a bank statement, see what matches and what does
not, with totals that add up; download it as XLSX, CSV or JSON. Supervisors of the office only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from loket.domain.errors import DomainError, invalid
from loket.domain.office import Office
from loket.domain.reconciliation import Kind
from loket.domain.statements import CSV_MAPPINGS
from loket.domain.statements import FORMATS as STATEMENT_FORMATS
from loket.i18n import N_, translate
from loket.reports.labels import KINDS, NOTES
from loket.reports.render import reconciliation_file
from loket.services import reconciliation as reconciliation_service
from loket.services import refunds as refund_service
from loket.services.catalog import Catalog
from loket.web.auth import Staff, Supervisor
from loket.web.deps import CatalogDep, DbDep, LocaleDep, NowDep, SettingsDep
from loket.web.pages.home import render
from loket.web.pages.report_support import FromQ, ToQ, context, download, office_of, period

router = APIRouter(include_in_schema=False)
MAX_STATEMENT_BYTES = 5 * 1024 * 1024
REVENUE_FORMATS = ("xlsx", "csv", "json")


async def _page(
    request: Request,
    staff: Staff,
    db: Any,
    catalog: Catalog,
    now: datetime,
    locale: str,
    max_days: int,
    first: date | None,
    last: date | None,
    **extra: Any,
) -> HTMLResponse:
    code = staff.office_code or ""
    office = await office_of(catalog, db, code)
    start, end = period(office, now, first, last, max_days)
    rec = await reconciliation_service.reconciliation(db, code, start, end)
    days = await refund_service.net_revenue(db, code, start, end, max_days=max_days)
    open_refunds = [r for r in await refund_service.refunds(db, code) if r.status in ("due", "approved")]
    return render(
        request,
        "reports/revenue.html",
        locale,
        staff=staff,
        rec=rec,
        totals=rec.totals(),
        kinds=list(Kind),
        kind_labels=KINDS,
        note_labels=NOTES,
        statements=await reconciliation_service.statements(db, code),
        days=days,
        open_refunds=open_refunds,
        csv_banks=sorted(CSV_MAPPINGS),
        **context(office, start, end, **extra),
    )


@router.get("/offices/{code}/reports/revenue", response_class=HTMLResponse)
async def revenue_page(
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
    """The PNBP reconciliation of a period and the statement upload."""
    max_days = settings.report_max_days
    return await _page(
        request, staff, db, catalog, now, locale, max_days, first, last, error=None, imported=None
    )


@router.post("/offices/{code}/reports/revenue/statement", response_class=HTMLResponse)
async def upload_statement(
    request: Request,
    staff: Supervisor,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
) -> HTMLResponse:
    """Import a bank statement (CSV upload); a bad line is shown with its number, and nothing is kept."""
    form = await request.form()
    upload = form.get("statement")
    error = imported = None
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise invalid("statement", "statement_missing", "Choose the bank statement file (CSV)")
        raw = await upload.read(MAX_STATEMENT_BYTES + 1)
        if len(raw) > MAX_STATEMENT_BYTES:
            raise invalid("statement", "statement_too_large", "The statement file is larger than 5 MB")
        fmt = str(form.get("format") or "loket")
        bank = str(form.get("bank") or "").strip().upper()
        if fmt not in STATEMENT_FORMATS:
            raise invalid("format", "statement_format", "Choose the statement's format")
        if fmt == "loket":
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise invalid("statement", "statement_encoding", "Save the statement as UTF-8 CSV") from exc
            imported = await reconciliation_service.import_statement(
                db, staff.office_code or "", text, filename=upload.filename, actor=staff.username, now=now
            )
        else:
            if not bank:
                raise invalid("bank", "statement_bank", "Say which bank's statement it is")
            imported = await reconciliation_service.import_bank_statement(
                db,
                staff.office_code or "",
                raw,
                fmt=fmt,
                bank=bank,
                filename=upload.filename,
                actor=staff.username,
                now=now,
            )
    except DomainError as exc:
        if exc.status in (401, 403):
            raise
        error = translate(locale, exc.message, **exc.params)
    first = imported.first if imported else None
    last = imported.last if imported else None
    max_days = settings.report_max_days
    page = await _page(
        request, staff, db, catalog, now, locale, max_days, first, last, error=error, imported=imported
    )
    if error:
        page.status_code = 422
    return page


@router.post("/offices/{code}/reports/revenue/refunds/{refund_id}", response_class=HTMLResponse)
async def refund_step(
    request: Request,
    refund_id: str,
    staff: Supervisor,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
) -> Response:
    """A supervisor's step on a refund (approve, reject with a note, paid with the bank's reference)."""
    form = await request.form()
    action = str(form.get("action") or "")
    office_code = staff.office_code or ""
    try:
        if action in ("approve", "reject"):
            await refund_service.decide_refund(
                db,
                office_code,
                refund_id,
                approve=action == "approve",
                note=str(form.get("note") or ""),
                actor=staff.username,
                now=now,
            )
        elif action == "paid":
            await refund_service.mark_refund_paid(
                db,
                office_code,
                refund_id,
                bank_reference=str(form.get("bank_reference") or ""),
                actor=staff.username,
                now=now,
            )
        else:
            raise invalid("action", "refund_action", "Choose approve, reject or paid")
    except DomainError as exc:
        if exc.status in (401, 403):
            raise
        page = await _page(
            request,
            staff,
            db,
            catalog,
            now,
            locale,
            settings.report_max_days,
            None,
            None,
            error=translate(locale, exc.message, **exc.params),
            imported=None,
        )
        page.status_code = 422 if exc.status == 422 else exc.status
        return page
    return RedirectResponse(f"/offices/{office_code}/reports/revenue#h-refunds", status_code=303)


@router.get("/offices/{code}/reports/revenue/download")
async def revenue_download(
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
    """The reconciliation as a file: xlsx, csv or json."""

    async def make(office: Office, start: date, end: date, fmt: str) -> Callable[[], bytes]:
        rec = await reconciliation_service.reconciliation(db, office.code, start, end)
        title = translate(locale, N_("Revenue reconciliation (PNBP)")) + f": {office.name}"
        return partial(reconciliation_file, rec, fmt, locale, title=title, zone=office.timezone)

    return await download(
        request,
        catalog,
        db,
        staff.office_code or "",
        now,
        (first, last),
        max_days=settings.report_max_days,
        fmt=format,
        formats=REVENUE_FORMATS,
        stem="rekonsiliasi-pnbp",
        make=make,
    )
