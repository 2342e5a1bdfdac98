"""Booking use cases: take a place, look it up, cancel it, move it once.

Each is one transaction (lock policy in store/booking_repo.py and docs/locking.md). The service
builds every row a booking writes (`new_booking`); `booking_repo.take_place` writes them, on
PostgreSQL as a single prepared statement (the hot path of a quota release, when thousands of
applicants press the button at once). A freed place is offered to the waiting list in the
freeing transaction, and the catalog's cached 'full' answers are forgotten once it commits.
"""

from __future__ import annotations

import logging
import time as monotonic_time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from loket.domain.ballot import check_bookable
from loket.domain.booking import (
    ACTIVE_STATUSES,
    BookingPlan,
    BookingPolicy,
    BookingRequest,
    Status,
    check_bookable_day,
    check_reschedulable,
    check_session,
    new_billing_code,
    new_booking_code,
    office_of_booking_code,
    pay_deadline,
    plan_booking,
)
from loket.domain.errors import Conflict, NotFound
from loket.domain.identity import mask_nik, nik_matches
from loket.services import contact_verification, notifications
from loket.services.audit import record
from loket.services.billing.codes import fetch_code
from loket.services.billing.provider import BillingProvider
from loket.services.booking_rows import new_booking
from loket.services.catalog import Catalog
from loket.services.contact_verification import CodeSent
from loket.services.expiry import expire_lapsed, hold_lapsed
from loket.services.quotas import availability, open_days
from loket.services.refunds import open_paid_cancellation_refund
from loket.services.waitlist_offers import place_freed
from loket.store import booking_repo
from loket.store.booking_repo import Outcome
from loket.store.database import Database, on_commit

log = logging.getLogger("loket.booking")
ATTEMPTS = 3
ALTERNATIVES = 5
ALTERNATIVES_TTL_S = 1.0
FULL_MEMORY_S = 0.5


# What the applicant is shown while the billing provider has not issued the code: not payable.
AWAITING_BILLING_CODE = "awaiting_billing_code"


def shown_status(status: str, billing_code: str | None) -> str:
    """The status an applicant sees: an unpaid booking without its code is not payable yet."""
    if status == Status.AWAITING_PAYMENT.value and billing_code is None:
        return AWAITING_BILLING_CODE
    return status


@dataclass(frozen=True)
class BookingConfirmation:
    booking_code: str
    billing_code: str | None
    amount: int
    pay_before: datetime
    status: str
    day: date
    session: str
    category: str
    office_code: str
    # Set while the booking is pending (issue 21): where the code went, and the handle to enter it.
    verification: CodeSent | None = None


# What a pending booking's requester is shown: a code was sent (the same for every attempt).
AWAITING_VERIFICATION = "awaiting_verification"


@dataclass(frozen=True)
class BookingView:
    """What the applicant (proving the NIK) may see of a booking."""

    booking_code: str
    office_code: str
    status: str
    day: date
    session: str
    category: str
    product: str
    validity_years: int
    service: str
    amount: int
    billing_code: str | None
    pay_before: datetime
    paid_at: datetime | None
    full_name: str
    nik_masked: str
    reschedules_left: int
    refund_due: int


def booking_view(row: Any) -> BookingView:
    """What the applicant, having proved the NIK, sees of a booking row."""
    return BookingView(
        booking_code=row.booking_code,
        office_code=row.office_code,
        status=shown_status(row.status, row.billing_code),
        day=row.day,
        session=row.starts.strftime("%H:%M"),
        category=row.category,
        product=row.product,
        validity_years=row.validity_years,
        service=row.service,
        amount=int(row.amount),
        billing_code=row.billing_code,
        pay_before=row.pay_before,
        paid_at=row.paid_at,
        full_name=row.full_name,
        nik_masked=mask_nik(row.nik),
        reschedules_left=max(0, 1 - row.reschedules),
        refund_due=int(row.refund_due),
    )


def confirmation(
    plan: BookingPlan, code: str, billing_code: str | None, verification: CodeSent | None = None
) -> BookingConfirmation:
    """What the applicant is told about a booking just made."""
    return BookingConfirmation(
        booking_code=code,
        billing_code=billing_code,
        amount=plan.amount,
        pay_before=verification.expires_at if verification is not None else plan.pay_before,
        status=(
            AWAITING_VERIFICATION
            if verification is not None
            else shown_status(Status.AWAITING_PAYMENT.value, billing_code)
        ),
        verification=verification,
        day=plan.day,
        session=plan.session.name,
        category=plan.category.value,
        office_code=plan.office_code,
    )


