"""Waiting-list use cases: join a full session, accept an offer, withdraw, and the sweep that
passes lapsed offers on. Places are reserved for offers (services/waitlist_offers.py) under the
lock policy in store/waitlist_repo.py (docs/locking.md, "Waiting list")."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from loket.domain.ballot import check_bookable
from loket.domain.booking import (
    BookingPolicy,
    BookingRequest,
    new_billing_code,
    new_booking_code,
    plan_booking,
)
from loket.domain.contact_code import Purpose
from loket.domain.errors import Conflict, NotFound
from loket.domain.identity import nik_matches
from loket.domain.waitlist import (
    OPEN_STATUSES,
    WaitlistPolicy,
    WaitStatus,
    check_acceptable,
    check_may_join,
    hold_mark,
    new_entry_code,
    offer_deadline,
    offer_open,
    office_of_entry_code,
)
from loket.services import contact_verification
from loket.services.audit import record
from loket.services.billing.codes import fetch_code
from loket.services.billing.provider import BillingProvider
from loket.services.booking import BookingConfirmation, confirmation
from loket.services.booking_rows import new_booking
from loket.services.catalog import Catalog
from loket.services.contact_verification import CodeSent
from loket.services.quotas import open_days
from loket.services.waitlist_offers import hand_on, offer_free_places
from loket.store import booking_repo, waitlist_repo
from loket.store.database import Database, on_commit
from loket.store.ids import new_id


@dataclass(frozen=True)
class WaitlistView:
    """What the holder of an entry code may see: no personal data beyond the first name."""

    entry_code: str
    office_code: str
    status: str
    day: date
    session: str
    category: str
    first_name: str
    position: int | None
    offer_deadline: datetime | None
    booking_code: str | None
    locale: str
    # Set while the entry waits for its contact's code (issue 21): where it went, and its handle.
    verification: CodeSent | None = None


def _not_found() -> NotFound:
    return NotFound("entry_not_found", "No waiting-list entry matches this code", field="entry_code")


def _office_of(code: str) -> str:
    office = office_of_entry_code(code.strip().upper()) if isinstance(code, str) else None
    if office is None:
        raise _not_found()
    return office


async def _view(conn: Any, row: Any, policy: WaitlistPolicy, now: datetime) -> WaitlistView:
    is_open = offer_open(row.status, row.offered_at, now, policy)
    return WaitlistView(
        entry_code=row.entry_code,
        office_code=row.office_code,
        status=row.status,
        day=row.day,
        session=row.starts.strftime("%H:%M"),
        category=row.category,
        first_name=row.full_name.split()[0],
        position=await waitlist_repo.position(conn, row) if row.status == WaitStatus.WAITING.value else None,
        offer_deadline=offer_deadline(row.offered_at, policy) if is_open else None,
        booking_code=row.booking_code,
        locale=row.locale,
    )


async def join_waitlist(
    db: Database,
    catalog: Catalog,
    office_code: str,
    request: BookingRequest,
    *,
    policy: BookingPolicy,
    waitlist: WaitlistPolicy,
    locale: str,
    now: datetime,
    secret: str = "",
) -> WaitlistView:
    """Queue for a full session; the person is offered the next place that frees up there.

    With `policy.verify_contact` the entry waits (is offered places) only once the code sent to
    its contact is entered (contact_verification.verify_entry), and the answer is the same whether
    or not the NIK holds a booking: that is checked when the code is entered (no oracle)."""
    verify = policy.verify_contact
    ctx = await catalog.get(db, office_code)
    plan = plan_booking(request, ctx.office, ctx.calendar, ctx.fees, policy, now)
    check_bookable(ctx.releases.get(plan.day), ctx.office, now)  # a ballot day waits for its draw
    await open_days(db, ctx, plan.day, plan.day)
    async with db.write() as conn:
        left = await booking_repo.free_place_count(
            conn, plan.office_code, plan.day, plan.session.starts, plan.category.value
        )
        existing = await waitlist_repo.open_entry_of(
            conn, plan.office_code, plan.day, plan.session.starts, plan.category.value, plan.nik
        )
        check_may_join(int(left), existing is not None and existing.status in OPEN_STATUSES)
        if not verify and await booking_repo.hold_of(conn, plan.nik) is not None:
            raise Conflict("active_booking_exists", "This NIK already has an active booking", field="nik")
        if existing is not None:  # an earlier, closed (or unverified) entry for this session: start afresh
            await waitlist_repo.delete_entry(conn, existing)
        code = new_entry_code(plan.office_code)
        await waitlist_repo.insert_entry(
            conn,
            {
                "office_code": plan.office_code,
                "entry_code": code,
                "day": plan.day,
                "starts": plan.session.starts,
                "category": plan.category.value,
                "nik": plan.nik,
                "full_name": plan.full_name,
                "birth_date": plan.birth_date,
                "sex": plan.sex.value,
                "phone": plan.phone,
                "email": plan.email,
                "product": request.product,
                "validity_years": request.validity_years,
                "service": plan.service.value,
                "locale": locale,
                "status": (WaitStatus.UNVERIFIED if verify else WaitStatus.WAITING).value,
                "joined_at": now,
                "seq": new_id(),
                "offered_at": None,
                "offers": 0,
                "seat": None,
                "booking_code": None,
                "updated_at": now,
            },
        )
        await record(
            conn,
            office_code=plan.office_code,
            actor="applicant",
            action="waitlist.join",
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
                Purpose.WAITLIST,
                office_code=plan.office_code,
                entry_code=code,
                nik=plan.nik,
                phone=plan.phone,
                email=plan.email,
                locale=locale,
                secret=secret,
                now=now,
                client_ip=plan.client_ip,
            )
        row = await waitlist_repo.entry_by_code(conn, plan.office_code, code)
        return replace(await _view(conn, row, waitlist, now), verification=sent)


async def find_entry(db: Database, code: str, *, waitlist: WaitlistPolicy, now: datetime) -> WaitlistView:
    """An entry by its code (the code is the capability; accepting needs the NIK as well)."""
    office = _office_of(code)
    async with db.read() as conn:
        row = await waitlist_repo.entry_by_code(conn, office, code.strip().upper())
        if row is None:
            raise _not_found()
        return await _view(conn, row, waitlist, now)


async def accept_offer(
    db: Database,
    catalog: Catalog,
    code: str,
    nik: str,
    *,
    policy: BookingPolicy,
    waitlist: WaitlistPolicy,
    now: datetime,
    billing: BillingProvider | None = None,
) -> BookingConfirmation:
    """Turn an open offer into a booking on the reserved place (awaiting payment, like any booking).

    With an external `billing` provider the booking commits awaiting its code, then asks for it
    once (as `book_slot` does); the worker fetches it if the provider is slow or down."""
    external = billing is not None and not billing.issues_locally
    office_code = _office_of(code)
    ctx = await catalog.get(db, office_code)
    async with db.write() as conn:
        entry = await waitlist_repo.entry_by_code(conn, office_code, code.strip().upper(), lock=True)
        if entry is None or not nik_matches(entry.nik, nik):
            raise NotFound("entry_not_found", "No waiting-list entry matches this code and NIK", field="nik")
        check_acceptable(entry.status, entry.offered_at, now, waitlist)
        request = BookingRequest(
            nik=entry.nik,
            full_name=entry.full_name,
            birth_date=entry.birth_date,
            sex=entry.sex,
            phone=entry.phone,
            email=entry.email,
            day=entry.day,
            session=entry.starts.strftime("%H:%M"),
            category=entry.category,
            product=entry.product,
            service=entry.service,
            validity_years=entry.validity_years,
        )
        plan = plan_booking(request, ctx.office, ctx.calendar, ctx.fees, policy, now)
        booking_code = new_booking_code(office_code)
        billing_code = None if external else new_billing_code()
        new = new_booking(
            plan,
            booking_code,
            billing_code,
            now,
            locale=entry.locale,
            max_per_contact=policy.max_people_per_contact,
            audit_detail={"waitlist_entry": entry.entry_code},
        )
        mark = hold_mark(entry.entry_code)
        if await waitlist_repo.take_reserved_place(conn, office_code, mark, booking_code) != 1:
            raise Conflict("offer_not_open", "There is no open offer for this entry", field="entry_code")
        if not await booking_repo.take_hold(conn, plan.nik, office_code, booking_code):
            raise Conflict("active_booking_exists", "This NIK already has an active booking", field="nik")
        failed = await booking_repo.take_contacts(conn, new.limits)
        if failed is not None:
            raise Conflict(
                "contact_limit",
                "This contact has already booked for %(max)d people",
                field="email" if failed.startswith("mailto:") else "phone",
                max=policy.max_people_per_contact,
            )
        await booking_repo.write_booking(conn, new, entry.seat)
        await waitlist_repo.release_offer(conn, entry, WaitStatus.ACCEPTED, now, booking_code=booking_code)
        on_commit(conn, lambda: catalog.forget_alternatives(office_code))
    if billing is not None and external:
        billing_code = await fetch_code(db, billing, office_code, booking_code, now)
    return confirmation(plan, booking_code, billing_code)


async def withdraw(db: Database, code: str, nik: str, *, now: datetime) -> None:
    """Leave the waiting list; an offered place goes on to the next person at once."""
    office_code = _office_of(code)
    async with db.write() as conn:
        entry = await waitlist_repo.entry_by_code(conn, office_code, code.strip().upper(), lock=True)
        if entry is None or not nik_matches(entry.nik, nik):
            raise NotFound("entry_not_found", "No waiting-list entry matches this code and NIK", field="nik")
        if entry.status not in OPEN_STATUSES:
            raise Conflict("entry_closed", "This waiting-list entry is no longer open", field="entry_code")
        await waitlist_repo.release_offer(conn, entry, WaitStatus.WITHDRAWN, now)
        if entry.status == WaitStatus.OFFERED.value:
            await hand_on(conn, entry, now)
        await record(
            conn,
            office_code=office_code,
            actor="applicant",
            action="waitlist.withdraw",
            subject=entry.entry_code,
            now=now,
        )


async def sweep(db: Database, waitlist: WaitlistPolicy, now: datetime) -> dict[str, int]:
    """Pass lapsed offers on; offer any free place to people waiting (a safety net for missed hooks)."""
    passed = offered = 0
    async with db.read() as conn:
        lapsed = await waitlist_repo.lapsed_offers(conn, now - timedelta(minutes=waitlist.offer_minutes))
    for stale in lapsed:
        async with db.write() as conn:
            entry = await waitlist_repo.entry_by_code(conn, stale.office_code, stale.entry_code, lock=True)
            if (
                entry is None
                or entry.status != WaitStatus.OFFERED.value
                or offer_open(entry.status, entry.offered_at, now, waitlist)
            ):
                continue
            if await waitlist_repo.release_offer(conn, entry, WaitStatus.PASSED, now):
                passed += 1
                await record(
                    conn,
                    office_code=entry.office_code,
                    actor="system",
                    action="waitlist.pass",
                    subject=entry.entry_code,
                    now=now,
                )
                offered += await hand_on(conn, entry, now) is not None
    async with db.read() as conn:
        sessions = await waitlist_repo.sessions_waited_for(conn, now.date())
    for s in sessions:
        async with db.write() as conn:
            offered += await offer_free_places(conn, s.office_code, s.day, s.starts, s.category, now)
    return {"passed": passed, "offered": offered}
