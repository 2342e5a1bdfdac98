"""Tickets, stations and stage records in the database. Never commits.

Lock policy (docs/locking.md, "Office floor"), in the order a floor write takes its locks:
1. the `station_states` row of the acting station (`station(..., lock=True)`: FOR UPDATE on
   PostgreSQL), so two requests for one station run one after the other;
2. the ticket: `claim_next` selects the first waiting ticket in policy order with
   FOR UPDATE SKIP LOCKED, so two officers never get the same ticket and nobody waits behind a
   ticket another officer is taking (a ticket committed as called no longer matches the query);
   the station's own called ticket is locked with FOR UPDATE (`ticket(..., lock=True)`);
3. ticket numbers: one `ticket_counters` row per office, day and category, incremented by an
   upsert (INSERT ... ON CONFLICT DO UPDATE ... RETURNING), which serialises issuers per category.
SQLite serialises every write transaction (BEGIN IMMEDIATE), so the same statements are safe there.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.domain.booking import Category, Status
from loket.domain.calling import POLICY_KEY, QueueState, StationState
from loket.domain.workflow import Stage
from loket.store import dialect
from loket.store.ids import new_id
from loket.store.tables import (
    bookings,
    stage_transitions,
    stage_visits,
    station_states,
    stations,
    ticket_counters,
    tickets,
)

# Back-office queues span days: a passport printed on Tuesday was applied for on Monday.
MULTI_DAY_STAGES = (Stage.PRINTING.value, Stage.QUALITY_CHECK.value)


async def next_number(conn: AsyncConnection, office_code: str, day: date, category: str) -> int:
    """The next ticket number of the category that day (locks the counter row until commit)."""
    stmt = dialect.insert(conn, ticket_counters).values(
        office_code=office_code, day=day, category=category, last=1
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["office_code", "day", "category"], set_={"last": ticket_counters.c.last + 1}
    ).returning(ticket_counters.c.last)
    return int((await conn.execute(stmt)).scalar_one())


async def lock_counter(conn: AsyncConnection, office_code: str, day: date, category: str) -> None:
    """Lock the category's counter row without taking a number (counting walk-ins one at a time)."""
    stmt = dialect.insert(conn, ticket_counters).values(
        office_code=office_code, day=day, category=category, last=0
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["office_code", "day", "category"], set_={"last": ticket_counters.c.last}
    )
    await conn.execute(stmt)


async def insert_ticket(conn: AsyncConnection, values: dict[str, Any]) -> None:
    """Store a new ticket (the row as the check-in built it)."""
    await conn.execute(tickets.insert().values(**values))


def _ticket_key(office_code: str, day: date, label: str) -> Any:
    return and_(tickets.c.office_code == office_code, tickets.c.day == day, tickets.c.ticket == label)


async def ticket(
    conn: AsyncConnection, office_code: str, day: date, label: str, *, lock: bool = False
) -> Row[Any] | None:
    """One ticket by its day and label (locked FOR UPDATE on PostgreSQL with `lock`), or None."""
    query = select(tickets).where(_ticket_key(office_code, day, label))
    if lock:
        query = dialect.locked(conn, query)
    return (await conn.execute(query)).first()


async def ticket_of_booking(conn: AsyncConnection, office_code: str, booking_code: str) -> Row[Any] | None:
    """The latest ticket issued for a booking, or None."""
    query = (
        select(tickets)
        .where(tickets.c.office_code == office_code, tickets.c.booking_code == booking_code)
        .order_by(tickets.c.day.desc())
        .limit(1)
    )
    return (await conn.execute(query)).first()


async def ticket_of_nik(conn: AsyncConnection, office_code: str, day: date, nik: str) -> Row[Any] | None:
    """The ticket a NIK holds on a day, or None."""
    query = select(tickets).where(
        tickets.c.office_code == office_code, tickets.c.day == day, tickets.c.nik == nik
    )
    return (await conn.execute(query)).first()


