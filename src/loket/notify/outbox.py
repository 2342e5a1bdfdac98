"""The outbox rows: one message per channel, queued inside the transaction of the event it tells about.

Pure: these functions build rows; the service that owns the transaction hands them to
`store/outbox_repo.py` (or, for a new booking, to `store/booking_repo.take_place`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from loket.domain.booking import BookingPlan
from loket.domain.notification import Channel, Delivery, Event, channels_for, idempotency_key
from loket.store.ids import new_id


def outbox_rows(
    *,
    office_code: str,
    event: Event,
    subject: str,
    phone: str | None,
    email: str | None,
    locale: str,
    params: dict[str, Any],
    now: datetime,
    occasion: str = "",
) -> list[dict[str, Any]]:
    """The rows that tell one event to one person, one per channel."""
    return [
        {
            "office_code": office_code,
            "id": new_id(),
            "idempotency_key": idempotency_key(event, subject, channel, occasion),
            "event": event.value,
            "subject": subject,
            "channel": channel.value,
            "recipient": recipient,
            "locale": locale,
            "params": params,
            "status": Delivery.PENDING.value,
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": None,
            "created_at": now,
            "sent_at": None,
        }
        for channel, recipient in channels_for(phone, email)
    ]


def booking_made_rows(
    plan: BookingPlan, code: str, billing: str, now: datetime, locale: str
) -> list[dict[str, Any]]:
    """The 'booking made' messages of a new booking (written with the booking, in its statement)."""
    params = {
        "code": code,
        "office": plan.office_code,
        "date": plan.day.isoformat(),
        "session": plan.session.name,
        "service": plan.service.value,
        "amount": plan.amount,
        "billing": billing,
        "deadline": plan.pay_before.isoformat(),
    }
    return outbox_rows(
        office_code=plan.office_code,
        event=Event.BOOKING_MADE,
        subject=code,
        phone=plan.phone,
        email=plan.email,
        locale=locale,
        params=params,
        now=now,
    )


__all__ = ["Channel", "booking_made_rows", "outbox_rows"]
