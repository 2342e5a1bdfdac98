"""What a new booking writes, built from its plan: the booking, its billing, audit entry and messages.

Pure: the rows go to `store/booking_repo` (`take_place`, `take_place_in`, `write_booking`), which
claims the place and writes them. Used by booking, accepting a waiting-list offer and the ballot draw.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from loket.domain.booking import BookingPlan, Status
from loket.domain.contact_code import expires_at
from loket.notify.outbox import booking_made_rows
from loket.services.audit import audit_row
from loket.store.booking_repo import NewBooking


def limits_of(plan: BookingPlan, max_per_contact: int, max_per_address: int = 0) -> dict[str, int]:
    """Each counter key of the plan with its limit (the address only when it is limited)."""
    found = dict.fromkeys(plan.contacts, max_per_contact)
    if plan.address_key and max_per_address:
        found[plan.address_key] = max_per_address
    return found


def new_booking(
    plan: BookingPlan,
    code: str,
    billing_code: str | None,
    now: datetime,
    *,
    locale: str,
    max_per_contact: int,
    max_per_address: int = 0,
    actor: str = "applicant",
    audit_detail: dict[str, Any] | None = None,
    pending: bool = False,
) -> NewBooking:
    """Every row a new booking writes: the booking (awaiting payment), billing, audit entry, messages.

    With `billing_code` None the billing provider issues the code after the booking commits: the
    booking gets a `billing_requests` row instead of its billing, and its 'booking made' message
    waits for the code (services/billing/codes.py).

    A `pending` booking (its contact not verified yet, issue 21) has no billing and no message:
    both come when the code is entered (services/contact_verification.py); until then it is held
    only as long as the code lives, so the expiry sweep releases an unverified one."""
    if pending:
        billing_code = None
    limits = limits_of(plan, max_per_contact, max_per_address)
    booking = {
        "office_code": plan.office_code,
        "booking_code": code,
        "nik": plan.nik,
        "full_name": plan.full_name,
        "birth_date": plan.birth_date,
        "sex": plan.sex.value,
        "phone": plan.phone,
        "email": plan.email,
        "day": plan.day,
        "starts": plan.session.starts,
        "category": plan.category.value,
        "seat": None,  # the place the repository claims
        "product": plan.product.value,
        "validity_years": plan.validity_years,
        "service": plan.service.value,
        "priority_reason": plan.priority_reason.value if plan.priority_reason else None,
        "amount": plan.amount,
        "billing_code": billing_code,
        "status": Status.AWAITING_PAYMENT.value,
        "pay_before": min(plan.pay_before, expires_at(now)) if pending else plan.pay_before,
        "created_at": now,
        "updated_at": now,
        "paid_at": None,
        "reschedules": 0,
        "refund_due": 0,
        "client_ip": plan.client_ip,
        "client_fp": plan.client_fp,
        # Released bookings give back the address count only when it was taken.
        "address_key": plan.address_key if plan.address_key in limits else None,
    }
    billing = (
        {
            "billing_code": billing_code,
            "office_code": plan.office_code,
            "booking_code": code,
            "amount": plan.amount,
            "created_at": now,
        }
        if billing_code is not None
        else None
    )
    request = (
        None
        if billing_code is not None or pending
        else {  # every column: PostgreSQL's single statement fills unnamed ones with NULL
            "office_code": plan.office_code,
            "booking_code": code,
            "provider": "http",
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": None,
            "locale": locale,
            "created_at": now,
            "issued_at": None,
        }
    )
    audit = audit_row(
        office_code=plan.office_code,
        actor=actor,
        action="booking.create",
        subject=code,
        detail={
            "day": plan.day.isoformat(),
            "session": plan.session.name,
            "category": plan.category.value,
            "billing_code": billing_code,
            "amount": plan.amount,
            **(audit_detail or {}),
            **({"pending": True} if pending else {}),
        },
        now=now,
    )
    outbox = booking_made_rows(plan, code, billing_code, now, locale) if billing_code is not None else []
    return NewBooking(booking, billing, audit, outbox, limits, request, pending=pending)