async def book_slot(
    db: Database,
    catalog: Catalog,
    office_code: str,
    request: BookingRequest,
    *,
    policy: BookingPolicy,
    now: datetime,
    locale: str = "id",
    billing: BillingProvider | None = None,
    billing_backoff_max_s: float = 300.0,
    secret: str = "",
) -> BookingConfirmation:
    """Take a place in the office's quota and issue a billing code; the place is held until `pay_before`.

    With `policy.verify_contact` the booking is pending: its place is taken, a code goes to its
    contact, and its NIK hold and billing code come when the code is entered
    (services/contact_verification.py; `secret` keys the code's hash).

    With an external `billing` provider the booking commits without its code, then asks the
    provider once (bounded by its timeout): a slow or down provider leaves the booking awaiting
    its code, which the worker fetches later (services/billing/codes.py)."""
    external = billing is not None and not billing.issues_locally
    ctx = await catalog.get(db, office_code)
    plan = plan_booking(request, ctx.office, ctx.calendar, ctx.fees, policy, now)
    check_bookable(ctx.releases.get(plan.day), ctx.office, now)  # scheduled release or ballot day
    await open_days(db, ctx, plan.day, plan.day)
    stale_checked = swept = False
    session_key = (plan.day, plan.session.starts, plan.category.value)
    if ctx.known_full(session_key, FULL_MEMORY_S):
        # Sold out a moment ago in this process: answer without a query. A place freed elsewhere
        # (cancellation, expiry) is bookable again within FULL_MEMORY_S and one re-check.
        raise _quota_full(await nearest_alternatives(db, catalog, plan, now))
    pending = policy.verify_contact
    for attempt in range(ATTEMPTS):
        code = new_booking_code(ctx.office.code)
        billing_code = None if external or pending else new_billing_code()
        new = new_booking(
            plan,
            code,
            billing_code,
            now,
            locale=locale,
            max_per_contact=policy.max_people_per_contact,
            max_per_address=policy.max_bookings_per_address,
            pending=pending,
        )
        result = await booking_repo.take_place(db, new)
        if result.outcome is not Outcome.FULL and result.outcome is not Outcome.RETRY:
            ctx.unmark_full(session_key)  # a place was there: whoever re-checked, others may try too
        if result.outcome is Outcome.RETRY:
            if attempt + 1 < ATTEMPTS:
                log.info("retrying booking after %s", type(result.error).__name__)
                continue
            assert result.error is not None
            raise result.error
        if result.booked and pending:
            # The code and its message in the next transaction: should it fail, the pending
            # booking simply lapses when the code would have (its pay_before).
            async with db.write() as conn:
                sent = await contact_verification.start_booking_code(
                    conn, [plan], [code], locale=locale, secret=secret, now=now, kk=[plan.kk]
                )
            return confirmation(plan, code, None, sent)
        if result.booked:
            if billing is not None and external:
                billing_code = await fetch_code(
                    db, billing, plan.office_code, code, now, backoff_max_s=billing_backoff_max_s
                )
            return confirmation(plan, code, billing_code)
        if result.outcome is Outcome.FULL:
            # Full, or full of lapsed holds the worker has not swept yet: sweep once and retry.
            if not swept:
                swept = True
                if ctx.sweep_due() and await expire_lapsed(db, now, plan.office_code):
                    continue
            ctx.mark_full(session_key, FULL_MEMORY_S)
            ctx.drop_alternative(plan.day.isoformat(), plan.session.name, plan.category.value)
            raise _quota_full(await nearest_alternatives(db, catalog, plan, now))
        if result.outcome is Outcome.NIK_HELD:
            if not stale_checked:
                stale_checked = True
                if await release_stale_hold(db, catalog, plan.nik, now):
                    continue
            raise Conflict("active_booking_exists", "This NIK already has an active booking", field="nik")
        assert result.outcome is Outcome.CONTACT_FULL, result
        if (result.failed_contact or "").startswith("addr:"):
            raise Conflict(
                "address_limit",
                "Too many people hold bookings made from this network address (at most %(max)d)",
                field=None,
                max=policy.max_bookings_per_address,
            )
        field = "email" if (result.failed_contact or "").startswith("mailto:") else "phone"
        raise Conflict(
            "contact_limit",
            "This contact has already booked for %(max)d people",
            field=field,
            max=policy.max_people_per_contact,
        )
    raise Conflict("busy", "Too many people are booking at this moment; please try again", field=None)


