"""Reads (and the few writes) of the reports: plain rows for the pure computations. Never commits."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.domain.reconciliation import BankLine, RecordedPayment
from loket.domain.service_report import BookingFact, MoveFact, StationEvent, TicketFact, VisitFact
from loket.store import dialect
from loket.store.tables import (
    audit_log,
    bank_statement_lines,
    bank_statements,
    banks,
    billings,
    bookings,
    payments,
    stage_targets,
    stage_transitions,
    stage_visits,
    survey_invitations,
    survey_responses,
    tickets,
)

REPORT_MOVES = ("incomplete", "ready")


# --- Service report -----------------------------------------------------------------------------


async def bookings_between(
    conn: AsyncConnection, office_code: str, first: date, last: date
) -> list[BookingFact]:
    """Bookings whose appointment day is in [first, last]."""
    query = select(
        bookings.c.booking_code,
        bookings.c.day,
        bookings.c.service,
        bookings.c.product,
        bookings.c.category,
        bookings.c.status,
    ).where(bookings.c.office_code == office_code, bookings.c.day.between(first, last))
    return [BookingFact(*row) for row in await conn.execute(query)]


def _ticket_fact(r: Any) -> TicketFact:
    return TicketFact(
        r.day,
        r.ticket,
        r.booking_code,
        r.category,
        r.product,
        r.stage,
        r.queue_state,
        tuple(r.missing_documents or ()),
        r.due_date,
        r.biometrics_done_at,
    )


async def tickets_for(conn: AsyncConnection, office_code: str, first: date, last: date) -> list[TicketFact]:
    """Tickets issued in the period, and those whose due date falls in it (issued earlier)."""
    query = select(tickets).where(
        tickets.c.office_code == office_code,
        or_(tickets.c.day.between(first, last), tickets.c.due_date.between(first, last)),
    )
    return [_ticket_fact(r) for r in await conn.execute(query)]


async def visits_of_days(conn: AsyncConnection, office_code: str, days: Collection[date]) -> list[VisitFact]:
    """Every stage visit of the tickets issued on `days` (their whole life, whenever it ran)."""
    if not days:
        return []
    query = select(
        stage_visits.c.day,
        stage_visits.c.ticket,
        stage_visits.c.stage,
        stage_visits.c.queued_at,
        stage_visits.c.called_at,
        stage_visits.c.finished_at,
        stage_visits.c.station_code,
        stage_visits.c.outcome,
    ).where(stage_visits.c.office_code == office_code, stage_visits.c.day.in_(sorted(days)))
    return [VisitFact(*row) for row in await conn.execute(query)]


async def visits_between(
    conn: AsyncConnection, office_code: str, start: datetime, end: datetime
) -> list[VisitFact]:
    """Visits queued or finished in [start, end) (back-office stages carry tickets of earlier days)."""
    query = select(
        stage_visits.c.day,
        stage_visits.c.ticket,
        stage_visits.c.stage,
        stage_visits.c.queued_at,
        stage_visits.c.called_at,
        stage_visits.c.finished_at,
        stage_visits.c.station_code,
        stage_visits.c.outcome,
    ).where(
        stage_visits.c.office_code == office_code,
        or_(
            and_(stage_visits.c.queued_at >= start, stage_visits.c.queued_at < end),
            and_(stage_visits.c.finished_at >= start, stage_visits.c.finished_at < end),
        ),
    )
    return [VisitFact(*row) for row in await conn.execute(query)]


async def moves_of_days(conn: AsyncConnection, office_code: str, days: Collection[date]) -> list[MoveFact]:
    """The moves to `incomplete` and `ready` of the tickets issued on `days`."""
    if not days:
        return []
    query = select(
        stage_transitions.c.day,
        stage_transitions.c.ticket,
        stage_transitions.c.to_stage,
        stage_transitions.c.at,
    ).where(
        stage_transitions.c.office_code == office_code,
        stage_transitions.c.day.in_(sorted(days)),
        stage_transitions.c.to_stage.in_(REPORT_MOVES),
    )
    return [MoveFact(*row) for row in await conn.execute(query)]


async def station_events(conn: AsyncConnection, office_code: str, until: datetime) -> list[StationEvent]:
    """Station state changes up to `until`, from the audit log (the only record of past states)."""
    query = select(audit_log.c.subject, audit_log.c.at, audit_log.c.detail).where(
        audit_log.c.office_code == office_code,
        audit_log.c.action == "floor.station",
        audit_log.c.at < until,
    )
    found = []
    for subject, at, detail in await conn.execute(query):
        detail = detail or {}
        found.append(StationEvent(subject, at, str(detail.get("to", "")), str(detail.get("reason", ""))))
    return found


async def targets(conn: AsyncConnection, office_code: str) -> dict[str, tuple[int | None, int | None]]:
    """The office's own stage targets: stage -> (wait_s, service_s)."""
    rows = await conn.execute(select(stage_targets).where(stage_targets.c.office_code == office_code))
    return {r.stage: (r.wait_s, r.service_s) for r in rows}


