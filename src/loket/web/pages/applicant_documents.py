"""The applicant's documents before the visit (issue 20), reached by the signed status address
(`/status/s/CODE.SIGNATURE/documents`; the status page looked up with the NIK links to it): one
plain multipart form per checklist item, no JavaScript needed, the camera offered on phones."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from loket.domain.errors import DomainError, invalid
from loket.i18n import N_, translate
from loket.services import documents as documents_service
from loket.services.documents import BookingDocuments, DocumentLimits
from loket.web.deps import DbDep, LocaleDep, NowDep, SettingsDep
from loket.web.limits import check_rate
from loket.web.pages.applicant_common import html_errors, render
from loket.web.pages.applicant_status import _code_of, _live_url

router = APIRouter(include_in_schema=False)
TOO_BIG = N_("%(item)s: the file is larger than %(mb)s MB")


def _page(request: Request, docs: BookingDocuments, token: str, **extra: object) -> Response:
    status_code = int(str(extra.pop("status_code", 200)))
    return render(
        request,
        "applicant/documents.html",
        status_code=status_code,
        docs=docs,
        token=token,
        live_url=_live_url(request, docs.booking_code),
        max_mb=f"{request.app.state.settings.documents_max_file_bytes / 1024 / 1024:g}",
        **extra,
    )


@router.get("/status/s/{token}/documents", response_class=HTMLResponse)
@html_errors
async def documents_page(request: Request, token: str, db: DbDep) -> Response:
    docs = await documents_service.booking_documents(db, _code_of(request, token))
    return _page(request, docs, token, errors={}, saved=request.query_params.get("saved"))


@router.post("/status/s/{token}/documents", response_class=HTMLResponse)
@html_errors
async def documents_upload(
    request: Request, token: str, db: DbDep, now: NowDep, locale: LocaleDep, settings: SettingsDep
) -> Response:
    code = _code_of(request, token)
    await check_rate(request, "upload", code)
    form = await request.form()
    item_code = str(form.get("item", ""))
    docs = await documents_service.booking_documents(db, code)
    label = next((i.label for i in docs.checklist if i.code == item_code), item_code)
    upload = form.get("file")
    try:
        data = b""
        if isinstance(upload, UploadFile):
            # The body was bounded before it got here (web/body_limits.py); this is the file's own.
            data = await upload.read(settings.documents_max_file_bytes + 1)
        if len(data) > settings.documents_max_file_bytes:
            mb = f"{settings.documents_max_file_bytes / 1024 / 1024:g}"
            raise invalid("file", "document_too_large", TOO_BIG, item=label, mb=mb)
        limits = DocumentLimits(Path(settings.documents_dir), settings.documents_max_uploads)
        await documents_service.upload_document(db, code, item_code, data, limits=limits, now=now)
    except DomainError as exc:
        params = {**exc.params}
        if "item" in params:
            params["item"] = translate(locale, str(params["item"]))
        message = translate(locale, exc.message, **params)
        docs = await documents_service.booking_documents(db, code)
        status = 413 if exc.code == "document_too_large" else exc.status
        return _page(
            request, docs, token, errors={item_code or "form": message}, saved=None, status_code=status
        )
    # Post/redirect/get: a reload does not send the file again.
    return Response(status_code=303, headers={"Location": f"/status/s/{token}/documents?saved={item_code}"})