async def update_ticket(conn: AsyncConnection, row: Row[Any], **values: Any) -> None:
    """Change columns of the ticket `row` names (by its key only: the caller holds the locks)."""
    await conn.execute(
        update(tickets).where(_ticket_key(row.office_code, row.day, row.ticket)).values(**values)
    )


async def mark_booking_checked_in(
    conn: AsyncConnection, office_code: str, booking_code: str, now: datetime
) -> bool:
    """Move a paid booking to checked_in; False when it is no longer paid (a racing check-in won)."""
    result = await conn.execute(
        update(bookings)
        .where(
            bookings.c.office_code == office_code,
            bookings.c.booking_code == booking_code,
            bookings.c.status == Status.PAID.value,
        )
        .values(status=Status.CHECKED_IN.value, updated_at=now)
    )
    return bool(result.rowcount)


# --- Stations ------------------------------------------------------------------------------------


async def ensure_station_states(conn: AsyncConnection, office_code: str, now: datetime) -> None:
    """Give every station of the office a state row (closed) if it has none yet."""
    codes = [
        r.code
        for r in await conn.execute(select(stations.c.code).where(stations.c.office_code == office_code))
    ]
    for code in codes:
        stmt = dialect.insert(conn, station_states).values(
            office_code=office_code, station_code=code, state=StationState.CLOSED.value, reason="", since=now
        )
        await conn.execute(stmt.on_conflict_do_nothing(index_elements=["office_code", "station_code"]))


async def station(conn: AsyncConnection, office_code: str, code: str, *, lock: bool = False) -> Any:
    """The station with its live state, or None when unknown.

    Without `lock` a station that never had a state row comes back with state None; with `lock` its
    `station_states` row is locked (FOR UPDATE on PostgreSQL) and a station without one is None."""
    query = (
        select(
            stations.c.code,
            stations.c.kind,
            stations.c.name,
            stations.c.number,
            station_states.c.state,
            station_states.c.reason,
            station_states.c.since,
            station_states.c.officer,
            station_states.c.ticket_day,
            station_states.c.ticket,
        )
        .select_from(
            # Locking needs the inner join: FOR UPDATE cannot lock the nullable side of an outer join.
            (stations.join if lock else stations.outerjoin)(
                station_states,
                and_(
                    station_states.c.office_code == stations.c.office_code,
                    station_states.c.station_code == stations.c.code,
                ),
            )
        )
        .where(stations.c.office_code == office_code, stations.c.code == code)
    )
    if lock:
        query = dialect.locked(conn, query, of=station_states)
    return (await conn.execute(query)).first()


async def office_stations(conn: AsyncConnection, office_code: str) -> list[Any]:
    """Every station of the office with its live state (None when it has none), by number."""
    query = (
        select(
            stations.c.code,
            stations.c.kind,
            stations.c.name,
            stations.c.number,
            station_states.c.state,
            station_states.c.reason,
            station_states.c.since,
            station_states.c.officer,
            station_states.c.ticket_day,
            station_states.c.ticket,
        )
        .select_from(
            stations.outerjoin(
                station_states,
                and_(
                    station_states.c.office_code == stations.c.office_code,
                    station_states.c.station_code == stations.c.code,
                ),
            )
        )
        .where(stations.c.office_code == office_code)
        .order_by(stations.c.number)
    )
    return list((await conn.execute(query)).all())


async def set_station(conn: AsyncConnection, office_code: str, code: str, **values: Any) -> None:
    """Change the live state row of a station."""
    await conn.execute(
        update(station_states)
        .where(station_states.c.office_code == office_code, station_states.c.station_code == code)
        .values(**values)
    )


async def delete_station_state(conn: AsyncConnection, office_code: str, code: str) -> None:
    """Drop a station's live state row (the station is being removed)."""
    await conn.execute(
        delete(station_states).where(
            station_states.c.office_code == office_code, station_states.c.station_code == code
        )
    )


# --- The queue -----------------------------------------------------------------------------------


