"""Contact verification and the release of a squatted NIK (issue 21; docs/security.md, "NIK squatting").

A booking made while `LOKET_VERIFY_CONTACT` is on is *pending*: it holds its place (a rush stays
fair) but not its NIK, and its payment deadline is the code's expiry, so an unverified booking
lapses through the usual expiry sweep (services/expiry.py). `start_booking_code` sends a 6-digit
code to its contact through the outbox; `verify_booking` counts the try atomically, then takes
the NIK holds, sets the real payment deadline and issues the billing codes (the provider is asked
after commit, services/billing/codes.py).

The oracle is closed: a booking attempt answers "we sent a code" whether or not its NIK holds a
booking (the holder's contact is told instead), and a right code for a NIK held by a verified
booking answers exactly as a code used up by wrong tries (`booking_not_confirmed`).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from loket.domain import contact_code as rules
from loket.domain.ballot import check_entry_window
from loket.domain.booking import (
    ACTIVE_STATUSES,
    BookingPlan,
    BookingPolicy,
    Status,
    new_billing_code,
    pay_deadline,
)
from loket.domain.contact_code import Purpose, State, Verdict
from loket.domain.errors import Conflict, DomainError, InvalidInput, NotFound
from loket.domain.identity import mask_nik, normalize_phone, parse_nik
from loket.domain.notification import Event
from loket.domain.waitlist import WaitStatus
from loket.notify.events import about_booking_rows
from loket.notify.outbox import outbox_rows
from loket.services.audit import record
from loket.services.billing.codes import fetch_code
from loket.services.billing.provider import BillingProvider
from loket.services.catalog import Catalog
from loket.services.notifications import about_booking
from loket.services.refunds import open_paid_cancellation_refund
from loket.services.waitlist_offers import offer_free_places, place_freed
from loket.store import (
    ballot_repo,
    billing_repo,
    booking_repo,
    contact_code_repo,
    offices_repo,
    outbox_repo,
    waitlist_repo,
)
from loket.store.database import Connection, Database, on_commit


@dataclass(frozen=True)
class CodeSent:
    """What the requester is told: the same for every valid attempt."""

    office_code: str
    code_id: str
    sent_to: str  # masked
    expires_at: datetime


@dataclass(frozen=True)
class Confirmed:
    """A verified booking, as the applicant is told of it."""

    booking_code: str
    billing_code: str | None


def not_confirmed() -> Conflict:
    # One answer for a code used up by wrong tries, an expired or unknown code, and a right code
    # whose NIK already holds a verified booking: the requester cannot tell them apart.
    return Conflict(
        "booking_not_confirmed",
        "This booking could not be confirmed and its place was released. Book again to get a new "
        "code; if someone else booked with your NIK, release it on the status page",
        field="code",
    )


def _code_rows(
    *,
    office_code: str,
    purpose: Purpose,
    phone: str | None,
    email: str | None,
    locale: str,
    secret: str,
    now: datetime,
    nik: str | None = None,
    kk_hash: str | None = None,
    client_ip: str | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
    code_id = secrets.token_urlsafe(18)  # 24 characters: the outbox subject's width
    code = rules.new_code()
    row = {
        "office_code": office_code,
        "id": code_id,
        "purpose": purpose.value,
        "state": State.PENDING.value,
        "code_hash": rules.code_hash(secret, code_id, code),
        "tries_left": rules.TRIES,
        "expires_at": rules.expires_at(now),
        "phone": phone,
        "email": email,
        "locale": locale,
        "nik": nik,
        "kk_hash": kk_hash,
        "client_ip": client_ip,
        "created_at": now,
        "finished_at": None,
    }
    messages = outbox_rows(
        office_code=office_code,
        event=Event.CONTACT_CODE,
        subject=code_id,
        phone=phone,
        email=email,
        locale=locale,
        params={"otp": code, "minutes": rules.VALID_MINUTES},
        now=now,
    )
    return row, messages, code_id


async def code_sent(db: Database, office_code: str, code_id: str) -> CodeSent:
    """Where a code went and until when (for its entry page); one 404 for every unknown handle."""
    async with db.read() as conn:
        row = await contact_code_repo.code_row(conn, office_code, code_id)
    if row is None:
        raise NotFound("code_unknown", "This code page is not valid; book again", field="code")
    return CodeSent(row.office_code, row.id, rules.masked_contact(row.phone, row.email), row.expires_at)


async def _tell_holder(conn: Connection, nik: str, attempt: str, now: datetime) -> str | None:
    """Tell the verified contact of the booking holding `nik` that someone tried it; its code, or None."""
    held = await contact_code_repo.holding_booking(conn, nik)
    if held is None or held.status not in ACTIVE_STATUSES:
        return None
    await about_booking(conn, held, Event.NIK_ATTEMPT, now, occasion=attempt)
    return str(held.booking_code)


async def start_booking_code(
    conn: Connection,
    plans: Sequence[BookingPlan],
    booking_codes: Sequence[str],
    *,
    locale: str,
    secret: str,
    now: datetime,
    kk: Sequence[str | None] = (),
) -> CodeSent:
    """In the booking's transaction (or the one after it): one code for these pending bookings,
    sent to their shared contact; the holders of NIKs already booked are told of the attempt."""
    if not secret:
        raise ValueError("contact codes need the server's secret key")  # a caller's mistake
    first = plans[0]
    row, messages, code_id = _code_rows(
        office_code=first.office_code,
        purpose=Purpose.BOOKING,
        phone=first.phone,
        email=first.email,
        locale=locale,
        secret=secret,
        now=now,
        client_ip=first.client_ip,
    )
    await contact_code_repo.add_code(conn, row)
    kks = list(kk) + [None] * (len(plans) - len(kk))
    await contact_code_repo.add_pending(
        conn,
        [
            {
                "office_code": plan.office_code,
                "booking_code": code,
                "code_id": code_id,
                "state": "pending",
                "kk_hash": rules.kk_hash(secret, k) if k else None,
                "finished_at": None,
            }
            for plan, code, k in zip(plans, booking_codes, kks, strict=True)
        ],
    )
    await outbox_repo.enqueue(conn, messages)
    for plan in plans:
        await _tell_holder(conn, plan.nik, code_id, now)
    await record(
        conn,
        office_code=first.office_code,
        actor="applicant",
        action="contact.code_sent",
        subject=code_id,
        detail={"bookings": list(booking_codes)},
        now=now,
    )
    return CodeSent(
        first.office_code, code_id, rules.masked_contact(first.phone, first.email), row["expires_at"]
    )


async def _release_pending(conn: Connection, rows: Sequence[Any], state: str, now: datetime) -> None:
    """Pending bookings that will not be confirmed give their places back (waiting list first)."""
    for row in rows:
        if await booking_repo.release(conn, row, Status.EXPIRED, now, only_if_status=(row.status,)):
            await place_freed(conn, row.office_code, row.day, row.starts, row.category, row.seat, now)
        await contact_code_repo.finish_booking(conn, row.office_code, row.booking_code, state, now)


async def _take_hold(conn: Connection, row: Any, now: datetime) -> str | None:
    """The NIK's hold for this booking; the code of the booking that holds it instead, or None.
    A hold left by a booking that is no longer active (lapsed, ended) is taken over."""
    if await booking_repo.take_hold(conn, row.nik, row.office_code, row.booking_code):
        return None
    held = await contact_code_repo.holding_booking(conn, row.nik, lock=True)
    if held is not None and held.status in ACTIVE_STATUSES:
        lapsed = held.status == Status.AWAITING_PAYMENT.value and held.pay_before <= now
        if not lapsed:
            return str(held.booking_code)
        await booking_repo.release(conn, held, Status.EXPIRED, now, only_if_status=(held.status,))
        await place_freed(conn, held.office_code, held.day, held.starts, held.category, held.seat, now)
    hold = await booking_repo.hold_of(conn, row.nik)
    if hold is not None:
        await booking_repo.drop_hold(conn, row.nik, hold.booking_code)
    await booking_repo.take_hold(conn, row.nik, row.office_code, row.booking_code)
    return None


async def verify_booking(
    db: Database,
    catalog: Catalog,
    office_code: str,
    code_id: str,
    typed: str,
    *,
    policy: BookingPolicy,
    secret: str,
    now: datetime,
    billing: BillingProvider | None = None,
    billing_backoff_max_s: float = 300.0,
) -> list[Confirmed]:
    """The code entered for pending bookings: right, they are confirmed (NIK holds, billing codes)."""
    code = rules.clean_code(typed)
    external = billing is not None and not billing.issues_locally
    ctx = await catalog.get(db, office_code)
    done: list[Confirmed] = []
    refused = False
    async with db.write() as conn:
        counted = await contact_code_repo.count_try(conn, office_code, code_id, now)
        if counted is None or counted.purpose != Purpose.BOOKING.value:
            verdict = Verdict.SPENT
        else:
            verdict = rules.judge(secret, code_id, code, counted.code_hash, counted.tries_left)
        left = int(counted.tries_left) if counted is not None else 0
        locale = str(counted.locale) if counted is not None else "id"
        if verdict is Verdict.WRONG:
            pass  # the counted try commits; the answer says how many are left
        elif verdict is Verdict.SPENT:
            if counted is not None:
                pending = await contact_code_repo.pending_bookings(conn, office_code, code_id)
                await _release_pending(conn, pending, "refused", now)
                await contact_code_repo.finish_code(conn, office_code, code_id, State.FAILED.value, now)
                await record(
                    conn,
                    office_code=office_code,
                    actor="applicant",
                    action="contact.code_spent",
                    subject=code_id,
                    now=now,
                )
        else:
            pending = await contact_code_repo.pending_bookings(conn, office_code, code_id)
            live = [r for r in pending if r.status == Status.AWAITING_PAYMENT.value and r.pay_before > now]
            savepoint = await conn.begin_nested()
            held_by = {r.booking_code: await _take_hold(conn, r, now) for r in live}
            blocked = {c: h for c, h in held_by.items() if h is not None}
            if blocked or not live or len(live) < len(pending):
                await savepoint.rollback()
                refused = True
                await _release_pending(conn, pending, "refused", now)
                await contact_code_repo.finish_code(conn, office_code, code_id, State.FAILED.value, now)
                await record(
                    conn,
                    office_code=office_code,
                    actor="applicant",
                    action="contact.refused",
                    subject=code_id,
                    detail={"held_by": sorted(set(blocked.values()))},
                    now=now,
                )
            else:
                await savepoint.commit()
                for r in live:
                    deadline = pay_deadline(ctx.office, r.day, now, policy.hold_minutes)
                    billing_code = None if external else new_billing_code()
                    await contact_code_repo.confirm_pending(conn, r, deadline, now)
                    if billing_code is not None:
                        await billing_repo.set_code(
                            conn,
                            office_code,
                            r.booking_code,
                            {
                                "billing_code": billing_code,
                                "office_code": office_code,
                                "booking_code": r.booking_code,
                                "amount": int(r.amount),
                                "created_at": now,
                            },
                        )
                        updated = await booking_repo.booking_by_code(conn, office_code, r.booking_code)
                        await outbox_repo.enqueue(
                            conn, about_booking_rows(updated, Event.BOOKING_MADE, locale, now)
                        )
                    else:
                        await billing_repo.add_request(conn, office_code, r.booking_code, locale, now)
                    await contact_code_repo.finish_booking(conn, office_code, r.booking_code, "verified", now)
                    done.append(Confirmed(r.booking_code, billing_code))
                await contact_code_repo.finish_code(conn, office_code, code_id, State.VERIFIED.value, now)
                await record(
                    conn,
                    office_code=office_code,
                    actor="applicant",
                    action="contact.verified",
                    subject=code_id,
                    detail={"bookings": [d.booking_code for d in done]},
                    now=now,
                )
        on_commit(conn, lambda: catalog.forget_alternatives(office_code))
    if verdict is Verdict.WRONG:
        raise InvalidInput(
            "code_wrong", "This code is not right; %(left)d tries left", field="code", left=left
        )
    if verdict is Verdict.SPENT or refused:
        raise not_confirmed()
    if billing is not None and external:
        done = [
            Confirmed(
                d.booking_code,
                await fetch_code(
                    db, billing, office_code, d.booking_code, now, backoff_max_s=billing_backoff_max_s
                ),
            )
            for d in done
        ]
    return done


# --- The real holder releases a booking made with their NIK ---------------------------------


async def start_release(
    db: Database,
    catalog: Catalog,
    office_code: str,
    nik: str,
    kk: str,
    phone: str,
    email: str | None,
    *,
    locale: str,
    secret: str,
    now: datetime,
    client_ip: str | None = None,
) -> CodeSent:
    """The holder of a NIK asks to release a booking made with it: a code to their (new) contact.
    The answer is the same whether or not the NIK holds a booking."""
    info = parse_nik(nik)
    family_card = rules.clean_kk(kk, required=True)
    assert family_card is not None
    number = normalize_phone(phone)
    ctx = await catalog.get(db, office_code)
    async with db.write() as conn:
        row, messages, code_id = _code_rows(
            office_code=ctx.office.code,
            purpose=Purpose.RELEASE,
            phone=number,
            email=email,
            locale=locale,
            secret=secret,
            now=now,
            nik=info.nik,
            kk_hash=rules.kk_hash(secret, family_card),
            client_ip=client_ip,
        )
        await contact_code_repo.add_code(conn, row)
        await outbox_repo.enqueue(conn, messages)
        await record(
            conn,
            office_code=ctx.office.code,
            actor="applicant",
            action="nik_release.code_sent",
            subject=code_id,
            detail={"nik": mask_nik(info.nik)},
            now=now,
        )
    return CodeSent(ctx.office.code, code_id, rules.masked_contact(number, email), row["expires_at"])


async def verify_release(
    db: Database,
    catalog: Catalog,
    office_code: str,
    code_id: str,
    typed: str,
    *,
    secret: str,
    now: datetime,
) -> None:
    """The code of a release claim: right, a booking holding the NIK with no KK or another KK is
    released, and its contact and address are flagged for the broker report. The answer says
    nothing of whether a booking was found (wrong codes are told, as for a booking)."""
    code = rules.clean_code(typed)
    async with db.write() as conn:
        counted = await contact_code_repo.count_try(conn, office_code, code_id, now)
        if counted is None or counted.purpose != Purpose.RELEASE.value:
            verdict = Verdict.SPENT
        else:
            verdict = rules.judge(secret, code_id, code, counted.code_hash, counted.tries_left)
        if verdict is Verdict.RIGHT:
            assert counted is not None
            await _release_squatted(conn, catalog, counted, now)
        if verdict is not Verdict.WRONG and counted is not None:
            state = State.VERIFIED if verdict is Verdict.RIGHT else State.FAILED
            await contact_code_repo.finish_code(conn, office_code, code_id, state.value, now)
    if verdict is Verdict.WRONG:
        assert counted is not None
        raise InvalidInput(
            "code_wrong",
            "This code is not right; %(left)d tries left",
            field="code",
            left=int(counted.tries_left),
        )
    if verdict is Verdict.SPENT:
        raise Conflict("code_spent", "This code can no longer be used; ask for a new one", field="code")


async def _release_squatted(conn: Connection, catalog: Catalog, claim: Any, now: datetime) -> None:
    held = await contact_code_repo.holding_booking(conn, claim.nik, lock=True)
    if held is None or held.status not in ACTIVE_STATUSES:
        await record(
            conn,
            office_code=claim.office_code,
            actor="applicant",
            action="nik_release.nothing_held",
            subject=claim.id,
            detail={"nik": mask_nik(claim.nik)},
            now=now,
        )
        return
    verification = await contact_code_repo.verification_of(conn, held.office_code, held.booking_code)
    held_kk = verification.kk_hash if verification is not None else None
    if not rules.kk_releases(held_kk, claim.kk_hash):
        # The same family card: the claimant's own (or family's) booking; nothing to release.
        await record(
            conn,
            office_code=claim.office_code,
            actor="applicant",
            action="nik_release.same_kk",
            subject=claim.id,
            detail={"booking": held.booking_code},
            now=now,
        )
        return
    refund = int(held.amount) if held.status == Status.PAID.value else 0
    await booking_repo.release(conn, held, Status.CANCELLED, now, refund_due=refund)
    if refund:
        await open_paid_cancellation_refund(conn, held, refund, now)
    await place_freed(conn, held.office_code, held.day, held.starts, held.category, held.seat, now)
    await contact_code_repo.mark_released(conn, held.office_code, held.booking_code, claim.id, now)
    await about_booking(conn, held, Event.NIK_RELEASED, now)
    await record(
        conn,
        office_code=held.office_code,
        actor="applicant",
        action="booking.release_squatted",
        subject=held.booking_code,
        detail={
            "claim": claim.id,
            "claim_office": claim.office_code,
            "booking_had_kk": held_kk is not None,
            "refund_due": refund,
        },
        now=now,
    )
    office = held.office_code
    on_commit(conn, lambda: catalog.forget_alternatives(office))


# --- Waiting-list and ballot entries: counted once their contact is verified -----------------

ENTRY_PURPOSES = (Purpose.WAITLIST.value, Purpose.BALLOT.value)


async def start_entry_code(
    conn: Connection,
    purpose: Purpose,
    *,
    office_code: str,
    entry_code: str,
    nik: str,
    phone: str | None,
    email: str | None,
    locale: str,
    secret: str,
    now: datetime,
    client_ip: str | None = None,
) -> CodeSent:
    """In the join's (or entry's) transaction: a code to the entry's contact; the entry is not
    offered places or drawn until it is entered. The holder of a NIK already booked is told."""
    if not secret:
        raise ValueError("contact codes need the server's secret key")  # a caller's mistake
    row, messages, code_id = _code_rows(
        office_code=office_code,
        purpose=purpose,
        phone=phone,
        email=email,
        locale=locale,
        secret=secret,
        now=now,
        client_ip=client_ip,
    )
    await contact_code_repo.add_code(conn, row)
    await contact_code_repo.add_pending(
        conn,
        [
            {
                "office_code": office_code,
                "booking_code": entry_code,
                "code_id": code_id,
                "state": "pending",
                "kk_hash": None,
                "finished_at": None,
            }
        ],
    )
    await outbox_repo.enqueue(conn, messages)
    await _tell_holder(conn, nik, code_id, now)
    await record(
        conn,
        office_code=office_code,
        actor="applicant",
        action="contact.code_sent",
        subject=code_id,
        detail={"entry": entry_code},
        now=now,
    )
    return CodeSent(office_code, code_id, rules.masked_contact(phone, email), row["expires_at"])


async def _nik_held(conn: Connection, nik: str, now: datetime) -> bool:
    """Whether an active booking (not one lapsed unpaid) holds the NIK."""
    held = await contact_code_repo.holding_booking(conn, nik)
    if held is None or held.status not in ACTIVE_STATUSES:
        return False
    return not (held.status == Status.AWAITING_PAYMENT.value and held.pay_before <= now)


async def _count_entry(
    conn: Connection, purpose: str, office_code: str, entry_code: str, now: datetime
) -> bool:
    """The entry counts from now on; False when it is gone, its NIK is held, or its ballot closed."""
    if purpose == Purpose.WAITLIST.value:
        entry = await waitlist_repo.entry_by_code(conn, office_code, entry_code, lock=True)
        if entry is None or await _nik_held(conn, entry.nik, now):
            return False
        if not await waitlist_repo.verify_entry(conn, office_code, entry_code, now):
            return False
        # A place may have freed while the code was on its way: offer it now, in line order.
        await offer_free_places(conn, office_code, entry.day, entry.starts, entry.category, now)
        return True
    entry = await ballot_repo.entry_by_code(conn, office_code, entry_code)
    if entry is None or await _nik_held(conn, entry.nik, now):
        return False
    release = await ballot_repo.release_row(conn, office_code, entry.day, lock="share")
    office = await offices_repo.load_office(conn, office_code)
    try:
        check_entry_window(ballot_repo.release_of(release) if release else None, office, now)
    except DomainError:
        return False  # the draw has closed meanwhile: the entry cannot count any more
    return await ballot_repo.verify_entry(conn, office_code, entry_code)


async def _drop_entry(conn: Connection, purpose: str, office_code: str, entry_code: str) -> None:
    if purpose == Purpose.WAITLIST.value:
        entry = await waitlist_repo.entry_by_code(conn, office_code, entry_code, lock=True)
        if entry is not None and entry.status == WaitStatus.UNVERIFIED.value:
            await waitlist_repo.delete_entry(conn, entry)
    else:
        await ballot_repo.delete_unverified(conn, office_code, entry_code)


async def verify_entry(
    db: Database, office_code: str, code_id: str, typed: str, *, secret: str, now: datetime
) -> str:
    """The code entered for a waiting-list or ballot entry: right, the entry counts; its entry code.

    A right code for an entry whose NIK holds an active booking answers exactly as a code used up
    by wrong tries (`booking_not_confirmed`), and the entry is dropped: no oracle here either."""
    code = rules.clean_code(typed)
    async with db.write() as conn:
        counted = await contact_code_repo.count_try(conn, office_code, code_id, now)
        if counted is None or counted.purpose not in ENTRY_PURPOSES:
            verdict = Verdict.SPENT
        else:
            verdict = rules.judge(secret, code_id, code, counted.code_hash, counted.tries_left)
        left = int(counted.tries_left) if counted is not None else 0
        entry_code = None
        if counted is not None and counted.purpose in ENTRY_PURPOSES and verdict is not Verdict.WRONG:
            purpose = str(counted.purpose)
            entry_code = await contact_code_repo.pending_subject(conn, office_code, code_id)
            ok = verdict is Verdict.RIGHT and entry_code is not None
            ok = ok and await _count_entry(conn, purpose, office_code, str(entry_code), now)
            if not ok:
                verdict = Verdict.SPENT
                if entry_code is not None:
                    await _drop_entry(conn, purpose, office_code, entry_code)
            if entry_code is not None:
                await contact_code_repo.finish_booking(
                    conn, office_code, entry_code, "verified" if ok else "refused", now
                )
            await contact_code_repo.finish_code(
                conn, office_code, code_id, (State.VERIFIED if ok else State.FAILED).value, now
            )
            await record(
                conn,
                office_code=office_code,
                actor="applicant",
                action="contact.verified" if ok else "contact.refused",
                subject=code_id,
                detail={"entry": entry_code},
                now=now,
            )
    if verdict is Verdict.WRONG:
        raise InvalidInput(
            "code_wrong", "This code is not right; %(left)d tries left", field="code", left=left
        )
    if verdict is Verdict.SPENT or entry_code is None:
        raise not_confirmed()
    return entry_code
