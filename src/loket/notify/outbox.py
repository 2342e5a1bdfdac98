"""The outbox: messages queued inside the transaction of the event they tell about.

Repository functions: they take the caller's connection and never commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.domain.booking import BookingPlan
from loket.domain.notification import Channel, Delivery, Event, channels_for, idempotency_key
from loket.store.ids import new_id
from loket.store.tables import notify_outbox

DEFAULT_LOCALE = "id"


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
    """The 'booking made' messages of a new booking (queued by the booking statement itself)."""
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


async def enqueue(conn: AsyncConnection, rows: list[dict[str, Any]]) -> int:
    """Queue messages; one already queued under the same idempotency key is left alone."""
    if not rows:
        return 0
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(notify_outbox)
    added = 0
    for row in rows:
        stmt = (
            insert.values(**row)
            .on_conflict_do_nothing(index_elements=["office_code", "idempotency_key"])
            .returning(notify_outbox.c.id)
        )
        added += (await conn.execute(stmt)).first() is not None
    return added


async def locale_of(conn: AsyncConnection, office_code: str, subject: str) -> str:
    """The language the person chose when they booked or joined (their first message's)."""
    row = (
        await conn.execute(
            select(notify_outbox.c.locale)
            .where(notify_outbox.c.office_code == office_code, notify_outbox.c.subject == subject)
            .order_by(notify_outbox.c.created_at)
            .limit(1)
        )
    ).first()
    return str(row.locale) if row else DEFAULT_LOCALE


async def messages_about(conn: AsyncConnection, office_code: str, subject: str) -> list[Any]:
    """Every message queued about a booking or entry, oldest first (status page, tests)."""
    rows = await conn.execute(
        select(notify_outbox)
        .where(notify_outbox.c.office_code == office_code, notify_outbox.c.subject == subject)
        .order_by(notify_outbox.c.created_at, notify_outbox.c.id)
    )
    return list(rows.all())


__all__ = ["Channel", "booking_made_rows", "enqueue", "locale_of", "messages_about", "outbox_rows"]