def _queue_scope(office_code: str, day: date, stages: Sequence[str], station_code: str | None) -> Any:
    day_scope = or_(tickets.c.day == day, tickets.c.stage.in_([s for s in stages if s in MULTI_DAY_STAGES]))
    scope = and_(
        tickets.c.office_code == office_code,
        tickets.c.stage.in_(list(stages)),
        tickets.c.queue_state == QueueState.WAITING.value,
        day_scope,
    )
    if station_code is not None:
        scope = and_(scope, or_(tickets.c.target_station.is_(None), tickets.c.target_station == station_code))
    return scope


# The calling policy's key, column by column (domain/calling.py POLICY_KEY; the tickets table stores
# each part under the same name). tests/integration/test_floor_policy_sql.py compares the two orders.
POLICY_ORDER = tuple(tickets.c[name].asc() for name in POLICY_KEY)


async def claim_next(
    conn: AsyncConnection, office_code: str, day: date, stages: Sequence[str], station_code: str
) -> Row[Any] | None:
    """The ticket `station_code` calls next in policy order, or None (on PostgreSQL locked FOR UPDATE
    SKIP LOCKED: a ticket another transaction is claiming is passed over, not waited for)."""
    query = (
        select(tickets).where(_queue_scope(office_code, day, stages, station_code)).order_by(*POLICY_ORDER)
    )
    query = dialect.locked(conn, query, skip_locked=True)
    return (await conn.execute(query.limit(1))).first()


async def waiting(
    conn: AsyncConnection, office_code: str, day: date, stages: Sequence[str], *, limit: int | None = None
) -> list[Row[Any]]:
    """Waiting tickets of the stages, in policy order (the first `limit` of them when given)."""
    query = select(tickets).where(_queue_scope(office_code, day, stages, None)).order_by(*POLICY_ORDER)
    if limit is not None:
        query = query.limit(limit)
    return list((await conn.execute(query)).all())


async def tickets_of_day(conn: AsyncConnection, office_code: str, day: date) -> list[Row[Any]]:
    """Every ticket issued on a day, by number."""
    query = (
        select(tickets)
        .where(tickets.c.office_code == office_code, tickets.c.day == day)
        .order_by(tickets.c.seq)
    )
    return list((await conn.execute(query)).all())


async def count_tickets(conn: AsyncConnection, office_code: str, day: date) -> int:
    """How many tickets the office issued on a day (check-ins and walk-ins)."""
    query = select(func.count()).where(tickets.c.office_code == office_code, tickets.c.day == day)
    return int((await conn.execute(query)).scalar_one())


async def count_walk_ins(conn: AsyncConnection, office_code: str, day: date, category: Category) -> int:
    """How many tickets of a category were issued on a day without a booking (walk-ins)."""
    query = (
        select(func.count())
        .select_from(tickets)
        .where(
            tickets.c.office_code == office_code,
            tickets.c.day == day,
            tickets.c.category == category.value,
            tickets.c.booking_code.is_(None),
        )
    )
    return int((await conn.execute(query)).scalar_one())


async def release_targets(conn: AsyncConnection, office_code: str, station_code: str) -> None:
    """Tickets sent to a station that went down or closed go back to every station of the stage."""
    await conn.execute(
        update(tickets)
        .where(
            tickets.c.office_code == office_code,
            tickets.c.target_station == station_code,
            tickets.c.queue_state == QueueState.WAITING.value,
        )
        .values(target_station=None)
    )


# --- Visits (ISO measurements) and transitions ---------------------------------------------------


async def open_visit(
    conn: AsyncConnection, office_code: str, day: date, label: str, stage: str, queued_at: datetime
) -> None:
    """Start measuring a wait: a new visit of the ticket to `stage`."""
    last = (
        await conn.execute(
            select(func.max(stage_visits.c.visit)).where(
                stage_visits.c.office_code == office_code,
                stage_visits.c.day == day,
                stage_visits.c.ticket == label,
            )
        )
    ).scalar()
    await conn.execute(
        stage_visits.insert().values(
            office_code=office_code,
            day=day,
            ticket=label,
            visit=int(last or 0) + 1,
            stage=stage,
            queued_at=queued_at,
        )
    )