def _quota_full(alternatives: list[dict[str, Any]]) -> Conflict:
    return Conflict(
        "quota_full", "No places left in this session", field="session", extra={"alternatives": alternatives}
    )


async def nearest_alternatives(
    db: Database, catalog: Catalog, plan: BookingPlan, now: datetime
) -> list[dict[str, Any]]:
    """The nearest sessions (same category) that still have places, nearest day first."""
    ctx = await catalog.get(db, plan.office_code)
    key = (plan.day, plan.category.value)

    def cached() -> list[dict[str, Any]] | None:
        hit = ctx.alternatives.get(key)
        if hit is not None and monotonic_time.monotonic() - hit[0] < ALTERNATIVES_TTL_S:
            return hit[1]
        return None

    if (hit := cached()) is not None:
        return hit
    # Single-flight: when a session sells out, every later applicant asks the same question. One
    # of them recomputes the answer; while it does, the others get the last one (at most
    # ALTERNATIVES_TTL_S old plus one computation) rather than queueing behind it.
    lock = ctx.lock(("alternatives", key))
    previous = ctx.alternatives.get(key)
    if previous is not None and lock.locked():
        return previous[1]
    async with lock:
        if (hit := cached()) is not None:
            return hit
        first = plan.day - timedelta(days=14)
        last = plan.day + timedelta(days=14)
        window_end = ctx.office.local_today(now) + timedelta(days=31)
        _ctx, found = await availability(
            db, catalog, plan.office_code, first, min(last, window_end), plan.category.value, now
        )
        open_sessions = [a for a in found if a.left > 0]
        open_sessions.sort(key=lambda a: (abs((a.day - plan.day).days), a.day, a.session))
        answer = [
            {"date": a.day.isoformat(), "session": a.session, "category": a.category, "left": a.left}
            for a in open_sessions[:ALTERNATIVES]
        ]
        ctx.alternatives[key] = (monotonic_time.monotonic(), answer)
        return answer


async def release_stale_hold(db: Database, catalog: Catalog, nik: str, now: datetime) -> bool:
    """Free the NIK's hold when its booking is no longer active (lapsed, or its day has passed)."""
    async with db.read() as conn:
        hold = await booking_repo.hold_of(conn, nik)
    if hold is None:
        return True
    other = await catalog.get(db, hold.office_code)
    today = other.office.local_today(now)
    async with db.write() as conn:
        row = await booking_repo.booking_by_code(conn, hold.office_code, hold.booking_code, lock=True)
        if row is None or row.status not in ACTIVE_STATUSES:
            await booking_repo.drop_hold(conn, nik, hold.booking_code)
            return True
        if row.status == Status.AWAITING_PAYMENT.value and row.pay_before <= now:
            await booking_repo.release(conn, row, Status.EXPIRED, now, only_if_status=(row.status,))
            await hold_lapsed(conn, row, now)  # waiting list and 'hold lapsed' message (issue 5)
            await record(
                conn,
                office_code=row.office_code,
                actor="system",
                action="booking.expire",
                subject=row.booking_code,
                now=now,
            )
            return True
        if row.day < today:
            await booking_repo.release(conn, row, Status.NO_SHOW, now, only_if_status=(row.status,))
            await record(
                conn,
                office_code=row.office_code,
                actor="system",
                action="booking.no_show",
                subject=row.booking_code,
                now=now,
            )
            return True
    return False


def _office_of(code: str) -> str:
    office = office_of_booking_code(code.strip().upper()) if isinstance(code, str) else None
    if office is None:
        raise _not_found()
    return office


def _not_found() -> NotFound:
    # One answer for an unknown code and a wrong NIK: no way to probe which codes exist.
    return NotFound("booking_not_found", "No booking matches this code and NIK", field="booking_code")


async def booking_by_code(db: Database, office_code: str, code: str) -> BookingView:
    """A booking just confirmed, as its maker sees it (the code was proved, not the NIK)."""
    async with db.read() as conn:
        row = await booking_repo.booking_by_code(conn, office_code, code)
    if row is None:
        raise _not_found()
    return booking_view(row)


