"""Check-in: a paid booking for today (code + NIK) or a priority walk-in gets a queue ticket.

One transaction each: the booking row is locked (check-in) or the priority counter (walk-in), the
ticket number taken from the category's counter (lock policy in store/floor_repo.py), the ticket
and its first wait recorded, the booking marked checked_in and the audit row written. Given the
app's board bus, the office's display boards are woken once the ticket is committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from loket.domain.booking import (
    ELDERLY_AGE,
    Category,
    PriorityReason,
    Status,
    age_on,
    office_of_booking_code,
)
from loket.domain.calling import (
    FloorPolicy,
    QueueState,
    check_in_window,
    is_late,
    key_columns,
    ticket_label,
)
from loket.domain.errors import Conflict, NotFound, invalid
from loket.domain.fees import product_code
from loket.domain.identity import check_nik_matches, nik_matches, normalize_name, parse_nik
from loket.domain.office import Office
from loket.domain.workflow import Stage, check_transition
from loket.services.audit import record
from loket.services.floor_bus import BoardBus, wake_boards
from loket.services.node_journal import journaled
from loket.store import booking_repo, floor_repo, offices_repo, quota_repo
from loket.store.database import Connection, Database


@dataclass(frozen=True)
class TicketIssued:
    """What the kiosk prints: the number, for whom, and where to wait."""

    office_code: str
    day: date
    ticket: str
    category: str
    full_name: str
    late: bool
    appointment_at: datetime | None
    checked_in_at: datetime
    replayed: bool = False


def _issued(row: Any, replayed: bool = False) -> TicketIssued:
    return TicketIssued(
        row.office_code,
        row.day,
        row.ticket,
        row.category,
        row.full_name,
        row.late,
        row.appointment_at,
        row.checked_in_at,
        replayed,
    )


def _not_found() -> NotFound:
    # The same answer as booking lookup: no way to probe which codes exist.
    return NotFound("booking_not_found", "No booking matches this code and NIK", field="booking_code")


async def _issue(
    conn: Connection,
    office: Office,
    day: date,
    category: Category,
    now: datetime,
    *,
    actor: str,
    booking_code: str | None,
    nik: str,
    full_name: str,
    product: str,
    priority_reason: str | None,
    appointment_at: datetime | None,
    late: bool,
    paid: bool,
) -> Any:
    number = await floor_repo.next_number(conn, office.code, day, category.value)
    label = ticket_label(category, number)
    await floor_repo.insert_ticket(
        conn,
        {
            "office_code": office.code,
            "day": day,
            "ticket": label,
            "category": category.value,
            "booking_code": booking_code,
            "nik": nik,
            "full_name": full_name,
            "product": product,
            "priority_reason": priority_reason,
            "appointment_at": appointment_at,
            "checked_in_at": now,
            # class_rank, late, order_at, seq: the calling policy's key (domain/calling.py).
            **key_columns(category, late, appointment_at or now, number),
            "stage": Stage.CHECKED_IN.value,
            "queue_state": QueueState.WAITING.value,
            "queued_at": now,
            "recalls": 0,
            "paid": paid,
            "missing_documents": [],
            "updated_at": now,
        },
    )
    await floor_repo.open_visit(conn, office.code, day, label, Stage.INTAKE.value, now)
    await floor_repo.add_transition(
        conn, office.code, day, label, None, Stage.CHECKED_IN.value, actor=actor, station_code=None, now=now
    )
    return await floor_repo.ticket(conn, office.code, day, label)


async def _back_with_documents(
    conn: Connection, office: Office, ticket: Any, *, actor: str, now: datetime
) -> Any:
    """An incomplete dossier comes back: the same day its ticket rejoins the intake queue in its old
    place; on a later day a new ticket of today is issued (that day's queue has its own numbers)."""
    today = office.local_today(now)
    if ticket.day != today:
        return await _issue(
            conn,
            office,
            today,
            Category(ticket.category),
            now,
            actor=actor,
            booking_code=ticket.booking_code,
            nik=ticket.nik,
            full_name=ticket.full_name,
            product=ticket.product,
            priority_reason=ticket.priority_reason,
            appointment_at=None,
            late=False,
            paid=bool(ticket.paid),
        )
    check_transition(ticket.stage, Stage.INTAKE)
    await floor_repo.update_ticket(
        conn,
        ticket,
        stage=Stage.INTAKE.value,
        queue_state=QueueState.WAITING.value,
        queued_at=now,
        updated_at=now,
    )
    await floor_repo.open_visit(conn, office.code, ticket.day, ticket.ticket, Stage.INTAKE.value, now)
    await floor_repo.add_transition(
        conn,
        office.code,
        ticket.day,
        ticket.ticket,
        ticket.stage,
        Stage.INTAKE.value,
        actor=actor,
        station_code=None,
        now=now,
        reason="documents brought",
    )
    await record(
        conn,
        office_code=office.code,
        actor=actor,
        action="floor.check_in",
        subject=ticket.booking_code,
        detail={"ticket": ticket.ticket, "returned": True},
        now=now,
    )
    return await floor_repo.ticket(conn, office.code, ticket.day, ticket.ticket)


@journaled("check_in")
async def check_in(
    db: Database,
    office_code: str,
    booking_code: str,
    nik: str,
    *,
    policy: FloorPolicy,
    actor: str,
    now: datetime,
    verified_in_person: bool = False,
    bus: BoardBus | None = None,
) -> TicketIssued:
    """Issue a queue ticket for a paid booking of today, within the check-in window of its session.

    The NIK must be the booking's (bookings are bound to their holder and cannot be handed on); a
    booking the office flagged checks in only once the officer confirms the KTP was seen."""
    code = (booking_code or "").strip().upper()
    if office_of_booking_code(code) != office_code:
        raise _not_found()
    async with db.write() as conn:
        office = await offices_repo.load_office(conn, office_code)
        row = await booking_repo.booking_by_code(conn, office_code, code, lock=True)
        if row is None or not nik_matches(row.nik, nik):
            raise _not_found()
        if row.status == Status.CHECKED_IN.value:
            existing = await floor_repo.ticket_of_booking(conn, office_code, code)
            if existing is not None and existing.stage == Stage.INCOMPLETE.value:
                returned = await _back_with_documents(conn, office, existing, actor=actor, now=now)
                wake_boards(conn, bus, office_code)
                return _issued(returned)
            if existing is not None and existing.day == office.local_today(now):
                return _issued(existing, replayed=True)  # a second tap on the kiosk
            raise Conflict("already_checked_in", "This booking has already checked in", field="booking_code")
        if row.status == Status.AWAITING_PAYMENT.value:
            raise Conflict("not_paid", "This booking is not paid yet", field="booking_code")
        if row.status != Status.PAID.value:
            raise Conflict("booking_not_active", "This booking is no longer active", field="booking_code")
        if row.verify_in_person and not verified_in_person:
            raise Conflict(
                "verify_in_person",
                "This booking is flagged (%(reason)s): check the holder's KTP in person, then confirm",
                field="verified_in_person",
                extra={"flag_reason": row.flag_reason or ""},
                reason=row.flag_reason or "",
            )
        today = office.local_today(now)
        if row.day != today:
            raise Conflict(
                "check_in_wrong_day",
                "This booking is for %(day)s, not today",
                field="booking_code",
                day=row.day.isoformat(),
            )
        session = office.session_named(row.starts.strftime("%H:%M"))
        starts = office.local_moment(today, row.starts)
        ends = office.local_moment(today, session.ends) if session else starts
        check_in_window(now, starts, ends, policy.checkin_early_minutes, policy.checkin_late_minutes)
        if not await floor_repo.mark_booking_checked_in(conn, office_code, code, now):
            raise Conflict("already_checked_in", "This booking has already checked in", field="booking_code")
        issued = await _issue(
            conn,
            office,
            today,
            Category(row.category),
            now,
            actor=actor,
            booking_code=code,
            nik=row.nik,
            full_name=row.full_name,
            product=row.product,
            priority_reason=row.priority_reason,
            appointment_at=starts,
            late=is_late(now, starts, policy.late_grace_minutes),
            paid=True,
        )
        await record(
            conn,
            office_code=office_code,
            actor=actor,
            action="floor.check_in",
            subject=code,
            detail={
                "ticket": issued.ticket,
                "late": issued.late,
                **({"verified_in_person": True} if row.verify_in_person else {}),
            },
            now=now,
        )
        wake_boards(conn, bus, office_code)
    return _issued(issued)


async def priority_quota_left(conn: Connection, office: Office, day: date) -> int:
    """The day's priority quota minus priority places booked and priority walk-ins already issued."""
    capacity = await quota_repo.day_capacity(conn, office.code, day, Category.PRIORITY.value)
    if capacity is None:
        template = await quota_repo.template_for(conn, office.code)
        capacity = template.get((day.isoweekday(), Category.PRIORITY.value), 0)
    booked = await quota_repo.booked_places(conn, office.code, day, Category.PRIORITY.value)
    walk_ins = await floor_repo.count_walk_ins(conn, office.code, day, Category.PRIORITY)
    return int(capacity) - booked - walk_ins


@journaled("walk_in")
async def walk_in(
    db: Database,
    office_code: str,
    *,
    nik: str,
    full_name: str,
    birth_date: date,
    sex: str,
    priority_reason: str,
    product: str = "regular",
    actor: str,
    now: datetime,
    country: str = "ID",
    bus: BoardBus | None = None,
) -> TicketIssued:
    """A priority walk-in (elderly, disabled, pregnant, child under 5) within the day's priority quota."""
    info = parse_nik(nik)
    name = normalize_name(full_name)
    try:
        reason = PriorityReason(priority_reason)
    except ValueError as exc:
        raise invalid(
            "priority_reason",
            "priority_reason_invalid",
            "Choose one of: %(choices)s",
            choices=", ".join(r.value for r in PriorityReason),
        ) from exc
    if product not in ("regular", "electronic"):
        raise invalid(
            "product", "product_invalid", "Choose one of: %(choices)s", choices="regular, electronic"
        )
    async with db.write() as conn:
        office = await offices_repo.load_office(conn, office_code)
        today = office.local_today(now)
        check_nik_matches(info, birth_date, sex, today)
        age = age_on(birth_date, today)
        if reason is PriorityReason.ELDERLY and age < ELDERLY_AGE:
            raise invalid(
                "priority_reason", "not_elderly", "The elderly priority is from age %(age)d", age=ELDERLY_AGE
            )
        if reason is PriorityReason.CHILD_UNDER_5 and age >= 5:
            raise invalid("priority_reason", "not_under_5", "The child is 5 or older on the appointment day")
        calendar = await offices_repo.load_calendar(conn, office_code, today, today, country)
        if not calendar.is_service_day(today):
            raise Conflict(
                "not_a_service_day", "The office does not serve on this day %(why)s", field=None, why=""
            )
        if await floor_repo.ticket_of_nik(conn, office_code, today, info.nik) is not None:
            raise Conflict("already_checked_in", "This NIK already has a ticket today", field="nik")
        # Taking a number first locks the priority counter: walk-ins are counted one at a time.
        await floor_repo.lock_counter(conn, office_code, today, Category.PRIORITY.value)
        left = await priority_quota_left(conn, office, today)
        if left <= 0:
            raise Conflict(
                "priority_quota_full", "Today's priority quota is used up", field="priority_reason"
            )
        issued = await _issue(
            conn,
            office,
            today,
            Category.PRIORITY,
            now,
            actor=actor,
            booking_code=None,
            nik=info.nik,
            full_name=name,
            product=product_code(product, None).value,
            priority_reason=reason.value,
            appointment_at=None,
            late=False,
            paid=False,
        )
        await record(
            conn,
            office_code=office_code,
            actor=actor,
            action="floor.walk_in",
            subject=issued.ticket,
            detail={"priority_reason": reason.value},
            now=now,
        )
        wake_boards(conn, bus, office_code)
    return _issued(issued)
