"""Entering a contact's one-time code, and the real holder releasing a booking made with their NIK
(issue 21; services/contact_verification.py, docs/security.md "NIK squatting")."""

from __future__ import annotations

from fastapi import APIRouter, Request

from loket.domain.msgid import N_
from loket.formatting import local_datetime, rupiah
from loket.i18n import translate
from loket.services import booking as booking_service
from loket.services import contact_verification as verification
from loket.settings import booking_policy
from loket.web.api.openapi import PUBLIC_ERRORS
from loket.web.api.schemas import (
    CodeEntry,
    CodeSentPublic,
    EntryVerifiedPublic,
    NikReleaseCreate,
    NikReleasePublic,
    VerifiedPublic,
)
from loket.web.client import client_ip
from loket.web.deps import BillingDep, CatalogDep, DbDep, LocaleDep, NowDep, SettingsDep
from loket.web.limits import check_rate
from loket.web.responses import JSONBytes

router = APIRouter(prefix="/api/v1", tags=["booking"])

# One answer for a release claim, whether or not a booking was found and released.
RELEASE_DONE = N_(
    "If a booking held your NIK without your family card, it is released and its maker's contact "
    "is reported. You can book now."
)


@router.post(
    "/offices/{code}/verifications/{verification_id}",
    response_model=VerifiedPublic,
    responses=PUBLIC_ERRORS,
    summary="Enter the code sent to the contact: the pending bookings are confirmed with their billing codes",
)
async def enter_code(
    code: str,
    verification_id: str,
    body: CodeEntry,
    request: Request,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
    billing: BillingDep,
) -> VerifiedPublic:
    await check_rate(request, "lookup", verification_id)
    office = code.upper()
    done = await verification.verify_booking(
        db,
        catalog,
        office,
        verification_id,
        body.code,
        policy=booking_policy(settings),
        secret=settings.secret_key,
        now=now,
        billing=billing,
        billing_backoff_max_s=settings.billing_backoff_max_s,
    )
    ctx = await catalog.get(db, office)
    shown = []
    for item in done:
        view = await booking_service.booking_by_code(db, office, item.booking_code)
        shown.append(
            {
                "booking_code": view.booking_code,
                "billing_code": view.billing_code,
                "amount": view.amount,
                "amount_label": rupiah(view.amount),
                "pay_before": view.pay_before,
                "pay_before_local": local_datetime(view.pay_before, ctx.office.timezone, locale),
                "status": view.status,
                "date": view.day,
                "session": view.session,
                "category": view.category,
                "office": view.office_code,
            }
        )
    return VerifiedPublic.model_validate({"bookings": shown})


@router.post(
    "/offices/{code}/entry-verifications/{verification_id}",
    response_model=EntryVerifiedPublic,
    responses=PUBLIC_ERRORS,
    summary="Enter the code sent to a waiting-list or ballot entry's contact: the entry counts",
)
async def enter_entry_code(
    code: str,
    verification_id: str,
    body: CodeEntry,
    request: Request,
    db: DbDep,
    now: NowDep,
    settings: SettingsDep,
) -> EntryVerifiedPublic:
    await check_rate(request, "lookup", verification_id)
    entry_code = await verification.verify_entry(
        db, code.upper(), verification_id, body.code, secret=settings.secret_key, now=now
    )
    return EntryVerifiedPublic(entry_code=entry_code)


@router.post(
    "/offices/{code}/nik-releases",
    status_code=202,
    response_model=CodeSentPublic,
    responses=PUBLIC_ERRORS,
    summary="The NIK's holder asks to release a booking someone else made with it: a code to their contact",
)
async def start_release(
    code: str,
    body: NikReleaseCreate,
    request: Request,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
) -> JSONBytes:
    await check_rate(request, "lookup", body.nik)
    await catalog.get(db, code.upper())  # an unknown office is a 404 before any field is judged
    sent = await verification.start_release(
        db,
        catalog,
        code.upper(),
        body.nik,
        body.kk,
        body.phone,
        body.email,
        locale=locale,
        secret=settings.secret_key,
        now=now,
        client_ip=client_ip(request),
    )
    ctx = await catalog.get(db, sent.office_code)
    return JSONBytes(
        {
            "status": "awaiting_verification",
            "office": sent.office_code,
            "verification_id": sent.code_id,
            "sent_to": sent.sent_to,
            "expires_at": sent.expires_at.isoformat(),
            "expires_at_local": local_datetime(sent.expires_at, ctx.office.timezone, locale),
        },
        status_code=202,
    )


@router.post(
    "/offices/{code}/nik-releases/{verification_id}",
    response_model=NikReleasePublic,
    responses=PUBLIC_ERRORS,
    summary="Enter the release claim's code; the same answer whether or not a booking was released",
)
async def finish_release(
    code: str,
    verification_id: str,
    body: CodeEntry,
    request: Request,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
) -> NikReleasePublic:
    await check_rate(request, "lookup", verification_id)
    await verification.verify_release(
        db, catalog, code.upper(), verification_id, body.code, secret=settings.secret_key, now=now
    )
    return NikReleasePublic(outcome="done", message=translate(locale, RELEASE_DONE))