def _current_visit(office_code: str, day: date, label: str) -> Any:
    return and_(
        stage_visits.c.office_code == office_code,
        stage_visits.c.day == day,
        stage_visits.c.ticket == label,
        stage_visits.c.finished_at.is_(None),
    )


async def visit_called(
    conn: AsyncConnection,
    office_code: str,
    day: date,
    label: str,
    station_code: str,
    officer: str,
    now: datetime,
) -> None:
    """The wait of the ticket's current visit ends: called to `station_code` by `officer`."""
    await conn.execute(
        update(stage_visits)
        .where(_current_visit(office_code, day, label), stage_visits.c.called_at.is_(None))
        .values(called_at=now, station_code=station_code, officer=officer)
    )


async def visit_uncalled(conn: AsyncConnection, office_code: str, day: date, label: str) -> None:
    """The called applicant goes back to the queue unserved (station down): the wait goes on."""
    await conn.execute(
        update(stage_visits)
        .where(_current_visit(office_code, day, label))
        .values(called_at=None, station_code=None, officer=None)
    )


async def visit_finished(
    conn: AsyncConnection, office_code: str, day: date, label: str, outcome: str, now: datetime
) -> None:
    """Close the ticket's current visit with an outcome (done, no_show, transferred, ...)."""
    await conn.execute(
        update(stage_visits)
        .where(_current_visit(office_code, day, label))
        .values(finished_at=now, outcome=outcome)
    )


async def add_transition(
    conn: AsyncConnection,
    office_code: str,
    day: date,
    label: str,
    from_stage: str | None,
    to_stage: str,
    *,
    actor: str,
    station_code: str | None,
    now: datetime,
    reason: str = "",
) -> None:
    """Record one stage move of a ticket: who, at which station, when and why."""
    await conn.execute(
        stage_transitions.insert().values(
            office_code=office_code,
            id=new_id(),
            day=day,
            ticket=label,
            from_stage=from_stage,
            to_stage=to_stage,
            actor=actor,
            station_code=station_code,
            at=now,
            reason=reason,
        )
    )


async def transitions(conn: AsyncConnection, office_code: str, day: date, label: str) -> list[Row[Any]]:
    """Every stage move of a ticket, oldest first."""
    query = (
        select(stage_transitions)
        .where(
            stage_transitions.c.office_code == office_code,
            stage_transitions.c.day == day,
            stage_transitions.c.ticket == label,
        )
        .order_by(stage_transitions.c.at, stage_transitions.c.id)
    )
    return list((await conn.execute(query)).all())


async def visits_between(
    conn: AsyncConnection, office_code: str, first: datetime, last: datetime
) -> list[Row[Any]]:
    """Visits queued in [first, last) (one office day in UTC)."""
    query = select(stage_visits).where(
        stage_visits.c.office_code == office_code,
        stage_visits.c.queued_at >= first,
        stage_visits.c.queued_at < last,
    )
    return list((await conn.execute(query)).all())


async def recent_calls(conn: AsyncConnection, office_code: str, day: date, limit: int = 8) -> list[Any]:
    """The latest calls of the day (tickets by their last call), newest first."""
    query = (
        select(
            tickets.c.ticket,
            tickets.c.station_code,
            tickets.c.called_at,
            tickets.c.recalls,
            tickets.c.queue_state,
        )
        .where(tickets.c.office_code == office_code, tickets.c.day == day, tickets.c.called_at.is_not(None))
        .order_by(tickets.c.called_at.desc(), tickets.c.ticket)
        .limit(limit)
    )
    return list((await conn.execute(query)).all())


async def with_due_dates(conn: AsyncConnection, office_code: str) -> list[Row[Any]]:
    """Applications on the service clock that are not yet collected or rejected."""
    query = select(tickets).where(
        tickets.c.office_code == office_code,
        tickets.c.due_date.is_not(None),
        tickets.c.stage.not_in([Stage.COLLECTED.value, Stage.REJECTED.value]),
    )
    return list((await conn.execute(query.order_by(tickets.c.due_date, tickets.c.ticket))).all())
