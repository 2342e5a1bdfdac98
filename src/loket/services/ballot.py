"""Release modes and ballot entries: an office schedules how a day is released; applicants enter a
ballot day's draw during its window (one entry per NIK); anyone reads a day's public record. The
draw is in services/ballot_draw.py."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from loket.domain.ballot import (
    EntryStatus,
    Mode,
    Release,
    check_entry_window,
    check_schedule,
    commitment_of,
    new_entry_code,
    new_seed,
    office_of_entry_code,
)
from loket.domain.booking import BookingPolicy, BookingRequest, plan_booking
from loket.domain.contact_code import Purpose
from loket.domain.errors import Conflict, NotFound, invalid
from loket.domain.identity import nik_matches
from loket.services import contact_verification
from loket.services.audit import record
from loket.services.catalog import Catalog
from loket.services.contact_verification import CodeSent
from loket.store import ballot_repo, booking_repo, offices_repo
from loket.store.database import Database, on_commit

ENTRY_WINDOW_DAYS = 366  # entries may come before the day is in the booking window; the draw re-checks


@dataclass(frozen=True)
class EntryView:
    """What an entrant (proving the NIK) may see of their entry."""

    entry_code: str
    office_code: str
    day: date
    session: str
    category: str
    flexible: bool
    status: str
    rank: int | None
    booking_code: str | None
    waitlist_code: str | None
    first_name: str
    entered_at: datetime
    # Set while the entry waits for its contact's code (issue 21): where it went, and its handle.
    verification: CodeSent | None = None


def entry_view(row: Any) -> EntryView:
    return EntryView(
        entry_code=row.entry_code,
        office_code=row.office_code,
        day=row.day,
        session=row.starts.strftime("%H:%M"),
        category=row.category,
        flexible=bool(row.flexible),
        status=row.status,
        rank=row.rank,
        booking_code=row.booking_code,
        waitlist_code=row.waitlist_code,
        first_name=row.full_name.split()[0],
        entered_at=row.entered_at,
    )


async def schedule_release(
    db: Database,
    catalog: Catalog,
    office_code: str,
    day: date,
    mode: str,
    opens_at: datetime,
    closes_at: datetime | None,
    *,
    actor: str,
    now: datetime,
) -> Release:
    """Set how a day is released; a ballot's seed is drawn now and only its commitment is shown."""
    try:
        chosen = Mode(mode)
    except ValueError as exc:
        raise invalid("mode", "mode_invalid", "Choose one of: %(choices)s", choices="fcfs, ballot") from exc
    ctx = await catalog.get(db, office_code)
    if not ctx.calendar.is_service_day(day):
        raise invalid("date", "not_a_service_day", "The office does not serve on this day %(why)s", why="")
    check_schedule(ctx.office, day, chosen, opens_at, closes_at, now)
    seed = new_seed() if chosen is Mode.BALLOT else None
    async with db.write() as conn:
        existing = await ballot_repo.release_row(conn, office_code, day, lock="update")
        if existing is not None and (existing.opens_at <= now or existing.drawn_at is not None):
            raise Conflict("release_started", "This day's release has already opened", field="date")
        if chosen is Mode.BALLOT and await ballot_repo.active_places_taken(conn, office_code, day):
            raise Conflict("day_has_bookings", "Places on this day are already booked", field="date")
        values = {
            "office_code": office_code,
            "day": day,
            "mode": chosen.value,
            "opens_at": opens_at,
            "closes_at": closes_at,
            "commitment": commitment_of(seed) if seed else None,
            "seed": seed,
            "entries_digest": None,
            "drawn_at": None,
            "draw_capacity": None,
            "created_by": actor,
            "created_at": now,
        }
        await ballot_repo.upsert_release(conn, values)
        await record(
            conn,
            office_code=office_code,
            actor=actor,
            action="release.schedule",
            subject=day.isoformat(),
            detail={
                "mode": chosen.value,
                "opens_at": opens_at.isoformat(),
                "closes_at": closes_at.isoformat() if closes_at else None,
                "commitment": values["commitment"],
            },
            now=now,
        )
        row = await ballot_repo.release_row(conn, office_code, day)
        on_commit(conn, lambda: catalog.forget(office_code))  # bookings read the release from the catalog
    return ballot_repo.release_of(row)


@dataclass(frozen=True)
class BallotResult:
    """One line of a drawn ballot's public results (an entry code, never a NIK or a name)."""

    entry_code: str
    rank: int | None
    outcome: str
    session: str | None


@dataclass(frozen=True)
class BallotRecord:
    """The public record of a day's release: the commitment, and once drawn the seed and results."""

    office_code: str
    day: date
    release: Release
    entries: int
    results: list[BallotResult]


async def public_record(db: Database, office_code: str, day: date) -> BallotRecord:
    """A day's release as anyone may see it (results only once drawn; no NIK or name, ever)."""
    async with db.read() as conn:
        row = await ballot_repo.release_row(conn, office_code, day)
        if row is None:
            raise NotFound("release_not_found", "This day has no scheduled release", field="date")
        entries = await ballot_repo.entries_of_day(conn, office_code, day)
    release = ballot_repo.release_of(row)
    results = [BallotResult(e.entry_code, e.rank, e.status, e.drawn_session) for e in entries]
    return BallotRecord(office_code, day, release, len(entries), results if release.drawn else [])


