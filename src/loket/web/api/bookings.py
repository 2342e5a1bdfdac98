"""Availability, booking, the applicant's self-service and the bank callback."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request

from loket.domain.msgid import N_
from loket.domain.payment import SIGNATURE_HEADER
from loket.formatting import local_datetime, long_date, rupiah
from loket.i18n import translate
from loket.services import booking as booking_service
from loket.services import payments as payment_service
from loket.services import quotas as quota_service
from loket.services.booking import BookingView
from loket.settings import booking_policy
from loket.web.api.openapi import PUBLIC_ERRORS, responses
from loket.web.api.schemas import (
    CATEGORIES,
    AvailabilityPublic,
    BookingCancel,
    BookingCreate,
    BookingDetailPublic,
    BookingLookup,
    BookingPublic,
    BookingReschedule,
    CodeSentPublic,
    DayAvailability,
    PaymentResultPublic,
    QuotaDayPublic,
    QuotaDayUpdate,
    QuotaTemplateUpdate,
    SessionLeft,
)
from loket.web.auth import Supervisor
from loket.web.booking_request import booking_request
from loket.web.dates import Day
from loket.web.deps import (
    BillingDep,
    CatalogDep,
    DbDep,
    LocaleDep,
    NowDep,
    SettingsDep,
    billing_of,
    catalog_of,
    db_of,
    now_of,
    request_locale,
    settings_of,
)
from loket.web.limits import check_rate
from loket.web.responses import JSONBytes

router = APIRouter(prefix="/api/v1", tags=["booking"])
SIGNED_ERRORS = responses(401, 404, 409, 422, 429, described={401: "Bad signature"})
AUTH_ERRORS = responses(401, 403, 404, 409, 422, 429)
# The signed routes read their raw bytes (the HMAC is over them), so FastAPI cannot see the body:
# it is declared here, as domain/payment.py::parse_callback reads it.
PAYMENT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["billing_code", "amount", "ntpn", "paid_at", "bank"],
                    "properties": {
                        "billing_code": {"type": "string", "pattern": "^[0-9]{15}$"},
                        "amount": {"type": "integer", "minimum": 1},
                        "ntpn": {"type": "string", "pattern": "^[A-Za-z0-9]{8,32}$"},
                        "paid_at": {"type": "string", "format": "date-time"},
                        "bank": {"type": "string", "minLength": 1},
                        "payer": {"type": "string", "minLength": 1, "maxLength": 64},
                    },
                }
            }
        },
    }
}


@router.get(
    "/offices/{code}/availability",
    response_model=AvailabilityPublic,
    responses=PUBLIC_ERRORS,
    summary="Capacity and places left per service day and session",
)
async def get_availability(
    code: str,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    from_: Annotated[Day | None, Query(alias="from", description="First day (YYYY-MM-DD)")] = None,
    to: Annotated[Day | None, Query(description="Last day (YYYY-MM-DD)")] = None,
    category: Annotated[
        str | None, Query(description="regular, priority or express", json_schema_extra=CATEGORIES)
    ] = None,
) -> AvailabilityPublic:
    first = from_ or now.date()
    last = to or first + timedelta(days=13)
    ctx, found = await quota_service.availability(db, catalog, code.upper(), first, last, category, now)
    by_day: dict[date, list[SessionLeft]] = defaultdict(list)
    for a in found:
        by_day[a.day].append(
            SessionLeft(session=a.session, category=a.category, capacity=a.capacity, left=a.left)
        )
    return AvailabilityPublic(
        office=ctx.office.code, days=[DayAvailability(date=d, sessions=s) for d, s in sorted(by_day.items())]
    )


@router.post(
    "/offices/{code}/bookings",
    status_code=201,
    response_model=BookingPublic,
    responses={
        **PUBLIC_ERRORS,
        202: {
            "model": CodeSentPublic,
            "description": "Pending: a code was sent to the contact (LOKET_VERIFY_CONTACT); enter it at "
            "`/api/v1/offices/{code}/verifications/{verification_id}`",
        },
    },
    summary="Take a place and get a billing code; pay before `pay_before`",
)
async def create_booking(code: str, body: BookingCreate, request: Request) -> JSONBytes:
    # The app's state read directly rather than through six dependencies: this is the hot path
    # of a quota release, and FastAPI's resolving of each costs more than reading it.
    db, catalog, settings = db_of(request), catalog_of(request), settings_of(request)
    now, locale, billing = now_of(request), request_locale(request), billing_of(request)
    await check_rate(request, "booking", body.nik)
    booking = await booking_service.book_slot(
        db,
        catalog,
        code.upper(),
        booking_request(body.model_dump(), day=body.date, client=request),
        policy=booking_policy(settings),
        now=now,
        billing=billing,
        billing_backoff_max_s=settings.billing_backoff_max_s,
        secret=settings.secret_key,
    )
    ctx = await catalog.get(db, booking.office_code)
    if booking.verification is not None:
        # Pending (issue 21): the same answer for every valid attempt, whoever holds the NIK.
        sent = booking.verification
        return JSONBytes(
            {
                "status": booking.status,
                "office": sent.office_code,
                "verification_id": sent.code_id,
                "sent_to": sent.sent_to,
                "expires_at": sent.expires_at.isoformat(),
                "expires_at_local": local_datetime(sent.expires_at, ctx.office.timezone, locale),
            },
            status_code=202,
        )
    # Built by hand: this is the hot path of a quota release (no response-model round trip).
    return JSONBytes(
        {
            "booking_code": booking.booking_code,
            "billing_code": booking.billing_code,
            "amount": booking.amount,
            "amount_label": rupiah(booking.amount),
            "pay_before": booking.pay_before.isoformat(),
            "pay_before_local": local_datetime(booking.pay_before, ctx.office.timezone, locale),
            "status": booking.status,
            "date": booking.day.isoformat(),
            "session": booking.session,
            "category": booking.category,
            "office": booking.office_code,
        },
        status_code=201,
    )


def detail(view: BookingView, locale: str) -> BookingDetailPublic:
    return BookingDetailPublic(
        booking_code=view.booking_code,
        office=view.office_code,
        status=view.status,
        date=view.day,
        date_label=long_date(view.day, locale),
        session=view.session,
        category=view.category,
        product=view.product,
        validity_years=view.validity_years,
        service=view.service,
        amount=view.amount,
        amount_label=rupiah(view.amount),
        billing_code=view.billing_code,
        pay_before=view.pay_before,
        paid_at=view.paid_at,
        full_name=view.full_name,
        nik=view.nik_masked,
        reschedules_left=view.reschedules_left,
        refund_due=view.refund_due,
    )


@router.post(
    "/bookings/lookup",
    response_model=BookingDetailPublic,
    responses=PUBLIC_ERRORS,
    summary="A booking, by its code and the holder's NIK (the NIK stays out of URLs)",
)
async def lookup_booking(
    body: BookingLookup, request: Request, db: DbDep, now: NowDep, locale: LocaleDep
) -> BookingDetailPublic:
    await check_rate(request, "lookup", body.booking_code)
    return detail(await booking_service.find_booking(db, body.booking_code, body.nik, now), locale)


@router.post(
    "/bookings/{booking_code}/cancel",
    response_model=BookingDetailPublic,
    responses=PUBLIC_ERRORS,
    summary="Cancel a booking; its place returns to the pool at once",
)
async def cancel_booking(
    booking_code: str,
    body: BookingCancel,
    request: Request,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    locale: LocaleDep,
) -> BookingDetailPublic:
    await check_rate(request, "lookup", booking_code)
    view = await booking_service.cancel_booking(db, catalog, booking_code, body.nik, now)
    return detail(view, locale)


@router.post(
    "/bookings/{booking_code}/reschedule",
    response_model=BookingDetailPublic,
    responses=PUBLIC_ERRORS,
    summary="Move a booking to another date or session, once, until the day before",
)
async def reschedule_booking(
    booking_code: str,
    body: BookingReschedule,
    request: Request,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
) -> BookingDetailPublic:
    await check_rate(request, "lookup", booking_code)
    view = await booking_service.reschedule_booking(
        db,
        catalog,
        booking_code,
        body.nik,
        body.date,
        body.session,
        policy=booking_policy(settings),
        now=now,
    )
    return detail(view, locale)


@router.post(
    "/payments/bank-callback",
    response_model=PaymentResultPublic,
    responses=SIGNED_ERRORS,
    openapi_extra=PAYMENT_BODY,
    summary="The bank confirms a payment (HMAC-SHA256 of the raw body in X-Loket-Signature)",
)
async def bank_callback(
    request: Request,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    locale: LocaleDep,
    signature: Annotated[str | None, Header(alias=SIGNATURE_HEADER)] = None,
) -> JSONBytes:
    result = await payment_service.receive_bank_callback(
        db, await request.body(), signature, now=now, catalog=catalog
    )
    return payment_answer(result, locale)


@router.post(
    "/payments/billing-notification",
    response_model=PaymentResultPublic,
    responses=SIGNED_ERRORS,
    openapi_extra=PAYMENT_BODY,
    summary="The billing provider reports a payment (HMAC-SHA256 of the raw body in X-Loket-Signature)",
)
async def billing_notification(
    request: Request,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    locale: LocaleDep,
    billing: BillingDep,
    signature: Annotated[str | None, Header(alias=SIGNATURE_HEADER)] = None,
) -> JSONBytes:
    result = await payment_service.receive_billing_notification(
        db, billing, await request.body(), signature, now=now, catalog=catalog
    )
    return payment_answer(result, locale)


def payment_answer(result: payment_service.PaymentResult, locale: str) -> JSONBytes:
    """200 with the outcome; 409 for an amount that does not match (recorded, owed back)."""
    body = {
        "outcome": result.outcome,
        "booking_code": result.booking_code,
        "booking_status": result.booking_status,
        "refund_due": result.refund_due,
        "replayed": result.replayed,
    }
    if result.outcome == payment_service.NTPN_REUSED:
        # Recorded for finance, nothing applied: the NTPN already paid another billing.
        message = translate(locale, "This NTPN already paid another billing; the payment was not applied")
        refused = {"error": "ntpn_reused", "field": "ntpn", "message": message, **body}
        return JSONBytes(refused, status_code=409)
    if result.outcome == "amount_mismatch":
        # Recorded (the money is owed back) but refused.
        return JSONBytes(
            {
                "error": "amount_mismatch",
                "field": "amount",
                "message": translate(locale, N_("The amount does not match the billing")),
                **body,
            },
            status_code=409,
        )
    return JSONBytes(body, status_code=200)


@router.put(
    "/offices/{code}/quotas/{day}",
    response_model=QuotaDayPublic,
    responses=AUTH_ERRORS,
    summary="Supervisor: set one day's capacity for a category, spread over the sessions",
)
async def put_day_quota(
    code: str,
    day: Day,
    body: QuotaDayUpdate,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    staff: Supervisor,
) -> QuotaDayPublic:
    alloc = await quota_service.set_day_capacity(
        db, catalog, code.upper(), day, body.category, body.capacity, actor=staff.username, now=now
    )
    # The answer shows this very write: read the primary, not the replica.
    ctx, found = await quota_service.availability(
        db, catalog, code.upper(), day, day, body.category, now, may_lag=False
    )
    return QuotaDayPublic(
        office=ctx.office.code,
        date=day,
        category=body.category,
        capacity=sum(alloc),
        sessions=[
            SessionLeft(session=a.session, category=a.category, capacity=a.capacity, left=a.left)
            for a in found
        ],
    )


@router.put(
    "/offices/{code}/quota-template",
    status_code=204,
    responses=AUTH_ERRORS,
    summary="Supervisor: set a weekday's daily capacity in the weekly template",
)
async def put_quota_template(
    code: str,
    body: QuotaTemplateUpdate,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    staff: Supervisor,
) -> None:
    await quota_service.set_template(
        db,
        code.upper(),
        body.weekday,
        body.category,
        body.capacity,
        actor=staff.username,
        now=now,
        catalog=catalog,
    )
