"""What each event tells, and to whom: the outbox rows of a message about a booking or an offer.

Pure: the rows are queued by `services/notifications.py` inside the transaction of the event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from loket.domain.notification import Event
from loket.notify.outbox import outbox_rows


def booking_params(row: Any) -> dict[str, Any]:
    """What every message about a booking may mention (raw values; formatted when sent)."""
    return {
        "code": row.booking_code,
        "office": row.office_code,
        "date": row.day.isoformat(),
        "session": row.starts.strftime("%H:%M"),
        "service": row.service,
        "amount": int(row.amount),
        "billing": row.billing_code,
        "deadline": row.pay_before.isoformat(),
    }


def about_booking_rows(
    row: Any, event: Event, locale: str, now: datetime, *, occasion: str = "", **extra: Any
) -> list[dict[str, Any]]:
    """The rows that tell `event` about a booking row to its holder, in `locale`."""
    return outbox_rows(
        office_code=row.office_code,
        event=event,
        subject=row.booking_code,
        phone=row.phone,
        email=row.email,
        locale=locale,
        params=booking_params(row) | extra,
        now=now,
        occasion=occasion,
    )


def waitlist_offer_rows(entry: Any, offer_number: int, now: datetime) -> list[dict[str, Any]]:
    """'A place is free for you': the rows of the `offer_number`-th offer to a waiting-list entry."""
    return outbox_rows(
        office_code=entry.office_code,
        event=Event.WAITLIST_OFFER,
        subject=entry.entry_code,
        phone=entry.phone,
        email=entry.email,
        locale=entry.locale,
        params={
            "code": entry.entry_code,
            "office": entry.office_code,
            "date": entry.day.isoformat(),
            "session": entry.starts.strftime("%H:%M"),
            "offered_at": now.isoformat(),
        },
        now=now,
        occasion=str(offer_number),
    )
