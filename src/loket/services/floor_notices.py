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
from loket.domain.notification import Event
from loket.domain.office import Office
from loket.domain.workflow import Stage
from loket.notify.events import about_booking_rows
from loket.services import notifications
from loket.services.applicant_floor import rate_from, rate_scope, wait_minutes
from loket.store import floor_repo, outbox_repo
from loket.store.database import Connection
from loket.store.fast_write import FastWrite

# The queue whose wait is long enough to leave the room for: the intake counters'.
NEAR_STAGES = (Stage.CHECKED_IN.value, Stage.INTAKE.value)


async def tell_near(conn: Connection | FastWrite, office: Office, day: date, near: int, now: datetime) -> int:
    """Queue 'you are next soon' to every booked ticket with at most `near` people before it.

    Every call-next runs this: the front with what its messages need (the wait estimate's figures
    included) is one statement, the messages one more; those told on an earlier call are left as
    they were (once per ticket and queue visit: the key's `occasion`)."""
    if near <= 0:
        return 0
    front = await floor_repo.near_front(
        conn,
        office.code,
        day,
        list(NEAR_STAGES),
        near + 1,
        returns_to=Stage.INCOMPLETE.value,
        rate=rate_scope(office, Stage.INTAKE, now),
    )
    if not any(t.booking_code for t in front):
        return 0
    rate = rate_from(floor_repo.rate_of(front[0]), Stage.INTAKE)
    # Every booked ticket of the front, told or not: the outbox keeps the first message of a key
    # (`enqueue` inserts with ON CONFLICT DO NOTHING), so one insert does it, where reading the
    # keys already queued first was a round trip of its own on every call.
    rows = [
        row
        for position, t in enumerate(front)
        if t.booking_code is not None
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
