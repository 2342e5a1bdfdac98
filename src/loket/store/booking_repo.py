"""Bookings in the database: taking and releasing places, holds per NIK and per contact.

The service builds every row a booking writes (the booking, its billing, its audit entry and
its outbox messages: a `NewBooking`) and hands them here; this module claims the place and
writes them. It never builds an audit or outbox row of its own.

Lock policy (docs/locking.md), in the order locks are taken:
1. a free `places` row of the session (SELECT ... FOR UPDATE SKIP LOCKED, then a blocking
   retry when the skip found nothing, so a place in flight that is rolled back is not missed);
2. the `nik_holds` row of the NIK (primary key: one active booking per NIK, country-wide);
3. the `contact_usage` rows of the phone and e-mail, in sorted order (conditional increment);
4. the new `bookings`, `billings` (or `billing_requests`), `audit_log` and `notify_outbox` rows (as
   the service built them).
Releasing a booking locks its `bookings` row first (conditional UPDATE on its status), then
frees its place, drops the NIK hold and decrements the contact counters in the same order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.domain.booking import ACTIVE_STATUSES, Status
from loket.store import dialect, outbox_repo
from loket.store.database import Database
from loket.store.fast_write import rows_json
from loket.store.tables import (
    audit_log,
    billing_requests,
    billings,
    bookings,
    contact_usage,
    nik_holds,
    notify_outbox,
    places,
)

# The constraints whose violation is an answer, not an error (PostgreSQL single statement).
NIK_HOLD_KEY = "pk_nik_holds"
CONTACT_LIMIT_CHECK = "ck_contact_usage_limit"


class Outcome(StrEnum):
    BOOKED = "booked"
    FULL = "full"  # no free place in the session
    BUSY = "busy"  # the free places are all locked by bookings in flight (PostgreSQL, SKIP LOCKED)
    NIK_HELD = "nik_held"  # the NIK already holds an active booking
    CONTACT_FULL = "contact_full"  # the phone or e-mail already books for the most people allowed
    RETRY = "retry"  # a code collided, or a deadlock / serialization failure: retry with fresh codes


@dataclass(frozen=True)
class TakeResult:
    """How an attempt to take a place ended; only BOOKED wrote anything."""

    outcome: Outcome
    seat: int | None = None
    failed_contact: str | None = None
    error: BaseException | None = None  # what made a RETRY (re-raised when retries run out)

    @property
    def booked(self) -> bool:
        return self.outcome is Outcome.BOOKED


@dataclass(frozen=True)
class NewBooking:
    """Every row a new booking writes, built by the service; the seat is set when a place is taken."""

    booking: dict[str, Any]  # the `bookings` row
    billing: dict[str, Any] | None  # the `billings` row; None while the provider issues the code
    audit: dict[str, Any]  # the `audit_log` row
    outbox: list[dict[str, Any]]  # the `notify_outbox` rows ('booking made')
    limits: dict[str, int]  # each counter key (tel:, mailto:, addr:) with its limit
    billing_request: dict[str, Any] | None = None  # the `billing_requests` row: the code is awaited
    # Pending (contact not verified yet, issue 21): the place is taken but not the NIK's hold,
    # which services/contact_verification.py takes when the code is entered.
    pending: bool = False

    @property
    def office_code(self) -> str:
        return str(self.booking["office_code"])

    @property
    def code(self) -> str:
        return str(self.booking["booking_code"])


def contacts_of(phone: str, email: str | None, address_key: str | None = None) -> list[str]:
    """The counter keys a booking counts against (phone, e-mail, address), sorted: the lock order."""
    keys = [f"tel:{phone}"] + ([f"mailto:{email}"] if email else [])
    return sorted(keys + ([address_key] if address_key else []))


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


async def free_place_count(
    conn: AsyncConnection, office_code: str, day: date, starts: Any, category: str
) -> int:
    """Places of the session nobody holds (a place reserved for an offer is not free)."""
    query = (
        select(func.count())
        .select_from(places)
        .where(
            places.c.office_code == office_code,
            places.c.day == day,
            places.c.starts == starts,
            places.c.category == category,
            places.c.booking_code.is_(None),
        )
    )
    return int((await conn.execute(query)).scalar_one())


async def take_contacts(conn: AsyncConnection, limits: Mapping[str, int]) -> str | None:
    """Count one more person against each counter key (at most its limit); the first key full, or None."""
    for contact in sorted(limits):
        cap = limits[contact]
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
    """The NIK's one active booking, country-wide; False when it already holds one."""
    stmt = (
        dialect.insert(conn, nik_holds)
        .values(nik=nik, office_code=office_code, booking_code=code)
        .on_conflict_do_nothing(index_elements=["nik"])
        .returning(nik_holds.c.nik)
    )
    return (await conn.execute(stmt)).first() is not None