async def set_target(
    conn: AsyncConnection,
    office_code: str,
    stage: str,
    wait_s: int | None,
    service_s: int | None,
    *,
    actor: str,
    now: datetime,
) -> None:
    """Insert or replace one stage's targets."""
    values = {"wait_s": wait_s, "service_s": service_s, "updated_at": now, "updated_by": actor}
    stmt = dialect.insert(conn, stage_targets).values(office_code=office_code, stage=stage, **values)
    await conn.execute(stmt.on_conflict_do_update(index_elements=["office_code", "stage"], set_=values))


# --- Revenue ---------------------------------------------------------------------------------------


async def bank_codes(conn: AsyncConnection) -> set[str]:
    """The codes of the registered banks."""
    return {r.code for r in await conn.execute(select(banks.c.code))}


async def billing_offices(conn: AsyncConnection, codes: Collection[str]) -> dict[str, tuple[str, int]]:
    """The office and billed amount of each known billing code among `codes`."""
    found: dict[str, tuple[str, int]] = {}
    ordered = sorted(codes)
    for i in range(0, len(ordered), 500):
        rows = await conn.execute(
            select(billings.c.billing_code, billings.c.office_code, billings.c.amount).where(
                billings.c.billing_code.in_(ordered[i : i + 500])
            )
        )
        found.update({r.billing_code: (r.office_code, int(r.amount)) for r in rows})
    return found


async def stored_lines(conn: AsyncConnection, office_code: str, ntpns: Collection[str]) -> dict[str, Any]:
    """Statement lines already stored for these NTPNs."""
    found: dict[str, Any] = {}
    ordered = sorted(ntpns)
    for i in range(0, len(ordered), 500):
        rows = await conn.execute(
            select(bank_statement_lines).where(
                bank_statement_lines.c.office_code == office_code,
                bank_statement_lines.c.ntpn.in_(ordered[i : i + 500]),
            )
        )
        found.update({r.ntpn: r for r in rows})
    return found


async def claim_statement(conn: AsyncConnection, values: dict[str, Any]) -> bool:
    """Insert a statement's row; False when the office already has that statement (nothing written)."""
    stmt = (
        dialect.insert(conn, bank_statements)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["office_code", "statement_id"])
        .returning(bank_statements.c.statement_id)
    )
    return (await conn.execute(stmt)).first() is not None


async def insert_lines(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    """Store new statement lines (rows as `bank_statement_lines` holds them)."""
    if rows:
        await conn.execute(bank_statement_lines.insert(), rows)


async def lines_between(
    conn: AsyncConnection, office_code: str, start: datetime, end: datetime
) -> list[BankLine]:
    """Statement lines paid in [start, end)."""
    query = select(
        bank_statement_lines.c.ntpn,
        bank_statement_lines.c.billing_code,
        bank_statement_lines.c.amount,
        bank_statement_lines.c.paid_at,
        bank_statement_lines.c.bank,
    ).where(
        bank_statement_lines.c.office_code == office_code,
        bank_statement_lines.c.paid_at >= start,
        bank_statement_lines.c.paid_at < end,
    )
    return [
        BankLine(r.ntpn, r.billing_code, int(r.amount), r.paid_at, r.bank) for r in await conn.execute(query)
    ]


async def payments_between(
    conn: AsyncConnection, office_code: str, start: datetime, end: datetime
) -> list[RecordedPayment]:
    """Payments recorded from callbacks, paid in [start, end), with their billed amounts."""
    query = (
        select(payments, billings.c.amount.label("billed"))
        .select_from(payments.outerjoin(billings, billings.c.billing_code == payments.c.billing_code))
        .where(payments.c.office_code == office_code, payments.c.paid_at >= start, payments.c.paid_at < end)
    )
    return [
        RecordedPayment(
            r.ntpn,
            r.billing_code,
            r.booking_code,
            r.bank,
            int(r.amount),
            int(r.billed if r.billed is not None else r.amount),
            r.paid_at,
            r.outcome,
            int(r.refund_due),
        )
        for r in await conn.execute(query)
    ]


async def statements(conn: AsyncConnection, office_code: str, limit: int = 20) -> list[Any]:
    """The latest imported statements, newest first."""
    query = (
        select(bank_statements)
        .where(bank_statements.c.office_code == office_code)
        .order_by(bank_statements.c.imported_at.desc())
        .limit(limit)
    )
    return list((await conn.execute(query)).all())


# --- Survey ----------------------------------------------------------------------------------------


async def responses_between(
    conn: AsyncConnection, office_code: str, start: datetime, end: datetime
) -> list[Any]:
    """Survey answers given in [start, end), oldest first."""
    query = (
        select(survey_responses)
        .where(
            survey_responses.c.office_code == office_code,
            survey_responses.c.answered_at >= start,
            survey_responses.c.answered_at < end,
        )
        .order_by(survey_responses.c.answered_at)
    )
    return list((await conn.execute(query)).all())


async def invitations_between(conn: AsyncConnection, office_code: str, start: datetime, end: datetime) -> int:
    """How many survey links were sent in [start, end)."""
    query = select(func.count()).where(
        survey_invitations.c.office_code == office_code,
        survey_invitations.c.invited_at >= start,
        survey_invitations.c.invited_at < end,
    )
    return int((await conn.execute(query)).scalar_one())
