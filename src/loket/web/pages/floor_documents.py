"""The intake counter's view of the documents an applicant uploaded (issue 20): thumbnails beside
the checklist, each opened full size, verified against the original or rejected with a reason.
Only officers of the booking's office: the `Officer` dependency answers 403 to anyone else, and the
service reads the rows by that office only.

Files are served as Loket re-encoded them: our content type and a name we make, never what the
upload said it was (the security middleware adds `nosniff` and `default-src 'none'` to every
answer that is not a page)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from loket.domain.errors import DomainError, NotFound
from loket.i18n import translate
from loket.services import documents as documents_service
from loket.web.auth import Officer
from loket.web.deps import DbDep, LocaleDep, NowDep, SettingsDep, catalog_of
from loket.web.pages.home import render

router = APIRouter(include_in_schema=False)
BASE = "/offices/{code}/floor/documents/{booking_code}"


async def _page(
    request: Request, staff: Officer, db: DbDep, locale: str, booking_code: str, error: str | None = None
) -> HTMLResponse:
    office = (await catalog_of(request).get(db, staff.office_code or "")).office
    docs = await documents_service.booking_documents(db, booking_code, staff.office_code)
    response = render(
        request,
        "floor/documents.html",
        locale,
        staff=staff,
        office=office,
        docs=docs,
        base=f"/offices/{office.code}/floor/documents/{booking_code}",
        error=error,
    )
    if error:
        response.status_code = 422
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get(BASE, response_class=HTMLResponse)
async def documents(
    booking_code: str, request: Request, staff: Officer, db: DbDep, locale: LocaleDep
) -> HTMLResponse:
    return await _page(request, staff, db, locale, booking_code.upper())


@router.get(BASE + "/{item}", response_class=Response)
async def document_file(
    booking_code: str,
    item: str,
    request: Request,
    staff: Officer,
    db: DbDep,
    now: NowDep,
    settings: SettingsDep,
    thumb: int = 0,
) -> Response:
    served = await documents_service.open_document(
        db,
        staff.office_code or "",
        booking_code.upper(),
        item,
        root=Path(settings.documents_dir),
        actor=staff.username,
        now=now,
        thumbnail=bool(thumb),
    )
    return Response(
        served.data,
        media_type=served.kind.value,
        headers={
            "Content-Disposition": f'inline; filename="{served.name}"',
            "Cache-Control": "private, no-store",
        },
    )


@router.post(BASE + "/{item}/{decision}", response_class=HTMLResponse)
async def decide(
    booking_code: str,
    item: str,
    decision: str,
    request: Request,
    staff: Officer,
    db: DbDep,
    now: NowDep,
    locale: LocaleDep,
) -> Response:
    code = booking_code.upper()
    form = await request.form()
    try:
        if decision not in ("verify", "reject"):
            raise NotFound("not_found", "Not found", field="decision")
        await documents_service.decide_document(
            db,
            staff.office_code or "",
            code,
            item,
            verified=decision == "verify",
            reason=str(form.get("reason", "")),
            officer=staff.username,
            now=now,
        )
    except DomainError as exc:
        if exc.status in (401, 403):
            raise
        return await _page(request, staff, db, locale, code, translate(locale, exc.message, **exc.params))
    return RedirectResponse(
        f"/offices/{staff.office_code}/floor/documents/{code}#doc-{item}", status_code=303
    )