async def write_booking(conn: AsyncConnection, new: NewBooking, seat: int | None) -> None:
    """Insert the booking on its claimed `seat`, its billing, its audit entry and its messages."""
    await conn.execute(bookings.insert().values({**new.booking, "seat": seat}))
    if new.billing is not None:
        await conn.execute(billings.insert().values(new.billing))
    if new.billing_request is not None:
        await conn.execute(billing_requests.insert().values(new.billing_request))
    await conn.execute(audit_log.insert().values(new.audit))
    # The 'booking made' messages go out in the booking's own transaction (the outbox).
    if new.outbox:
        await conn.execute(notify_outbox.insert(), new.outbox)


async def take_place_in(conn: AsyncConnection, new: NewBooking) -> TakeResult:
    """Take a place and write the booking inside the caller's transaction (portable statements).

    When the result is not BOOKED the caller must roll back (or drop its savepoint): the steps
    before the one that failed have written."""
    b = new.booking
    seat = await claim_seat(conn, new.office_code, b["day"], b["starts"], b["category"], new.code)
    if seat is None:
        return TakeResult(Outcome.FULL)
    if not new.pending and not await take_hold(conn, b["nik"], new.office_code, new.code):
        return TakeResult(Outcome.NIK_HELD, seat)
    failed = await take_contacts(conn, new.limits)
    if failed is not None:
        return TakeResult(Outcome.CONTACT_FULL, seat, failed_contact=failed)
    await write_booking(conn, new, seat)
    return TakeResult(Outcome.BOOKED, seat)


class _Rollback(Exception):
    def __init__(self, result: TakeResult) -> None:
        self.result = result


async def take_place(db: Database, new: NewBooking) -> TakeResult:
    """Take a place and write the booking as one transaction of its own; only BOOKED wrote anything.

    On PostgreSQL this is one prepared statement on an autocommit connection (`PG_TAKE_PLACE`: the
    statement is the transaction); elsewhere the same steps run in one write transaction that is
    rolled back unless the booking was made. An error that fresh codes may cure (a code collision,
    a deadlock, a serialization failure) comes back as RETRY, carrying the error. With
    `db.portable` PostgreSQL runs the portable steps as well (LOKET_BOOKING_PATH=portable)."""
    try:
        if db.dialect == "postgresql" and not db.portable:
            return await _pg_take_place(db, new)
        try:
            async with db.write() as conn:
                result = await take_place_in(conn, new)
                if not result.booked:
                    raise _Rollback(result)
                return result
        except _Rollback as rollback:
            return rollback.result
    except Exception as exc:
        if dialect.is_retryable(exc):
            return TakeResult(Outcome.RETRY, error=exc)
        raise


