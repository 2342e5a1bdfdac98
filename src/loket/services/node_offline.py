"""What an office node does about what it cannot know (issue 19): a booking made or paid after
its last sync is not in its mirror, so a check-in that finds it unknown or unpaid is answered
"cannot be verified offline" with what the officer may do, never with a guess; the officer may
flag the case for review (a journaled event: the centre turns it into a case when its own
version of the booking is not paid)."""

from __future__ import annotations

from datetime import datetime

from loket.domain.errors import Conflict, DomainError, InvalidInput
from loket.services.audit import record
from loket.services.node_journal import journaled
from loket.store.database import Database

# Check-in refusals that may only mean the mirror is older than the booking or its payment.
UNVERIFIABLE = frozenset({"booking_not_found", "not_paid"})


def unverifiable(refused: DomainError, *, on_node: bool, last_sync: datetime | None) -> DomainError:
    """On a node, the refusal the officer sees instead of "unknown" or "not paid"."""
    if not on_node or refused.code not in UNVERIFIABLE:
        return refused
    return Conflict(
        "offline_unverifiable",
        "This booking cannot be verified here (it may have been made or paid after the last sync with "
        "the centre): check the printed bank receipt and flag it for review",
        field="booking_code",
        extra={
            "last_sync": last_sync.isoformat() if last_sync else None,
            "may": ["check_receipt", "flag_review"],
        },
    )


@journaled("flag_review")
async def flag_for_review(
    db: Database, office_code: str, booking_code: str, *, note: str, actor: str, now: datetime
) -> None:
    """The officer saw a printed bank receipt for a booking the node cannot verify: recorded for the
    centre to check (audited; at the centre a case when the booking is not paid there)."""
    code = (booking_code or "").strip().upper()
    if not code or len(code) > 24:
        raise InvalidInput("booking_code_required", "Give the booking code", field="booking_code")
    if len(note) > 500:
        raise InvalidInput("note_too_long", "The note has at most %(max)d characters", field="note", max=500)
    async with db.write() as conn:
        await record(
            conn,
            office_code=office_code,
            actor=actor,
            action="node.flag_review",
            subject=code,
            detail={"note": note},
            now=now,
        )
