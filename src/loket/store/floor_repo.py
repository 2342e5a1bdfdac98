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

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Integer, and_, bindparam, delete, exists, func, literal, or_, select, true, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from loket.domain.booking import Category, Status
from loket.domain.calling import POLICY_KEY, QueueState, StationState
from loket.domain.workflow import Stage
from loket.store import dialect
from loket.store.fast_write import FastWrite
from loket.store.ids import new_id
from loket.store.tables import (
    bookings,
    notify_outbox,
    stage_targets,
    stage_transitions,
    stage_visits,
    station_states,
    stations,
    ticket_counters,
    tickets,
)
from loket.store.types import UTCDateTime

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


# Built once (every floor write reads its station and ticket; building a query costs more than
# running it).
_TICKET = select(tickets).where(
    tickets.c.office_code == bindparam("office"),
    tickets.c.day == bindparam("day"),
    tickets.c.ticket == bindparam("label"),
)
_LOCKED_TICKET = _TICKET.with_for_update()


async def ticket(
    conn: AsyncConnection, office_code: str, day: date, label: str, *, lock: bool = False
) -> Row[Any] | None:
    """One ticket by its day and label (locked FOR UPDATE on PostgreSQL with `lock`), or None."""
    query = _LOCKED_TICKET if lock else _TICKET
    return (await conn.execute(query, {"office": office_code, "day": day, "label": label})).first()


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


def _stations_with_state(*, outer: bool) -> Any:
    """Stations joined to their live state rows (outer: a station without one keeps state None)."""
    on = and_(
        station_states.c.office_code == stations.c.office_code,
        station_states.c.station_code == stations.c.code,
    )
    return (stations.outerjoin if outer else stations.join)(station_states, on)


