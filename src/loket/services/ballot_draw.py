"""The ballot draw and its public verification.

The draw is one transaction: it locks the day's release (no entry slips in), orders the entries by
their draw keys, then goes down that order booking each entrant through the same repository steps
as any booking (place, NIK hold, contact counters, billing, audit, outbox; each in a savepoint, so
an entrant who can no longer be booked changes nothing), and puts the rest on the session's
waiting list in draw order. Anyone can re-run it from the published seed and entry codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from loket.domain.ballot import (
    EntryStatus,
    Preference,
    allocate,
    check_drawable,
    draw_order,
    entries_digest,
    seed_matches,
)
from loket.domain.booking import (
    BookingPolicy,
    BookingRequest,
    new_billing_code,
    new_booking_code,
    plan_booking,
)
from loket.domain.errors import DomainError, NotFound
from loket.domain.waitlist import WaitStatus, new_entry_code
from loket.services.audit import record
from loket.services.booking_rows import new_booking
from loket.services.catalog import Catalog
from loket.services.quotas import open_days
from loket.store import ballot_repo, booking_repo, waitlist_repo
from loket.store.database import Database, on_commit


@dataclass(frozen=True)
class DrawResult:
    office_code: str
    day: date
    entries: int
    won: int
    waitlisted: int
    ineligible: int
    seed: str
    commitment: str
    entries_digest: str


def _request(row: Any, session: str) -> BookingRequest:
    return BookingRequest(
        nik=row.nik,
        full_name=row.full_name,
        birth_date=row.birth_date,
        sex=row.sex,
        phone=row.phone,
        email=row.email,
        day=row.day,
        session=session,
        category=row.category,
        product=row.product,
        service=row.service,
        validity_years=row.validity_years,
        client_ip=row.client_ip,
        client_fp=row.client_fp,
    )


def _capacity_json(capacity: dict[tuple[str, str], int]) -> dict[str, int]:
    return {f"{s}/{c}": n for (s, c), n in sorted(capacity.items())}


async def draw_ballot(
    db: Database,
    catalog: Catalog,
    office_code: str,
    day: date,
    *,
    policy: BookingPolicy,
    actor: str,
    now: datetime,
    local_codes: bool = True,
) -> DrawResult:
    """Draw a closed ballot: book the winners in draw order, wait-list the rest, reveal the seed.

    With `local_codes` False (an external billing provider) the winners' bookings await their
    billing codes, which the worker fetches (services/billing/codes.py)."""
    ctx = await catalog.get(db, office_code)
    await open_days(db, ctx, day, day)
    sessions = [s.name for s in ctx.office.sessions]
    won = waitlisted = ineligible = 0
    async with db.write() as conn:
        row = await ballot_repo.release_row(conn, office_code, day, lock="update")
        release = check_drawable(ballot_repo.release_of(row) if row else None, now)
        assert row is not None and row.seed and row.commitment
        entries = {e.entry_code: e for e in await ballot_repo.entries_of_day(conn, office_code, day)}
        order = draw_order(row.seed, entries)
        digest = entries_digest(entries)
        free = await ballot_repo.free_places(conn, office_code, day)
        # Every session is listed, full ones at 0: "the nearest session" must be re-run identically.
        categories = {c for _s, c in free} | {e.category for e in entries.values()}
        capacity = {(s, c): free.get((s, c), 0) for s in sessions for c in categories}
        left = dict(capacity)
        for rank, code in enumerate(order, start=1):
            entry = entries[code]
            pref = Preference(code, entry.starts.strftime("%H:%M"), entry.category, bool(entry.flexible))
            session = allocate([pref], left, sessions)[code]
            outcome = await _book_or_wait(conn, ctx, entry, session, rank, policy, now, local_codes)
            if outcome is EntryStatus.WON:
                won += 1
                left[(str(session), entry.category)] -= 1
            elif outcome is EntryStatus.WAITLISTED:
                waitlisted += 1
            else:
                ineligible += 1
        await ballot_repo.mark_drawn(conn, office_code, day, digest, _capacity_json(capacity), now)
        await record(
            conn,
            office_code=office_code,
            actor=actor,
            action="ballot.draw",
            subject=day.isoformat(),
            detail={
                "entries": len(order),
                "won": won,
                "waitlisted": waitlisted,
                "ineligible": ineligible,
                "seed": row.seed,
                "commitment": release.commitment,
                "entries_digest": digest,
            },
            now=now,
        )
        on_commit(conn, lambda: catalog.forget(office_code))  # the day's release is drawn
    return DrawResult(
        office_code, day, len(order), won, waitlisted, ineligible, row.seed, row.commitment, digest
    )


async def _book_or_wait(
    conn: Any,
    ctx: Any,
    entry: Any,
    session: str | None,
    rank: int,
    policy: BookingPolicy,
    now: datetime,
    local_codes: bool = True,
) -> EntryStatus:
    """Book the entrant in `session`, or wait-list them for their preferred one; record the outcome."""
    if session is not None:
        try:
            plan = plan_booking(_request(entry, session), ctx.office, ctx.calendar, ctx.fees, policy, now)
        except DomainError:
            await ballot_repo.set_outcome(conn, entry, status=EntryStatus.INELIGIBLE.value, rank=rank)
            return EntryStatus.INELIGIBLE
        code = new_booking_code(ctx.office.code)
        billing = new_billing_code() if local_codes else None
        # The address limit is not applied again: entries were limited per address already.
        new = new_booking(
            plan,
            code,
            billing,
            now,
            locale=entry.locale,
            max_per_contact=policy.max_people_per_contact,
            actor="ballot",
        )
        savepoint = await conn.begin_nested()
        taken = await booking_repo.take_place_in(conn, new)
        if taken.booked:
            await savepoint.commit()
            await ballot_repo.set_outcome(
                conn, entry, status=EntryStatus.WON.value, rank=rank, booking_code=code, drawn_session=session
            )
            return EntryStatus.WON
        await savepoint.rollback()
        if taken.outcome is not booking_repo.Outcome.FULL:
            await ballot_repo.set_outcome(conn, entry, status=EntryStatus.INELIGIBLE.value, rank=rank)
            return EntryStatus.INELIGIBLE
    wait_code = new_entry_code(ctx.office.code)
    await waitlist_repo.insert_entry(conn, _waitlist_row(entry, wait_code, rank, now))
    await ballot_repo.set_outcome(
        conn, entry, status=EntryStatus.WAITLISTED.value, rank=rank, waitlist_code=wait_code
    )
    return EntryStatus.WAITLISTED


def _waitlist_row(entry: Any, code: str, rank: int, now: datetime) -> dict[str, Any]:
    # joined_at is the draw for all; `seq` (the tie-breaker of waiting lists) keeps the draw order.
    return {
        "office_code": entry.office_code,
        "entry_code": code,
        "day": entry.day,
        "starts": entry.starts,
        "category": entry.category,
        "nik": entry.nik,
        "full_name": entry.full_name,
        "birth_date": entry.birth_date,
        "sex": entry.sex,
        "phone": entry.phone,
        "email": entry.email,
        "product": entry.product,
        "validity_years": entry.validity_years,
        "service": entry.service,
        "locale": entry.locale,
        "status": WaitStatus.WAITING.value,
        "joined_at": now,
        "seq": f"{int(now.timestamp() * 1000):012x}{rank:020d}",
        "offered_at": None,
        "offers": 0,
        "seat": None,
        "booking_code": None,
        "updated_at": now,
    }


async def draw_due(
    db: Database, catalog: Catalog, policy: BookingPolicy, now: datetime, *, local_codes: bool = True
) -> int:
    """Draw every ballot whose window has closed (the worker runs this each round)."""
    async with db.read() as conn:
        due = await ballot_repo.due_draws(conn, now)
    for item in due:
        await draw_ballot(
            db,
            catalog,
            item.office_code,
            item.day,
            policy=policy,
            actor="system",
            now=now,
            local_codes=local_codes,
        )
    return len(due)


@dataclass
class BallotCheck:
    """What `loket ballot verify` found."""

    office_code: str
    day: date
    entries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


async def verify_ballot(db: Database, office_code: str, day: date) -> BallotCheck:
    """Re-run a drawn ballot from its published seed and entries and compare with what was recorded."""
    check = BallotCheck(office_code, day)
    async with db.read() as conn:
        row = await ballot_repo.release_row(conn, office_code, day)
        entries = await ballot_repo.entries_of_day(conn, office_code, day)
    if row is None or row.drawn_at is None:
        raise NotFound("ballot_not_drawn", "No drawn ballot for this office and day", field="date")
    check.entries = len(entries)
    if not seed_matches(row.seed, row.commitment):
        check.problems.append("the revealed seed does not match the published commitment")
    codes = [e.entry_code for e in entries]
    if entries_digest(codes) != row.entries_digest:
        check.problems.append("the entry list differs from the one the draw fixed")
    by_code = {e.entry_code: e for e in entries}
    order = draw_order(row.seed, codes)
    for rank, code in enumerate(order, start=1):
        if by_code[code].rank != rank:
            check.problems.append(f"{code}: recorded rank {by_code[code].rank}, the draw gives {rank}")
    eligible = [by_code[c] for c in order if by_code[c].status != EntryStatus.INELIGIBLE.value]
    capacity = {tuple(k.split("/", 1)): n for k, n in (row.draw_capacity or {}).items()}
    prefs = [
        Preference(e.entry_code, e.starts.strftime("%H:%M"), e.category, bool(e.flexible)) for e in eligible
    ]
    sessions = sorted({s for s, _c in capacity} | {p.session for p in prefs})
    expected = allocate(prefs, capacity, sessions)
    for e in eligible:
        got = e.drawn_session if e.status == EntryStatus.WON.value else None
        if got != expected[e.entry_code]:
            check.problems.append(
                f"{e.entry_code}: recorded {got or 'waiting list'}, "
                f"the draw gives {expected[e.entry_code] or 'waiting list'}"
            )
    return check
