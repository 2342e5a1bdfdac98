"""A freed place goes to the waiting list first: reserved and offered in the transaction that frees it.

Called inside the freeing transaction by cancel, reschedule, expiry, a raised quota, a withdrawn
or lapsed offer and the worker's sweep (lock policy in store/waitlist_repo.py and docs/locking.md,
"Waiting list"). Each offer writes its audit entry and its `waitlist_offer` messages in that same
transaction. Apart from the waiting-list use cases (services/waitlist.py) so that the booking
and quota services can call it without importing them.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from loket.domain.waitlist import hold_mark
from loket.services.audit import record
from loket.services.notifications import waitlist_offer
from loket.store import booking_repo, offices_repo, waitlist_repo
from loket.store.database import Connection


async def _too_near(conn: Connection, office_code: str, day: date, now: datetime) -> bool:
    # Nobody is offered a place for today (or a past day): there is no time left to accept it.
    return day <= (await offices_repo.load_office(conn, office_code)).local_today(now)


async def _make_offer(conn: Connection, entry: Any, seat: int, now: datetime) -> None:
    await waitlist_repo.mark_offered(conn, entry, seat, now)
    await waitlist_offer(conn, entry, entry.offers + 1, now)
    await record(
        conn,
        office_code=entry.office_code,
        actor="system",
        action="waitlist.offer",
        subject=entry.entry_code,
        detail={"day": entry.day.isoformat(), "session": entry.starts.strftime("%H:%M"), "seat": seat},
        now=now,
    )


async def place_freed(
    conn: Connection,
    office_code: str,
    day: date,
    starts: time,
    category: str,
    seat: int | None,
    now: datetime,
    *,
    holder: str | None = None,
) -> str | None:
    """A place was just freed in this transaction: reserve it for the next waiting person and offer it.

    `holder` is what `places.booking_code` holds now (None once freed; a hold mark when an offer
    passes on). Returns the entry code offered, or None when nobody waits or the day is too near.
    """
    if seat is None or await _too_near(conn, office_code, day, now):
        return None
    entry = await waitlist_repo.next_waiting(conn, office_code, day, starts, category)
    if entry is None:
        return None
    mark = hold_mark(entry.entry_code)
    reserved = await waitlist_repo.reserve_place(
        conn, office_code, day, starts, category, seat, mark, holder=holder
    )
    if not reserved:
        return None  # taken again already (e.g. the same transaction booked it)
    await _make_offer(conn, entry, seat, now)
    return str(entry.entry_code)


async def offer_free_places(
    conn: Connection, office_code: str, day: date, starts: time, category: str, now: datetime
) -> int:
    """Offer the session's free places to the people waiting for it, one place each (quota raised, sweep)."""
    if await _too_near(conn, office_code, day, now):
        return 0
    offered = 0
    while True:
        entry = await waitlist_repo.next_waiting(conn, office_code, day, starts, category)
        if entry is None:
            return offered
        mark = hold_mark(entry.entry_code)
        seat = await booking_repo.claim_seat(conn, office_code, day, starts, category, mark)
        if seat is None:
            return offered
        await _make_offer(conn, entry, seat, now)
        offered += 1


async def hand_on(conn: Connection, entry: Any, now: datetime) -> str | None:
    """The place reserved for `entry` goes to the next waiting person, or back to the pool."""
    mark = hold_mark(entry.entry_code)
    offered = await place_freed(
        conn, entry.office_code, entry.day, entry.starts, entry.category, entry.seat, now, holder=mark
    )
    if offered is None:
        await waitlist_repo.clear_mark(conn, entry.office_code, mark)
    return offered
