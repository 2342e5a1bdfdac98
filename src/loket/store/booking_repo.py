"""Bookings in the database: taking and releasing places, holds per NIK and per contact.

Lock policy (docs/locking.md), in the order locks are taken:
1. a free `places` row of the session (SELECT ... FOR UPDATE SKIP LOCKED, then a blocking
   retry when the skip found nothing, so a place in flight that is rolled back is not missed);
2. the `nik_holds` row of the NIK (primary key: one active booking per NIK, country-wide);
3. the `contact_usage` rows of the phone and e-mail, in sorted order (conditional increment);
4. the new `bookings`, `billings`, `audit_log` and `notify_outbox` rows.
Releasing a booking locks its `bookings` row first (conditional UPDATE on its status), then
frees its place, drops the NIK hold and decrements the contact counters in the same order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import psycopg.errors
from sqlalchemy import and_, delete, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.domain.booking import ACTIVE_STATUSES, BookingPlan, Status
from loket.notify.outbox import booking_made_rows
from loket.store import dialect
from loket.store.ids import new_id
from loket.store.tables import (
    audit_log,
    billings,
    bookings,
    contact_usage,
    nik_holds,
    notify_outbox,
    places,
)


class Outcome(StrEnum):
    BOOKED = "booked"
    FULL = "full"  # no free place in the session
    BUSY = "busy"  # the free places are all locked by bookings in flight (PostgreSQL, SKIP LOCKED)
    NIK_HELD = "nik_held"  # the NIK already holds an active booking
    CONTACT_FULL = "contact_full"  # the phone or e-mail already books for the most people allowed


@dataclass(frozen=True)
class TakeResult:
    """How an attempt to take a place ended; only BOOKED wrote anything."""

    outcome: Outcome
    seat: int | None = None
    failed_contact: str | None = None

    @property
    def booked(self) -> bool:
        return self.outcome is Outcome.BOOKED


def contacts_of(phone: str, email: str | None, address_key: str | None = None) -> list[str]:
    """The counter keys a booking counts against (phone, e-mail, address), sorted: the lock order."""
    keys = [f"tel:{phone}"] + ([f"mailto:{email}"] if email else [])
    return sorted(keys + ([address_key] if address_key else []))


def limits_of(plan: BookingPlan, max_per_contact: int, max_per_address: int = 0) -> dict[str, int]:
    """Each counter key of the plan with its limit."""
    found = dict.fromkeys(plan.contacts, max_per_contact)
    if plan.address_key and max_per_address:
        found[plan.address_key] = max_per_address
    return found



def booking_row(
    plan: BookingPlan, code: str, billing_code: str, seat: int | None, now: datetime
) -> dict[str, Any]:
    return {
        "office_code": plan.office_code,
        "booking_code": code,
        "nik": plan.nik,
        "full_name": plan.full_name,
        "birth_date": plan.birth_date,
        "sex": plan.sex.value,
        "phone": plan.phone,
        "email": plan.email,
        "day": plan.day,
        "starts": plan.session.starts,
        "category": plan.category.value,
        "seat": seat,
        "product": plan.product.value,
        "validity_years": plan.validity_years,
        "service": plan.service.value,
        "priority_reason": plan.priority_reason.value if plan.priority_reason else None,
        "amount": plan.amount,
        "billing_code": billing_code,
        "status": Status.AWAITING_PAYMENT.value,
        "pay_before": plan.pay_before,
        "created_at": now,
        "updated_at": now,
        "paid_at": None,
        "reschedules": 0,
        "refund_due": 0,
        "client_ip": plan.client_ip,
        "client_fp": plan.client_fp,
        "address_key": None,  # set by take_place when the address was counted
    }


async def claim_seat(
    conn: AsyncConnection, office_code: str, day: date, starts: Any, category: str, code: str
) -> int | None:
    """Claim a free place of the session for `code`; None when the session is full."""
    scope = and_(
        places.c.office_code == office_code,
        places.c.day == day,
        places.c.starts == starts,
        places.c.category == category,
    )
    for skip_locked in (True, False):
        query = (
            select(places.c.seat)
            .where(scope, places.c.booking_code.is_(None))
            .order_by(places.c.seat)
            .limit(1)
        )
        query = dialect.locked(conn, query, skip_locked=skip_locked)
        seat = (await conn.execute(query)).scalar()
        if seat is not None:
            await conn.execute(update(places).where(scope, places.c.seat == seat).values(booking_code=code))
            return int(seat)
        if not dialect.is_postgresql(conn):
            break  # SQLite holds the database write lock: nothing is in flight elsewhere
    return None


async def take_contacts(
    conn: AsyncConnection, contacts: list[str], limit: int, limits: Mapping[str, int] | None = None
) -> str | None:
    """Count one more person against each contact; the first contact over its limit, or None.

    `limits` gives a key its own limit (the address limit differs from the family limit)."""
    for contact in sorted(contacts):
        cap = (limits or {}).get(contact, limit)
        stmt = dialect.insert(conn, contact_usage).values(contact=contact, active=1, max_active=cap)
        stmt = stmt.on_conflict_do_update(
            index_elements=["contact"],
            set_={"active": contact_usage.c.active + 1, "max_active": cap},
            where=contact_usage.c.active < cap,
        ).returning(contact_usage.c.active)
        if (await conn.execute(stmt)).first() is None:
            return contact
    return None


async def take_hold(conn: AsyncConnection, nik: str, office_code: str, code: str) -> bool:
    stmt = (
        dialect.insert(conn, nik_holds)
        .values(nik=nik, office_code=office_code, booking_code=code)
        .on_conflict_do_nothing(index_elements=["nik"])
        .returning(nik_holds.c.nik)
    )
    return (await conn.execute(stmt)).first() is not None


async def take_place(
    conn: AsyncConnection,
    plan: BookingPlan,
    code: str,
    billing_code: str,
    now: datetime,
    max_per_contact: int,
    locale: str = "id",
    *,
    max_per_address: int = 0,
    actor: str = "applicant",
) -> TakeResult:
    """Take a place with portable statements (SQLite; PostgreSQL outside the hot path)."""
    seat = await claim_seat(conn, plan.office_code, plan.day, plan.session.starts, plan.category.value, code)
    if seat is None:
        return TakeResult(Outcome.FULL)
    if not await take_hold(conn, plan.nik, plan.office_code, code):
        return TakeResult(Outcome.NIK_HELD, seat)
    limits = limits_of(plan, max_per_contact, max_per_address)
    failed = await take_contacts(conn, list(limits), max_per_contact, limits)
    if failed is not None:
        return TakeResult(Outcome.CONTACT_FULL, seat, failed_contact=failed)
    row = booking_row(plan, code, billing_code, seat, now)
    row["address_key"] = plan.address_key if plan.address_key in limits else None
    await conn.execute(bookings.insert().values(row))
    await conn.execute(
        billings.insert().values(
            billing_code=billing_code,
            office_code=plan.office_code,
            booking_code=code,
            amount=plan.amount,
            created_at=now,
        )
    )
    await conn.execute(audit_log.insert().values(**audit_values(plan, code, billing_code, now, actor)))
    # The 'booking made' messages go out in the booking's own transaction (the outbox).
    await conn.execute(notify_outbox.insert(), booking_made_rows(plan, code, billing_code, now, locale))
    return TakeResult(Outcome.BOOKED, seat)


def audit_values(
    plan: BookingPlan, code: str, billing_code: str, now: datetime, actor: str = "applicant"
) -> dict[str, Any]:
    return {
        "office_code": plan.office_code,
        "id": new_id(),
        "at": now,
        "actor": actor,
        "action": "booking.create",
        "subject": code,
        "detail": {
            "day": plan.day.isoformat(),
            "session": plan.session.name,
            "category": plan.category.value,
            "billing_code": billing_code,
            "amount": plan.amount,
        },
    }


# One statement on PostgreSQL, run in autocommit mode: one round trip, one transaction. Each step
# feeds the next, so with no free place nothing is written; a NIK that already holds a booking
# (primary key of nik_holds) or a contact over its limit (CHECK active <= max_active) raises an
# error that undoes the whole statement. See the lock policy above.
PG_TAKE_PLACE = """
WITH seat AS (
    SELECT seat FROM places
    WHERE office_code = %(office)s AND day = %(day)s AND starts = %(starts)s AND category = %(category)s
      AND booking_code IS NULL
    ORDER BY seat LIMIT 1
    FOR UPDATE {skip}
), taken AS (
    -- A scalar subquery, not a join: the whole primary key is then an index condition.
    UPDATE places p SET booking_code = %(code)s
    WHERE p.office_code = %(office)s AND p.day = %(day)s AND p.starts = %(starts)s
      AND p.category = %(category)s AND p.seat = (SELECT seat FROM seat)
    RETURNING p.seat
), hold AS (
    INSERT INTO nik_holds (nik, office_code, booking_code)
    SELECT %(nik)s, %(office)s, %(code)s FROM taken
    RETURNING 1
), contact AS (
    INSERT INTO contact_usage AS cu (contact, active, max_active)
    SELECT c.key, 1, c.cap FROM hold, unnest(%(contacts)s::text[], %(limits)s::int[]) AS c(key, cap)
    ORDER BY c.key
    ON CONFLICT (contact) DO UPDATE SET active = cu.active + 1, max_active = EXCLUDED.max_active
    RETURNING contact
), booking AS (
    INSERT INTO bookings (office_code, booking_code, nik, full_name, birth_date, sex, phone, email,
        day, starts, category, seat, product, validity_years, service, priority_reason, amount, billing_code,
        status, pay_before, created_at, updated_at, paid_at, reschedules, refund_due,
        client_ip, client_fp, address_key)
    SELECT %(office)s, %(code)s, %(nik)s, %(full_name)s, %(birth_date)s, %(sex)s, %(phone)s, %(email)s,
        %(day)s, %(starts)s, %(category)s, (SELECT seat FROM taken), %(product)s, %(validity_years)s,
        %(service)s, %(priority_reason)s, %(amount)s, %(billing_code)s, 'awaiting_payment', %(pay_before)s,
        %(now)s, %(now)s, NULL, 0, 0, %(client_ip)s, %(client_fp)s, %(address_key)s
    FROM hold
    WHERE (SELECT count(*) FROM contact) = %(n_contacts)s  -- always true; orders booking after contact
    RETURNING 1
), billing AS (  -- data-modifying CTEs run whether or not the final SELECT reads them
    INSERT INTO billings (billing_code, office_code, booking_code, amount, created_at)
    SELECT %(billing_code)s, %(office)s, %(code)s, %(amount)s, %(now)s FROM booking
    RETURNING 1
), audit AS (
    INSERT INTO audit_log (office_code, id, at, actor, action, subject, detail)
    SELECT %(office)s, %(audit_id)s, %(now)s, 'applicant', 'booking.create', %(code)s, %(audit_detail)s::json
    FROM booking
    RETURNING 1
), outbox AS (  -- the 'booking made' messages, one row per channel (notify/outbox.py)
    INSERT INTO notify_outbox (office_code, id, idempotency_key, event, subject, channel, recipient, locale,
        params, status, attempts, next_attempt_at, created_at)
    SELECT %(office)s, o.id, o.key, 'booking_made', %(code)s, o.channel, o.recipient, %(locale)s,
        %(outbox_params)s::json, 'pending', 0, %(now)s, %(now)s
    FROM booking, unnest(%(outbox_ids)s::text[], %(outbox_keys)s::text[], %(outbox_channels)s::text[],
        %(outbox_recipients)s::text[]) AS o(id, key, channel, recipient)
    RETURNING 1
)
SELECT (SELECT seat FROM taken) AS seat, (SELECT count(*) FROM booking) AS booked,
       -- Free in this statement's snapshot, though maybe locked: worth waiting for (see _attempt).
       EXISTS (SELECT 1 FROM places WHERE office_code = %(office)s AND day = %(day)s AND starts = %(starts)s
               AND category = %(category)s AND booking_code IS NULL) AS any_free