_STATION_COLUMNS = (
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


def _station_query(*, lock: bool) -> Any:
    # Locking needs the inner join: FOR UPDATE cannot lock the nullable side of an outer join.
    query = (
        select(*_STATION_COLUMNS)
        .select_from(_stations_with_state(outer=not lock))
        .where(stations.c.office_code == bindparam("office"), stations.c.code == bindparam("code"))
    )
    return query.with_for_update(of=station_states) if lock else query


_STATION = _station_query(lock=False)
_LOCKED_STATION = _station_query(lock=True)


async def station(conn: AsyncConnection, office_code: str, code: str, *, lock: bool = False) -> Any:
    """The station with its live state, or None when unknown.

    Without `lock` a station that never had a state row comes back with state None; with `lock` its
    `station_states` row is locked (FOR UPDATE on PostgreSQL) and a station without one is None."""
    # SQLAlchemy writes no FOR UPDATE for SQLite (no row locks: the write transaction holds the file).
    query = _LOCKED_STATION if lock else _STATION
    return (await conn.execute(query, {"office": office_code, "code": code})).first()


async def office_stations(conn: AsyncConnection, office_code: str) -> list[Any]:
    """Every station of the office with its live state (None when it has none), by number."""
    query = (
        select(*_STATION_COLUMNS)
        .select_from(_stations_with_state(outer=True))
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
POLICY_COLUMNS = tuple(tickets.c[name] for name in POLICY_KEY)


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


@dataclass(frozen=True)
class Claimed:
    """A ticket `call_ticket` called, as it was before the call."""

    office_code: str
    day: date
    ticket: str
    category: str
    stage: str
    full_name: str
    recalls: int
    called_at: datetime | None


# Call-next on PostgreSQL as one statement (`call_ticket`): lock the station's state row, and only
# if it is open, the caller's and idle take the first waiting ticket of its queues in policy order
# (FOR UPDATE SKIP LOCKED, as `claim_next`), then move it to its served stage, mark it, its visit and
# the station as called. Data-modifying CTEs all run (or, fed by an empty `nxt`, write nothing);
# the station row comes back either way, so the caller can say why nothing was called. The scope
# is `_queue_scope`'s and the order POLICY_KEY's, in SQL text.
PG_CALL_TICKET = f"""
WITH st AS (
    SELECT s.code, s.kind, s.name, s.number, ss.state, ss.officer, ss.ticket_day, ss.ticket
    FROM station_states ss JOIN stations s ON s.office_code = ss.office_code AND s.code = ss.station_code
    WHERE ss.office_code = %(office)s AND ss.station_code = %(station)s
    FOR UPDATE OF ss
), free AS (
    SELECT 1 FROM st
    WHERE st.kind = %(kind)s AND st.state = %(open)s AND st.ticket IS NULL
      AND (st.officer IS NULL OR st.officer = %(officer)s)
), nxt AS (
    SELECT t.office_code, t.day, t.ticket, t.category, t.stage, t.full_name, t.recalls, t.called_at
    FROM tickets t
    WHERE EXISTS (SELECT 1 FROM free) AND t.office_code = %(office)s AND t.stage = ANY(%(stages)s)
      AND t.queue_state = %(waiting)s AND (t.day = %(day)s OR t.stage = ANY(%(multi_day)s))
      AND (t.target_station IS NULL OR t.target_station = %(station)s)
    ORDER BY {", ".join(f"t.{name}" for name in POLICY_KEY)}
    LIMIT 1
    FOR UPDATE OF t SKIP LOCKED
), moved AS (
    INSERT INTO stage_transitions
        (office_code, id, day, ticket, from_stage, to_stage, actor, station_code, at, reason)
    SELECT n.office_code, %(move_id)s, n.day, n.ticket, n.stage, %(served)s, %(officer)s, %(station)s,
           %(now)s, ''
    FROM nxt n WHERE n.stage = %(checked_in)s
), called AS (
    UPDATE tickets t
    SET stage = CASE WHEN n.stage = %(checked_in)s THEN %(served)s ELSE n.stage END,
        queue_state = %(called)s, station_code = %(station)s, called_at = %(now)s, called_by = %(officer)s,
        recalls = 0, target_station = NULL, updated_at = %(now)s
    FROM nxt n WHERE t.office_code = n.office_code AND t.day = n.day AND t.ticket = n.ticket
), visit AS (
    UPDATE stage_visits v SET called_at = %(now)s, station_code = %(station)s, officer = %(officer)s
    FROM nxt n
    WHERE v.office_code = n.office_code AND v.day = n.day AND v.ticket = n.ticket
      AND v.finished_at IS NULL AND v.called_at IS NULL
), station AS (
    UPDATE station_states ss SET ticket_day = n.day, ticket = n.ticket
    FROM nxt n WHERE ss.office_code = %(office)s AND ss.station_code = %(station)s
)
SELECT st.code, st.kind, st.name, st.number, st.state, st.officer, st.ticket_day, st.ticket,
       n.office_code AS t_office_code, n.day AS t_day, n.ticket AS t_ticket, n.category AS t_category,
       n.stage AS t_stage, n.full_name AS t_full_name, n.recalls AS t_recalls, n.called_at AS t_called_at
FROM st LEFT JOIN nxt n ON true
"""


async def call_ticket(
    conn: AsyncConnection | FastWrite,
    office_code: str,
    station_code: str,
    *,
    kind: str,
    stages: Sequence[str],
    day: date,
    officer: str,
    now: datetime,
) -> tuple[Any, Claimed | None] | None:
    """PostgreSQL only: call-next as one statement (`PG_CALL_TICKET`), in the caller's transaction
    (an engine connection's or a `FastWrite`).

    Returns the station as locked (before the call) and the ticket called, None when nobody waits
    or the station may not call (not open, another officer's, busy, or not of `kind`: the station
    row says which); None instead of the pair when the station has no state row yet."""
    params = {
        "office": office_code,
        "station": station_code,
        "kind": kind,
        "open": StationState.OPEN.value,
        "officer": officer,
        "stages": list(stages),
        "multi_day": [s for s in stages if s in MULTI_DAY_STAGES],
        "waiting": QueueState.WAITING.value,
        "called": QueueState.CALLED.value,
        "day": day,
        "checked_in": Stage.CHECKED_IN.value,
        "served": Stage.INTAKE.value,
        "move_id": new_id(),
        "now": now,
    }
    if isinstance(conn, FastWrite):
        row = await conn.first(PG_CALL_TICKET, params)
    else:
        row = (await conn.exec_driver_sql(PG_CALL_TICKET, params)).first()
    if row is None:
        return None
    if row.t_ticket is None:
        return row, None
    return row, Claimed(
        office_code=row.t_office_code,
        day=row.t_day,
        ticket=row.t_ticket,
        category=row.t_category,
        stage=row.t_stage,
        full_name=row.t_full_name,
        recalls=row.t_recalls,
        called_at=row.t_called_at,
    )


# The writes of a finished stage on PostgreSQL as one statement (`finish_stage`): the visit closed,
# the next one opened when the ticket queues again (numbered after the ticket's last, which the
# ticket's row lock taken before keeps to this transaction), the ticket's columns, the transition
# and the station freed. Every ticket column a stage may change is written (the caller passes the
# row's own value for those it keeps: it holds the row's lock).
PG_FINISH_STAGE = """
WITH finished AS (
    UPDATE stage_visits SET finished_at = %(now)s, outcome = %(outcome)s
    WHERE office_code = %(office)s AND day = %(day)s AND ticket = %(ticket)s AND finished_at IS NULL
), opened AS (
    INSERT INTO stage_visits (office_code, day, ticket, visit, stage, queued_at)
    SELECT %(office)s, %(day)s, %(ticket)s,
           COALESCE((SELECT max(visit) FROM stage_visits
                     WHERE office_code = %(office)s AND day = %(day)s AND ticket = %(ticket)s), 0) + 1,
           %(visit_stage)s::varchar, %(now)s
    WHERE %(visit_stage)s::varchar IS NOT NULL
), moved AS (
    UPDATE tickets SET stage = %(stage)s, queue_state = %(queue_state)s, queued_at = %(queued_at)s,
        target_station = NULL, missing_documents = %(missing_documents)s::json, paid = %(paid)s,
        dossier_complete_at = %(dossier_complete_at)s, biometrics_done_at = %(biometrics_done_at)s,
        due_date = %(due_date)s, updated_at = %(now)s
    WHERE office_code = %(office)s AND day = %(day)s AND ticket = %(ticket)s
), transition AS (
    INSERT INTO stage_transitions
        (office_code, id, day, ticket, from_stage, to_stage, actor, station_code, at, reason)
    VALUES (%(office)s, %(move_id)s, %(day)s, %(ticket)s, %(from_stage)s, %(stage)s, %(actor)s,
            %(station)s, %(now)s, '')
)
UPDATE station_states SET ticket_day = NULL, ticket = NULL
WHERE office_code = %(office)s AND station_code = %(station)s
"""

# The ticket columns `finish_stage` writes besides its stage, key and `updated_at`.
FINISH_COLUMNS = (
    "queue_state",
    "queued_at",
    "missing_documents",
    "paid",
    "dossier_complete_at",
    "biometrics_done_at",
    "due_date",
)


async def finish_stage(
    conn: AsyncConnection,
    row: Row[Any],
    *,
    stage: str,
    outcome: str,
    visit_stage: str | None,
    values: dict[str, Any],
    actor: str,
    station_code: str,
    now: datetime,
) -> None:
    """PostgreSQL only: close the called ticket's stage as one statement (`PG_FINISH_STAGE`) in the
    caller's transaction: visit `outcome`, a new visit of `visit_stage` (None: none), the ticket
    moved to `stage` with the column `values` `update_ticket` would be given (the row's own value
    for a column of FINISH_COLUMNS not among them), the transition, the station free."""
    unknown = set(values) - set(FINISH_COLUMNS) - {"stage", "target_station", "updated_at"}
    if unknown:  # a column the statement does not write would be lost without a word
        raise ValueError(f"finish_stage does not write {sorted(unknown)}")
    columns = {name: values.get(name, getattr(row, name)) for name in FINISH_COLUMNS}
    await conn.exec_driver_sql(
        PG_FINISH_STAGE,
        {
            "office": row.office_code,
            "day": row.day,
            "ticket": row.ticket,
            "from_stage": row.stage,
            "stage": stage,
            "outcome": outcome,
            "visit_stage": visit_stage,
            **{name: columns[name] for name in FINISH_COLUMNS},
            "missing_documents": json.dumps(columns["missing_documents"]),
            "actor": actor,
            "station": station_code,
            "move_id": new_id(),
            "now": now,
        },
    )


async def waiting(
    conn: AsyncConnection, office_code: str, day: date, stages: Sequence[str], *, limit: int | None = None
) -> list[Row[Any]]:
    """Waiting tickets of the stages, in policy order (the first `limit` of them when given)."""
    query = select(tickets).where(_queue_scope(office_code, day, stages, None)).order_by(*POLICY_ORDER)
    if limit is not None:
        query = query.limit(limit)
    return list((await conn.execute(query)).all())


def _telling(conn: dialect.HasDialect) -> Any:
    """On PostgreSQL, true for one transaction of the office at a time (a transaction-scoped
    advisory lock, taken without waiting; evaluated once per statement): of calls made in the same
    instant one reads the front and tells it, the others read nothing. They all saw the same front
    (each other's claims uncommitted), so they would have queued the same messages, each waiting
    on the others' uncommitted keys. SQLite runs one write at a time: always true."""
    if not dialect.is_postgresql(conn):
        return true()
    lock = func.pg_try_advisory_xact_lock(func.hashtext(literal("loket.near_front:") + bindparam("office")))
    return select(lock).scalar_subquery()


def _near_front_query(conn: dialect.HasDialect) -> Any:
    # The front first (sorted and cut in a subquery), then its bookings and counts: joined before
    # the LIMIT, the whole waiting room would be joined to the bookings to keep four rows.
    front = (
        select(
            tickets.c.office_code, tickets.c.day, tickets.c.ticket, tickets.c.booking_code, *POLICY_COLUMNS
        )
        .where(
            tickets.c.office_code == bindparam("office"),
            tickets.c.day == bindparam("day"),
            dialect.in_list(conn, tickets.c.stage, "stages"),
            tickets.c.queue_state == QueueState.WAITING.value,
            _telling(conn),
        )
        .order_by(*POLICY_ORDER)
        .limit(bindparam("limit", type_=Integer))
        .subquery("front")
    )
    moves = stage_transitions
    returns = (
        select(func.count())
        .where(
            moves.c.office_code == front.c.office_code,
            moves.c.day == front.c.day,
            moves.c.ticket == front.c.ticket,
            moves.c.to_stage == bindparam("returns_to"),
        )
        .scalar_subquery()
    )
    outbox = notify_outbox
    locale = (
        select(outbox.c.locale)
        .where(outbox.c.office_code == front.c.office_code, outbox.c.subject == front.c.booking_code)
        .order_by(outbox.c.created_at)
        .limit(1)
        .scalar_subquery()
    )
    booking = and_(
        bookings.c.office_code == front.c.office_code, bookings.c.booking_code == front.c.booking_code
    )
    return (
        select(
            front.c.office_code,
            front.c.day.label("ticket_day"),
            front.c.ticket,
            bookings.c.booking_code,
            bookings.c.phone,
            bookings.c.email,
            bookings.c.day,
            bookings.c.starts,
            bookings.c.service,
            bookings.c.amount,
            bookings.c.billing_code,
            bookings.c.pay_before,
            returns.label("returns"),
            locale.label("locale"),
            # The wait estimate's figures on every row (computed once: they do not depend on it).
            *_rate_columns(conn),
        )
        .select_from(front.outerjoin(bookings, booking))
        .order_by(*(front.c[name] for name in POLICY_KEY))
    )


# Built once per dialect: every call-next runs it, and building a statement costs more than running it.
_NEAR_FRONT = dialect.PerDialect(_near_front_query)
# Its PostgreSQL text and fixed parameters, for a fast write (compiled once, on first use).
_NEAR_FRONT_PG = dialect.Compiled(lambda: _near_front_query(FastWrite))


async def near_front(
    conn: AsyncConnection | FastWrite,
    office_code: str,
    day: date,
    stages: Sequence[str],
    limit: int,
    *,
    returns_to: str,
    rate: tuple[str, str, datetime, datetime],
) -> list[Row[Any]]:
    """The first `limit` waiting tickets of the day's `stages` (none of them a multi-day stage) in
    policy order, each with what telling its holder needs, in one statement: the ticket (`ticket`,
    `ticket_day`), its booking's columns a message names (None for a walk-in), the language of the
    booking's first message (`locale`, None when it has none), how often the ticket moved to
    `returns_to` (`returns`), and on every row the `stage_rate` figures of `rate` (station kind,
    stage, first and last moment: `open_count`, `mean_s`, `stored`, `stored_wait_s`,
    `stored_service_s`), so the wait estimate costs no round trip of its own."""
    assert not set(stages) & set(MULTI_DAY_STAGES), "near_front reads one day's queue"
    kind, stage, first, last = rate
    params = {
        "office": office_code,
        "day": day,
        "stages": list(stages),
        "limit": limit,
        "returns_to": returns_to,
        "kind": kind,
        "stage": stage,
        "first": first,
        "last": last,
    }
    if isinstance(conn, FastWrite):
        sql, fixed = _NEAR_FRONT_PG()
        return await conn.rows(sql, fixed | params)
    return list((await conn.execute(_NEAR_FRONT(conn), params)).all())


def _rate_columns(conn: dialect.HasDialect) -> tuple[Any, ...]:
    """The figures of the wait estimate as labelled scalar subqueries (see `stage_rate`)."""
    open_count = (
        select(func.count())
        .select_from(_stations_with_state(outer=False))
        .where(
            stations.c.office_code == bindparam("office"),
            stations.c.kind == bindparam("kind"),
            station_states.c.state == StationState.OPEN.value,
        )
        .scalar_subquery()
    )
    v = stage_visits
    mean_s = (
        select(func.avg(dialect.seconds_between(conn, v.c.finished_at, v.c.called_at)))
        .where(
            v.c.office_code == bindparam("office"),
            v.c.queued_at >= bindparam("first", type_=UTCDateTime),
            v.c.queued_at < bindparam("last", type_=UTCDateTime),
            v.c.stage == bindparam("stage"),
            v.c.called_at.is_not(None),
            v.c.finished_at.is_not(None),
            # Two comparisons, not NOT IN: a list renders as a parameter expanded per execution,
            # which the statement text of a fast write (dialect.postgresql_statement) cannot hold.
            or_(v.c.outcome.is_(None), and_(v.c.outcome != "transferred", v.c.outcome != "no_show")),
        )
        .scalar_subquery()
    )
    own = and_(
        stage_targets.c.office_code == bindparam("office"), stage_targets.c.stage == bindparam("stage")
    )
    return (
        open_count.label("open_count"),
        mean_s.label("mean_s"),
        exists().where(own).label("stored"),
        select(stage_targets.c.wait_s).where(own).scalar_subquery().label("stored_wait_s"),
        select(stage_targets.c.service_s).where(own).scalar_subquery().label("stored_service_s"),
    )


def _stage_rate_query(conn: AsyncConnection) -> Any:
    return select(*_rate_columns(conn))


_STAGE_RATE = dialect.PerDialect(_stage_rate_query)  # the seconds between two moments are written apart


async def stage_rate(
    conn: AsyncConnection, office_code: str, kind: str, stage: str, first: datetime, last: datetime
) -> tuple[int, float | None, tuple[int | None, int | None] | None]:
    """(open stations of `kind`, mean service seconds of `stage`'s visits queued in [first, last)
    that were called and finished (transfers and no-shows left out), the office's own stored
    target of the stage as (wait_s, service_s) or None): one statement, aggregated by the database."""
    params = {"office": office_code, "kind": kind, "stage": stage, "first": first, "last": last}
    return rate_of((await conn.execute(_STAGE_RATE(conn), params)).one())


def rate_of(row: Any) -> tuple[int, float | None, tuple[int | None, int | None] | None]:
    """`stage_rate`'s answer from a row with its columns (its own, or one of `near_front`)."""
    stored = (row.stored_wait_s, row.stored_service_s) if row.stored else None
    return int(row.open_count), None if row.mean_s is None else float(row.mean_s), stored


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