async def release_of_day(db: Database, office_code: str, day: date) -> Release | None:
    async with db.read() as conn:
        await offices_repo.load_office(conn, office_code)
        row = await ballot_repo.release_row(conn, office_code, day)
    return ballot_repo.release_of(row) if row else None


async def enter_ballot(
    db: Database,
    catalog: Catalog,
    office_code: str,
    request: BookingRequest,
    *,
    flexible: bool,
    policy: BookingPolicy,
    locale: str,
    now: datetime,
    secret: str = "",
) -> EntryView:
    """Enter a ballot day's draw: one entry per NIK, limited per phone, e-mail and network address.

    With `policy.verify_contact` the entry is drawn only once the code sent to its contact is
    entered (contact_verification.verify_entry); whether the NIK holds a booking is checked then,
    so this answer is the same for a held NIK and a free one (no oracle). An entry never verified
    is replaced by the next entry with its NIK, so it cannot keep the real person out."""
    verify = policy.verify_contact
    ctx = await catalog.get(db, office_code)
    plan = plan_booking(
        request, ctx.office, ctx.calendar, ctx.fees, replace(policy, window_days=ENTRY_WINDOW_DAYS), now
    )
    limits = plan.limits(policy)
    code = new_entry_code(ctx.office.code)
    async with db.write() as conn:
        row = await ballot_repo.release_row(conn, office_code, plan.day, lock="share")
        check_entry_window(ballot_repo.release_of(row) if row else None, ctx.office, now)
        earlier = await ballot_repo.entry_of_nik(conn, office_code, plan.day, plan.nik)
        if earlier is not None and earlier.status == EntryStatus.UNVERIFIED.value:
            await ballot_repo.delete_unverified(conn, office_code, earlier.entry_code)
        elif earlier is not None:
            raise _already_entered()
        if not verify and await booking_repo.hold_of(conn, plan.nik) is not None:
            raise Conflict("active_booking_exists", "This NIK already has an active booking", field="nik")
        for key in sorted(limits):
            if not await ballot_repo.take_contact(conn, office_code, plan.day, key, limits[key]):
                raise _limit_error(key, limits[key])
        entered_now = await ballot_repo.insert_entry(
            conn,
            {
                "office_code": office_code,
                "day": plan.day,
                "nik": plan.nik,
                "entry_code": code,
                "starts": plan.session.starts,
                "flexible": flexible,
                "category": plan.category.value,
                "full_name": plan.full_name,
                "birth_date": plan.birth_date,
                "sex": plan.sex.value,
                "phone": plan.phone,
                "email": plan.email,
                "product": request.product,
                "validity_years": request.validity_years,
                "service": plan.service.value,
                "locale": locale,
                "client_ip": plan.client_ip,
                "client_fp": plan.client_fp,
                "entered_at": now,
                "status": (EntryStatus.UNVERIFIED if verify else EntryStatus.ENTERED).value,
                "rank": None,
                "drawn_session": None,
                "booking_code": None,
                "waitlist_code": None,
            },
        )
        if not entered_now:
            raise _already_entered()  # the same NIK entered twice at the same instant
        await record(
            conn,
            office_code=office_code,
            actor="applicant",
            action="ballot.enter",
            subject=code,
            detail={
                "day": plan.day.isoformat(),
                "session": plan.session.name,
                "category": plan.category.value,
            },
            now=now,
        )
        sent = None
        if verify:
            sent = await contact_verification.start_entry_code(
                conn,
                Purpose.BALLOT,
                office_code=office_code,
                entry_code=code,
                nik=plan.nik,
                phone=plan.phone,
                email=plan.email,
                locale=locale,
                secret=secret,
                now=now,
                client_ip=plan.client_ip,
            )
        entered = await ballot_repo.entry_by_code(conn, office_code, code)
    return replace(entry_view(entered), verification=sent)


def _already_entered() -> Conflict:
    return Conflict("already_entered", "This NIK has already entered the ballot for this day", field="nik")


def _limit_error(key: str, limit: int) -> Conflict:
    if key.startswith("addr:"):
        return Conflict(
            "address_limit",
            "Too many people hold bookings made from this network address (at most %(max)d)",
            field=None,
            max=limit,
        )
    return Conflict(
        "contact_limit",
        "This contact has already booked for %(max)d people",
        field="email" if key.startswith("mailto:") else "phone",
        max=limit,
    )


def _not_found() -> NotFound:
    return NotFound("entry_not_found", "No ballot entry matches this code and NIK", field="entry_code")


async def find_entry(db: Database, code: str, nik: str) -> EntryView:
    """An entry by its code, when the NIK is the entrant's; one 404 for every mismatch."""
    clean = code.strip().upper() if isinstance(code, str) else ""
    office = office_of_entry_code(clean)
    if office is None:
        raise _not_found()
    async with db.read() as conn:
        row = await ballot_repo.entry_by_code(conn, office, clean)
    if row is None or not nik_matches(row.nik, nik):
        raise _not_found()
    return entry_view(row)


async def verified_entry(db: Database, office_code: str, code: str) -> EntryView:
    """The entry whose contact code was just entered (the page that follows the code; no NIK asked,
    the code page was the proof). Shows nothing personal beyond what the receipt shows."""
    async with db.read() as conn:
        row = await ballot_repo.entry_by_code(conn, office_code, code)
    if row is None:
        raise _not_found()
    return entry_view(row)
