"""The messages the office floor sends an applicant, queued in the floor write's own transaction.

- `next_in`: when a ticket in the waiting room's first queue (the intake counters) has `near` or
  fewer people before it, its holder is told the estimated wait, once per ticket and queue visit
  (key `next_in:CODE:phone:DAY:TICKET:RETURNS`), so they may wait outside until then;
- `dossier_incomplete` with the missing documents, when intake finds them missing;
- `passport_ready` with the office's hours, when the quality check passes the passport.
Walk-ins (no booking, so no contact) are told nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from loket.domain.journey import MISSING_LABELS
from loket.domain.notification import Event, channels_for, idempotency_key
from loket.domain.office import Office
from loket.domain.workflow import Stage
from loket.notify.events import about_booking_rows
from loket.services import notifications
from loket.services.applicant_floor import service_rate, wait_minutes
from loket.store import floor_repo, outbox_repo
from loket.store.database import Connection

# The queue whose wait is long enough to leave the room for: the intake counters'.
NEAR_STAGES = (Stage.CHECKED_IN.value, Stage.INTAKE.value)


async def tell_near(conn: Connection, office: Office, day: date, near: int, now: datetime) -> int:
    """Queue 'you are next soon' to every booked ticket with at most `near` people before it.

    Every call-next runs this, and almost every front ticket was told on an earlier call: the front
    with what its messages need is one statement, their keys already queued one more, and only a
    ticket with a key not yet queued costs the wait estimate and an insert (one for all of them)."""
    if near <= 0:
        return 0
    front = await floor_repo.near_front(
        conn, office.code, day, list(NEAR_STAGES), near + 1, returns_to=Stage.INCOMPLETE.value
    )
    booked = [(position, t) for position, t in enumerate(front) if t.booking_code is not None]
    if not booked:
        return 0
    keys = {
        (position, idempotency_key(Event.NEXT_IN, t.booking_code, channel, _occasion(t)))
        for position, t in booked
        for channel, _ in channels_for(t.phone, t.email)
    }
    queued = await outbox_repo.queued_keys(conn, office.code, [key for _, key in keys])
    untold = {position for position, key in keys if key not in queued}
    if not untold:
        return 0
    rate = await service_rate(conn, office, Stage.INTAKE, now)  # read once for the whole front
    rows = [
        row
        for position, t in booked
        if position in untold
        for row in about_booking_rows(
            t,
            Event.NEXT_IN,
            t.locale or outbox_repo.DEFAULT_LOCALE,
            now,
            occasion=_occasion(t),
            minutes=wait_minutes(position, *rate) or 1,
            ticket=t.ticket,
        )
    ]
    return await outbox_repo.enqueue(conn, rows)


def _occasion(front: Any) -> str:
    """A ticket is told once per queue visit: its day, label and returns after an incomplete dossier."""
    return f"{front.ticket_day.isoformat()}:{front.ticket}:{front.returns}"


async def after_stage(conn: Connection, ticket: Any, target: Stage, missing: list[str], now: datetime) -> int:
    """The message a finished stage sends: missing documents, or a passport ready for collection."""
    if ticket.booking_code is None:
        return 0
    if target is Stage.INCOMPLETE:
        return await notifications.notify_dossier_incomplete(
            conn, ticket.office_code, ticket.booking_code, [MISSING_LABELS.get(m, m) for m in missing], now
        )
    if target is Stage.READY:
        return await notifications.notify_passport_ready(conn, ticket.office_code, ticket.booking_code, now)
    return 0
