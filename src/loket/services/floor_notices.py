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
from loket.domain.office import Office
from loket.domain.workflow import Stage
from loket.services import notifications
from loket.services.applicant_floor import service_rate, wait_minutes
from loket.store import floor_repo
from loket.store.database import Connection

# The queue whose wait is long enough to leave the room for: the intake counters'.
NEAR_STAGES = (Stage.CHECKED_IN.value, Stage.INTAKE.value)


async def tell_near(conn: Connection, office: Office, day: date, near: int, now: datetime) -> int:
    """Queue 'you are next soon' to every booked ticket with at most `near` people before it."""
    if near <= 0:
        return 0
    added = 0
    # Only the front is read: every call-next runs this, and the whole waiting room is hundreds of rows.
    front = await floor_repo.waiting(conn, office.code, day, list(NEAR_STAGES), limit=near + 1)
    if not any(t.booking_code for t in front):
        return 0
    rate = await service_rate(conn, office, Stage.INTAKE, now)  # read once for the whole front
    for position, ticket in enumerate(front):
        if ticket.booking_code is None:
            continue
        added += await notifications.notify_next_in(
            conn,
            office.code,
            ticket.booking_code,
            wait_minutes(position, *rate) or 1,
            now,
            ticket=ticket.ticket,
            occasion=f"{ticket.day.isoformat()}:{ticket.ticket}:{await returns(conn, ticket)}",
        )
    return added


async def returns(conn: Connection, ticket: Any) -> int:
    """How often the ticket came back to intake after an incomplete dossier (0: its first visit)."""
    moves = await floor_repo.transitions(conn, ticket.office_code, ticket.day, ticket.ticket)
    return sum(1 for m in moves if m.to_stage == Stage.INCOMPLETE.value)


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