# One statement on PostgreSQL, run in autocommit mode: one round trip, one transaction. Each step
# feeds the next, so with no free place nothing is written; a NIK that already holds a booking
# (primary key of nik_holds) or a contact over its limit (CHECK active <= max_active) raises an
# error that undoes the whole statement. See the lock policy above. Every value written comes
# from the rows the service built (`pg_params`), so both paths write the same rows; the billing,
# audit and outbox rows must name every column of their table (json_populate_record fills the
# rest with NULL, not the column default).
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
), hold AS (  -- a pending booking (issue 21) takes its NIK's hold when its contact is verified
    INSERT INTO nik_holds (nik, office_code, booking_code)
    SELECT %(nik)s, %(office)s, %(code)s FROM taken WHERE NOT %(pending)s
    RETURNING 1
), held AS (
    SELECT 1 FROM hold UNION ALL SELECT 1 FROM taken WHERE %(pending)s
), contact AS (
    INSERT INTO contact_usage AS cu (contact, active, max_active)
    SELECT c.key, 1, c.cap FROM held, unnest(%(contacts)s::text[], %(limits)s::int[]) AS c(key, cap)
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
        %(service)s, %(priority_reason)s, %(amount)s, %(billing_code)s, %(status)s, %(pay_before)s,
        %(created_at)s, %(updated_at)s, %(paid_at)s::timestamptz, %(reschedules)s::int,
        %(refund_due)s::bigint, %(client_ip)s, %(client_fp)s, %(address_key)s
    FROM held
    WHERE (SELECT count(*) FROM contact) = %(n_contacts)s  -- always true; orders booking after contact
    RETURNING 1
), billing AS (  -- data-modifying CTEs run whether or not the final SELECT reads them
    -- One row, or none while the billing provider has the code to issue (then one request row).
    INSERT INTO billings SELECT r.* FROM booking, json_populate_recordset(NULL::billings, %(billing)s::json) r
    RETURNING 1
), request AS (
    INSERT INTO billing_requests
    SELECT r.* FROM booking, json_populate_recordset(NULL::billing_requests, %(billing_request)s::json) r
    RETURNING 1
), audit AS (
    INSERT INTO audit_log SELECT r.* FROM booking, json_populate_record(NULL::audit_log, %(audit)s::json) r
    RETURNING 1
), outbox AS (  -- the 'booking made' messages, one row per channel (notify/outbox.py)
    INSERT INTO notify_outbox
    SELECT r.* FROM booking, json_populate_recordset(NULL::notify_outbox, %(outbox)s::json) r
    RETURNING 1
)
SELECT (SELECT seat FROM taken) AS seat, (SELECT count(*) FROM booking) AS booked,
       -- Free in this statement's snapshot, though maybe locked: worth waiting for (see take_place).
       EXISTS (SELECT 1 FROM places WHERE office_code = %(office)s AND day = %(day)s AND starts = %(starts)s
               AND category = %(category)s AND booking_code IS NULL) AS any_free