"""
PG_TAKE_PLACE_SKIP = PG_TAKE_PLACE.format(skip="SKIP LOCKED")
PG_TAKE_PLACE_WAIT = PG_TAKE_PLACE.format(skip="")


def pg_params(
    plan: BookingPlan,
    code: str,
    billing_code: str,
    now: datetime,
    max_per_contact: int,
    locale: str = "id",
    max_per_address: int = 0,
) -> dict[str, Any]:
    import json

    audit = audit_values(plan, code, billing_code, now)
    outbox = booking_made_rows(plan, code, billing_code, now, locale)
    limits = limits_of(plan, max_per_contact, max_per_address)
    keys = sorted(limits)
    return {
        "office": plan.office_code,
        "day": plan.day,
        "starts": plan.session.starts,
        "category": plan.category.value,
        "code": code,
        "nik": plan.nik,
        "contacts": keys,
        "limits": [limits[k] for k in keys],
        "n_contacts": len(keys),
        "client_ip": plan.client_ip,
        "client_fp": plan.client_fp,
        "address_key": plan.address_key if plan.address_key in limits else None,
        "full_name": plan.full_name,
        "birth_date": plan.birth_date,
        "sex": plan.sex.value,
        "phone": plan.phone,
        "email": plan.email,
        "product": plan.product.value,
        "validity_years": plan.validity_years,
        "service": plan.service.value,
        "priority_reason": plan.priority_reason.value if plan.priority_reason else None,
        "amount": plan.amount,
        "billing_code": billing_code,
        "pay_before": plan.pay_before,
        "now": now,
        "audit_id": audit["id"],
        "audit_detail": json.dumps(audit["detail"]),
        "locale": locale,
        "outbox_params": json.dumps(outbox[0]["params"]),
        "outbox_ids": [r["id"] for r in outbox],
        "outbox_keys": [r["idempotency_key"] for r in outbox],
        "outbox_channels": [r["channel"] for r in outbox],
        "outbox_recipients": [r["recipient"] for r in outbox],
    }


async def pg_take_place(
    driver_conn: Any,
    plan: BookingPlan,
    code: str,
    billing_code: str,
    now: datetime,
    max_per_contact: int,
    *,
    wait: bool,
    locale: str = "id",
    max_per_address: int = 0,
) -> TakeResult:
    """The PostgreSQL hot path: one prepared statement on an autocommit psycopg connection."""
    params = pg_params(plan, code, billing_code, now, max_per_contact, locale, max_per_address)
    try:
        cursor = await driver_conn.execute(PG_TAKE_PLACE_WAIT if wait else PG_TAKE_PLACE_SKIP, params)
    except psycopg.errors.UniqueViolation as exc:
        if exc.diag.constraint_name != "pk_nik_holds":
            raise  # a booking or billing code collided: the caller retries with fresh codes
        return TakeResult(Outcome.NIK_HELD)
    except psycopg.errors.CheckViolation as exc:
        if exc.diag.constraint_name != "ck_contact_usage_limit":
            raise
        cursor = await driver_conn.execute(
            "SELECT contact FROM contact_usage WHERE contact = ANY(%s) AND active >= max_active"
            " ORDER BY contact",
            (params["contacts"],),
        )
        full = await cursor.fetchone()
        return TakeResult(Outcome.CONTACT_FULL, failed_contact=full[0] if full else params["contacts"][0])
    seat, booked, any_free = await cursor.fetchone()
    if booked:
        return TakeResult(Outcome.BOOKED, seat)
    # After waiting (no SKIP LOCKED) a place that was free in the snapshot may have gone meanwhile.
    return TakeResult(Outcome.BUSY if any_free and not wait else Outcome.FULL)


async def booking_by_code(
    conn: AsyncConnection, office_code: str, code: str, *, lock: bool = False
) -> Row[Any] | None:
    query = select(bookings).where(bookings.c.office_code == office_code, bookings.c.booking_code == code)
    if lock:
        query = dialect.locked(conn, query)
    return (await conn.execute(query)).first()


async def release(
    conn: AsyncConnection,
    booking: Row[Any],
    new_status: Status,
    now: datetime,
    *,
    only_if_status: tuple[str, ...] = tuple(ACTIVE_STATUSES),
    refund_due: int = 0,
) -> bool:
    """Move an active booking to `new_status` and give back its place, NIK hold and contact counts."""
    result = await conn.execute(
        update(bookings)
        .where(
            bookings.c.office_code == booking.office_code,
            bookings.c.booking_code == booking.booking_code,
            bookings.c.status.in_(only_if_status),
        )
        .values(
            status=new_status.value, updated_at=now, seat=None, refund_due=bookings.c.refund_due + refund_due
        )
    )
    if not result.rowcount:
        return False  # someone else released it first
    await conn.execute(
        update(places)
        .where(
            places.c.office_code == booking.office_code,
            places.c.day == booking.day,
            places.c.starts == booking.starts,
            places.c.category == booking.category,
            places.c.booking_code == booking.booking_code,
        )
        .values(booking_code=None)
    )
    await drop_hold(conn, booking.nik, booking.booking_code)
    for contact in contacts_of(booking.phone, booking.email, booking.address_key):
        await conn.execute(
            update(contact_usage)
            .where(contact_usage.c.contact == contact, contact_usage.c.active > 0)
            .values(active=contact_usage.c.active - 1)
        )
    return True


async def lapsed_codes(
    conn: AsyncConnection, now: datetime, office_code: str | None = None, limit: int = 500
) -> list[Row[Any]]:
    """Unpaid bookings whose hold has lapsed."""
    query = select(bookings).where(
        bookings.c.status == Status.AWAITING_PAYMENT.value, bookings.c.pay_before <= now
    )
    if office_code is not None:
        query = query.where(bookings.c.office_code == office_code)
    return list((await conn.execute(query.order_by(bookings.c.pay_before).limit(limit))).all())


async def drop_hold(conn: AsyncConnection, nik: str, code: str) -> None:
    await conn.execute(delete(nik_holds).where(nik_holds.c.nik == nik, nik_holds.c.booking_code == code))


async def hold_of(conn: AsyncConnection, nik: str) -> Row[Any] | None:
    return (await conn.execute(select(nik_holds).where(nik_holds.c.nik == nik))).first()


async def move(
    conn: AsyncConnection, booking: Row[Any], day: date, starts: Any, seat: int, now: datetime
) -> None:
    """Free the booking's old place (its new one is already claimed) and point it at the new one."""
    await conn.execute(
        update(places)
        .where(
            places.c.office_code == booking.office_code,
            places.c.day == booking.day,
            places.c.starts == booking.starts,
            places.c.category == booking.category,
            places.c.booking_code == booking.booking_code,
            ~and_(places.c.day == day, places.c.starts == starts, places.c.seat == seat),
        )
        .values(booking_code=None)
    )
    await conn.execute(
        update(bookings)
        .where(bookings.c.office_code == booking.office_code, bookings.c.booking_code == booking.booking_code)
        .values(day=day, starts=starts, seat=seat, reschedules=bookings.c.reschedules + 1, updated_at=now)
    )


async def set_pay_before(conn: AsyncConnection, booking: Row[Any], deadline: datetime) -> None:
    await conn.execute(
        update(bookings)
        .where(bookings.c.office_code == booking.office_code, bookings.c.booking_code == booking.booking_code)
        .values(pay_before=deadline)
    )