async def find_booking(db: Database, code: str, nik: str, now: datetime) -> BookingView:
    """The booking with this code, when the NIK is its holder's; one 404 for every mismatch."""
    office = _office_of(code)
    await expire_lapsed(db, now, office)
    async with db.read() as conn:
        row = await booking_repo.booking_by_code(conn, office, code.strip().upper())
    if row is None or not nik_matches(row.nik, nik):
        raise _not_found()
    return booking_view(row)


async def cancel_booking(db: Database, catalog: Catalog, code: str, nik: str, now: datetime) -> BookingView:
    """Cancel an active booking: the place returns to the pool at once; a paid fee becomes refundable."""
    office = _office_of(code)
    await expire_lapsed(db, now, office)
    async with db.write() as conn:
        row = await booking_repo.booking_by_code(conn, office, code.strip().upper(), lock=True)
        if row is None or not nik_matches(row.nik, nik):
            raise _not_found()
        if row.status not in ACTIVE_STATUSES:
            raise Conflict("booking_not_active", "This booking is no longer active", field="booking_code")
        refund = int(row.amount) if row.status == Status.PAID.value else 0
        await booking_repo.release(conn, row, Status.CANCELLED, now, refund_due=refund)
        if refund:
            await open_paid_cancellation_refund(conn, row, refund, now)
        # The freed place goes to the waiting list first, in this transaction (docs/locking.md).
        await place_freed(conn, office, row.day, row.starts, row.category, row.seat, now)
        await record(
            conn,
            office_code=office,
            actor="applicant",
            action="booking.cancel",
            subject=row.booking_code,
            detail={"refund_due": refund},
            now=now,
        )
        updated = await booking_repo.booking_by_code(conn, office, row.booking_code)
        await notifications.booking_cancelled(conn, updated, now)
        on_commit(conn, lambda: catalog.forget_alternatives(office))  # a place came back
    assert updated is not None
    return booking_view(updated)


async def reschedule_booking(
    db: Database,
    catalog: Catalog,
    code: str,
    nik: str,
    new_day: date,
    new_session: str,
    *,
    policy: BookingPolicy,
    now: datetime,
) -> BookingView:
    """Move a booking once, until H-1: the new place is taken and the old freed, or nothing changes."""
    office_code = _office_of(code)
    ctx = await catalog.get(db, office_code)
    day = check_bookable_day(ctx.office, ctx.calendar, new_day, now, policy.window_days)
    session = check_session(ctx.office, new_session)
    check_bookable(ctx.releases.get(day), ctx.office, now)
    await expire_lapsed(db, now, office_code)
    await open_days(db, ctx, day, day)
    async with db.write() as conn:
        row = await booking_repo.booking_by_code(conn, office_code, code.strip().upper(), lock=True)
        if row is None or not nik_matches(row.nik, nik):
            raise _not_found()
        check_reschedulable(row.status, row.reschedules, row.day, ctx.office, now)
        if (row.day, row.starts) == (day, session.starts):
            raise Conflict("same_session", "The booking is already for this session", field="session")
        seat = await booking_repo.claim_seat(
            conn, office_code, day, session.starts, row.category, row.booking_code
        )
        if seat is None:
            raise Conflict("quota_full", "No places left in this session", field="session")
        await booking_repo.move(conn, row, day, session.starts, seat, now)
        await place_freed(conn, office_code, row.day, row.starts, row.category, row.seat, now)
        if row.status == Status.AWAITING_PAYMENT.value:
            deadline = min(row.pay_before, pay_deadline(ctx.office, day, now, policy.hold_minutes))
            await booking_repo.set_pay_before(conn, row, deadline)
        await record(
            conn,
            office_code=office_code,
            actor="applicant",
            action="booking.reschedule",
            subject=row.booking_code,
            detail={
                "from": [row.day.isoformat(), row.starts.strftime("%H:%M")],
                "to": [day.isoformat(), session.name],
            },
            now=now,
        )
        updated = await booking_repo.booking_by_code(conn, office_code, row.booking_code)
        await notifications.booking_moved(conn, updated, row.reschedules + 1, now)
        on_commit(conn, lambda: catalog.forget_alternatives(office_code))  # the old place came back
    assert updated is not None
    return booking_view(updated)