"""
PG_TAKE_PLACE_SKIP = PG_TAKE_PLACE.format(skip="SKIP LOCKED")
PG_TAKE_PLACE_WAIT = PG_TAKE_PLACE.format(skip="")


def pg_params(new: NewBooking) -> dict[str, Any]:
    """The parameters of `PG_TAKE_PLACE`: the booking column by column, the other rows as JSON."""
    b = new.booking
    keys = sorted(new.limits)
    to_json = rows_json  # orjson: several times faster than the stdlib encoder on this hot path
    return {
        "office": b["office_code"],
        "code": b["booking_code"],
        **{k: v for k, v in b.items() if k not in ("office_code", "booking_code", "seat")},
        "contacts": keys,
        "limits": [new.limits[k] for k in keys],
        "n_contacts": len(keys),
        "pending": new.pending,
        # One parameter per row (or set of rows): on this hot path adapting many parameters or
        # arrays costs more than the rest, and psycopg caches the parse only up to 50 parameters.
        "billing": to_json([new.billing] if new.billing is not None else []),
        "billing_request": to_json([new.billing_request] if new.billing_request is not None else []),
        "audit": to_json(new.audit),
        "outbox": to_json(new.outbox),
    }


async def _pg_take_place(db: Database, new: NewBooking) -> TakeResult:
    async with (await db.fast()).connection() as driver:
        params = pg_params(new)
        result = await _pg_statement(driver, params, wait=False)
        if result.outcome is Outcome.BUSY:
            # Nothing free that is not locked: wait for places in flight (they may roll back).
            result = await _pg_statement(driver, params, wait=True)
        return result


async def _pg_statement(driver_conn: Any, params: dict[str, Any], *, wait: bool) -> TakeResult:
    """The PostgreSQL hot path: one prepared statement on an autocommit psycopg connection."""
    try:
        cursor = await driver_conn.execute(PG_TAKE_PLACE_WAIT if wait else PG_TAKE_PLACE_SKIP, params)
    except Exception as exc:
        constraint = dialect.constraint_of(exc)
        if constraint == NIK_HOLD_KEY:
            return TakeResult(Outcome.NIK_HELD)
        if constraint != CONTACT_LIMIT_CHECK:
            raise  # e.g. a booking or billing code collided: take_place answers RETRY
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
    """The booking row (locked FOR UPDATE with `lock`), or None."""
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


async def unpaid_due_between(
    conn: AsyncConnection, after: datetime, until: datetime, *, untold: str, limit: int
) -> list[Row[Any]]:
    """Unpaid bookings whose hold lapses in (after, until] and that were not told `untold` yet."""
    query = select(bookings).where(
        bookings.c.status == Status.AWAITING_PAYMENT.value,
        bookings.c.pay_before > after,
        bookings.c.pay_before <= until,
        outbox_repo.not_told(bookings.c.office_code, bookings.c.booking_code, untold),
    )
    return list((await conn.execute(query.limit(limit))).all())


async def paid_on_day(
    conn: AsyncConnection, office_code: str, day: date, *, untold: str, limit: int
) -> list[Row[Any]]:
    """Paid bookings of the office for `day` that were not told `untold` yet."""
    query = select(bookings).where(
        bookings.c.office_code == office_code,
        bookings.c.day == day,
        bookings.c.status == Status.PAID.value,
        outbox_repo.not_told(bookings.c.office_code, bookings.c.booking_code, untold),
    )
    return list((await conn.execute(query.limit(limit))).all())


async def drop_hold(conn: AsyncConnection, nik: str, code: str) -> None:
    """Drop the NIK's hold when it is the one of booking `code`."""
    await conn.execute(delete(nik_holds).where(nik_holds.c.nik == nik, nik_holds.c.booking_code == code))


async def hold_of(conn: AsyncConnection, nik: str) -> Row[Any] | None:
    """The NIK's active-booking hold, or None."""
    return (await conn.execute(select(nik_holds).where(nik_holds.c.nik == nik))).first()


def _key(booking: Any) -> Any:
    return and_(
        bookings.c.office_code == booking.office_code, bookings.c.booking_code == booking.booking_code
    )


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
        .where(_key(booking))
        .values(day=day, starts=starts, seat=seat, reschedules=bookings.c.reschedules + 1, updated_at=now)
    )


async def set_pay_before(conn: AsyncConnection, booking: Row[Any], deadline: datetime) -> None:
    await conn.execute(update(bookings).where(_key(booking)).values(pay_before=deadline))


async def mark_paid(conn: AsyncConnection, booking: Any, paid_at: datetime, now: datetime) -> None:
    """The booking is paid (its place is already its own)."""
    await conn.execute(
        update(bookings)
        .where(_key(booking))
        .values(status=Status.PAID.value, paid_at=paid_at, updated_at=now)
    )


async def owe_refund(conn: AsyncConnection, booking: Any, amount: int, now: datetime) -> None:
    """Money received that the booking cannot use: it is owed back."""
    await conn.execute(
        update(bookings)
        .where(_key(booking))
        .values(refund_due=bookings.c.refund_due + amount, updated_at=now)
    )


async def set_seat(conn: AsyncConnection, booking: Any, seat: int) -> None:
    await conn.execute(update(bookings).where(_key(booking)).values(seat=seat))
