"""Floor use cases at a station: call next, recall, no-show, complete a stage and transfer (the
station's own state and the hand-over are in services/stations.py). One transaction and one audit
row each; the lock policy is in store/floor_repo.py and docs/locking.md ("Office floor"). Given the
app's board bus, each wakes the office's display boards once its change has committed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from loket.domain.calling import (
    FloorPolicy,
    QueueState,
    StationState,
    check_no_show,
    check_recall,
)
from loket.domain.errors import Conflict, NotFound, invalid
from loket.domain.office import Office
from loket.domain.workflow import (
    OFF_FLOOR,
    STATION_KIND,
    Stage,
    check_missing,
    check_transition,
    clock_starts,
    due_date,
    outcome_target,
    stages_of_kind,
)
from loket.services import floor_notices, node_journal
from loket.services.audit import record
from loket.services.catalog import Catalog
from loket.services.floor_bus import BoardBus, wake_boards
from loket.services.node_journal import journaled
from loket.store import floor_repo, offices_repo
from loket.store.database import Connection, Database
from loket.store.fast_write import FastWrite


@dataclass(frozen=True)
class Called:
    """A ticket called to a station (what the board announces)."""

    office_code: str
    day: date
    ticket: str
    category: str
    stage: str
    full_name: str
    station_code: str
    station_name: str
    station_number: int
    recalls: int
    called_at: datetime


@dataclass(frozen=True)
class StageDone:
    """A finished stage: where the application went, and its due date once the clock runs."""

    ticket: str
    from_stage: str
    to_stage: str
    due_date: date | None


def served_stage(stage: str) -> str:
    """The stage a queue serves: a checked-in ticket waits for intake."""
    return Stage.INTAKE.value if stage == Stage.CHECKED_IN.value else stage


async def station_locked(conn: Connection, office_code: str, code: str, now: datetime) -> Any:
    """The station with its state row locked (given one first if it has none); NotFound when unknown."""
    st = await floor_repo.station(conn, office_code, code, lock=True)
    if st is None:
        if await floor_repo.station(conn, office_code, code) is None:
            raise NotFound("station_not_found", "Unknown station %(code)s", field="station", code=code)
        # A station added before its state row: give it one (closed), then lock it.
        await floor_repo.ensure_station_states(conn, office_code, now)
        st = await floor_repo.station(conn, office_code, code, lock=True)
    return st


async def current_ticket(conn: Connection, office_code: str, st: Any) -> Any:
    """The ticket the station has called and not finished; Conflict when there is none."""
    if st.ticket is None:
        raise Conflict("station_idle", "This station has no applicant called", field="station")
    row = await floor_repo.ticket(conn, office_code, st.ticket_day, st.ticket, lock=True)
    if row is None:  # pragma: no cover - the station row and the ticket are written together
        raise NotFound("ticket_not_found", "Unknown ticket %(ticket)s", field="ticket", ticket=st.ticket)
    return row


def _called(row: Any, st: Any, **changes: Any) -> Called:
    return Called(
        office_code=row.office_code,
        day=row.day,
        ticket=row.ticket,
        category=row.category,
        stage=changes.get("stage", row.stage),
        full_name=row.full_name,
        station_code=st.code,
        station_name=st.name,
        station_number=st.number,
        recalls=changes.get("recalls", row.recalls),
        called_at=changes.get("called_at", row.called_at),
    )


async def cached_office(catalog: Catalog | None, db: Database, office_code: str) -> Office | None:
    """The office from the catalog (no query while cached); None without a catalog."""
    return (await catalog.get(db, office_code)).office if catalog is not None else None


def check_may_call(st: Any, officer: str) -> None:
    """Conflict unless the station is open, free for `officer` and has nobody called."""
    if st.state != StationState.OPEN.value:
        raise Conflict("station_not_open", "Open the station before calling", field="station")
    if st.officer not in (None, officer):
        raise Conflict(
            "station_taken",
            "Station %(station)s is open for %(officer)s",
            field="station",
            station=st.name,
            officer=st.officer,
        )
    if st.ticket is not None:
        raise Conflict(
            "station_busy",
            "Finish, transfer or mark a no-show for %(ticket)s first",
            field="station",
            ticket=st.ticket,
        )


async def _call_in_one_statement(
    conn: Connection | FastWrite,
    db: Database,
    office: Office,
    station_code: str,
    today: date,
    officer: str,
    now: datetime,
) -> tuple[Any, Any] | None:
    """On PostgreSQL, the station locked and its next ticket called by one statement
    (`floor_repo.call_ticket`); None where the portable steps must run instead: SQLite,
    `db.portable`, a station the cached office does not know, has no state row yet, or whose kind
    changed since the office was cached (the station stays locked: the steps run in this transaction)."""
    kind = next((s.kind for s in office.stations if s.code == station_code), None)
    if db.dialect != "postgresql" or db.portable or kind is None:
        return None
    stages = [s.value for s in stages_of_kind(kind)]
    got = await floor_repo.call_ticket(
        conn, office.code, station_code, kind=kind, stages=stages, day=today, officer=officer, now=now
    )
    if got is None or got[0].kind != kind:
        return None
    st, row = got
    check_may_call(st, officer)
    return st, row


async def _claim(
    conn: Connection, office_code: str, st: Any, today: date, officer: str, now: datetime
) -> Any:
    """The portable steps of call-next at a locked station: the next ticket claimed and marked called."""
    stages = [s.value for s in stages_of_kind(st.kind)]
    row = await floor_repo.claim_next(conn, office_code, today, stages, st.code)
    if row is None:
        return None
    stage = served_stage(row.stage)
    if stage != row.stage:
        await floor_repo.add_transition(
            conn,
            office_code,
            row.day,
            row.ticket,
            row.stage,
            stage,
            actor=officer,
            station_code=st.code,
            now=now,
        )
    await floor_repo.update_ticket(
        conn,
        row,
        stage=stage,
        queue_state=QueueState.CALLED.value,
        station_code=st.code,
        called_at=now,
        called_by=officer,
        recalls=0,
        target_station=None,
        updated_at=now,
    )
    await floor_repo.visit_called(conn, office_code, row.day, row.ticket, st.code, officer, now)
    await floor_repo.set_station(conn, office_code, st.code, ticket_day=row.day, ticket=row.ticket)
    return row


@journaled("call_next")
async def call_next(
    db: Database,
    office_code: str,
    station_code: str,
    *,
    officer: str,
    now: datetime,
    bus: BoardBus | None = None,
    catalog: Catalog | None = None,
    policy: FloorPolicy | None = None,
) -> Called | None:
    """Call the next applicant to the station under the calling policy; None when nobody waits.

    The office (for its local date) comes from `catalog` when given, else from the database. Those
    now near the front of the intake queue are told so (`policy.notify_next_in_people`).

    On PostgreSQL, with the office cached and no journal to write, the call is one fast write
    (store/fast_write.py: the transaction on the raw driver connection, ~1 ms of CPU less than
    through the engine, which eight officers calling at once each wait for); when its one
    statement cannot call (see `_call_in_one_statement`) it is undone and the steps below run."""
    known = await cached_office(catalog, db, office_code)
    if known is not None and db.dialect == "postgresql" and not db.portable and node_journal.quiet():
        try:
            async with db.fast_write() as tx:
                return await _call_at(tx, db, known, station_code, officer, now, bus, policy)
        except _Portable:
            pass
    async with db.write() as conn:
        office = known if known is not None else await offices_repo.load_office(conn, office_code)
        return await _call_at(conn, db, office, station_code, officer, now, bus, policy)


class _Portable(Exception):
    """A fast write's one statement could not call: the transaction is undone, the steps run."""


async def _call_at(
    conn: Connection | FastWrite,
    db: Database,
    office: Office,
    station_code: str,
    officer: str,
    now: datetime,
    bus: BoardBus | None,
    policy: FloorPolicy | None,
) -> Called | None:
    """Call-next inside the transaction of `conn` (the body of `call_next`)."""
    today = office.local_today(now)
    got = await _call_in_one_statement(conn, db, office, station_code, today, officer, now)
    if got is not None:
        st, row = got
    elif isinstance(conn, FastWrite):
        raise _Portable
    else:
        st = await station_locked(conn, office.code, station_code, now)
        check_may_call(st, officer)
        row = await _claim(conn, office.code, st, today, officer, now)
    if row is None:
        return None
    stage = served_stage(row.stage)
    if row.stage in floor_notices.NEAR_STAGES:
        near = (policy or FloorPolicy()).notify_next_in_people
        await floor_notices.tell_near(conn, office, today, near, now)
    await record(
        conn,
        office_code=office.code,
        actor=officer,
        action="floor.call",
        subject=row.ticket,
        detail={"station": st.code},
        now=now,
    )
    wake_boards(conn, bus, office.code)
    return _called(row, st, stage=stage, recalls=0, called_at=now)


@journaled("recall")
async def recall(
    db: Database,
    office_code: str,
    station_code: str,
    *,
    officer: str,
    policy: FloorPolicy,
    now: datetime,
    bus: BoardBus | None = None,
) -> Called:
    """Call the same applicant again (the board repeats the number)."""
    async with db.write() as conn:
        st = await station_locked(conn, office_code, station_code, now)
        row = await current_ticket(conn, office_code, st)
        check_recall(row.recalls, policy.no_show_after_recalls)
        await floor_repo.update_ticket(conn, row, recalls=row.recalls + 1, called_at=now, updated_at=now)
        await record(
            conn,
            office_code=office_code,
            actor=officer,
            action="floor.recall",
            subject=row.ticket,
            detail={"station": st.code, "recalls": row.recalls + 1},
            now=now,
        )
        wake_boards(conn, bus, office_code)
    return _called(row, st, recalls=row.recalls + 1, called_at=now)


@journaled("no_show")
async def mark_no_show(
    db: Database,
    office_code: str,
    station_code: str,
    *,
    officer: str,
    policy: FloorPolicy,
    now: datetime,
    bus: BoardBus | None = None,
) -> str:
    """The called applicant did not come after the allowed recalls: the ticket leaves the queue."""
    async with db.write() as conn:
        st = await station_locked(conn, office_code, station_code, now)
        row = await current_ticket(conn, office_code, st)
        check_no_show(row.recalls, policy.no_show_after_recalls)
        await floor_repo.update_ticket(conn, row, queue_state=QueueState.NO_SHOW.value, updated_at=now)
        await floor_repo.visit_finished(conn, office_code, row.day, row.ticket, "no_show", now)
        await floor_repo.set_station(conn, office_code, st.code, ticket_day=None, ticket=None)
        await record(
            conn,
            office_code=office_code,
            actor=officer,
            action="floor.no_show",
            subject=row.ticket,
            detail={"station": st.code},
            now=now,
        )
        wake_boards(conn, bus, office_code)
    return str(row.ticket)


@journaled("complete_stage")
async def complete_stage(
    db: Database,
    office_code: str,
    station_code: str,
    outcome: str,
    *,
    officer: str,
    policy: FloorPolicy,
    now: datetime,
    missing_documents: list[str] | tuple[str, ...] = (),
    paid: bool | None = None,
    country: str = "ID",
    bus: BoardBus | None = None,
    catalog: Catalog | None = None,
) -> StageDone:
    """Finish the called applicant's stage with an outcome; the application moves on (or out).

    The office (for its local date) comes from `catalog` when given, else from the database; the
    working calendar of the due date is always read in the transaction."""
    known = await cached_office(catalog, db, office_code)
    async with db.write() as conn:
        st = await station_locked(conn, office_code, station_code, now)
        row = await current_ticket(conn, office_code, st)
        source = Stage(row.stage)
        target = outcome_target(source, outcome)
        values: dict[str, Any] = {"stage": target.value, "target_station": None, "updated_at": now}
        if target is Stage.INCOMPLETE:
            values["missing_documents"] = check_missing(list(missing_documents))
        if paid:
            values["paid"] = True
        if source is Stage.INTAKE and target is Stage.BIOMETRICS:
            values["dossier_complete_at"] = now
        if source is Stage.BIOMETRICS and target is Stage.APPROVAL:
            values["biometrics_done_at"] = now
        due = row.due_date
        complete = values.get("dossier_complete_at", row.dossier_complete_at) is not None
        biometrics = values.get("biometrics_done_at", row.biometrics_done_at) is not None
        if due is None and clock_starts(complete, bool(values.get("paid", row.paid)), biometrics):
            office = known if known is not None else await offices_repo.load_office(conn, office_code)
            today = office.local_today(now)
            calendar = await offices_repo.load_calendar(conn, office_code, country=country)
            due = due_date(
                calendar, today, policy.working_days_for(row.product), express=row.category == "express"
            )
            values["due_date"] = due
        if target in OFF_FLOOR or target is Stage.READY:
            values["queue_state"] = QueueState.AWAY.value
        else:
            values["queue_state"] = QueueState.WAITING.value
            values["queued_at"] = now
        requeued = values["queue_state"] == QueueState.WAITING.value
        if db.dialect == "postgresql" and not db.portable:
            await floor_repo.finish_stage(
                conn,
                row,
                stage=target.value,
                outcome=str(outcome),
                visit_stage=served_stage(target.value) if requeued else None,
                values=values,
                actor=officer,
                station_code=st.code,
                now=now,
            )
        else:
            await floor_repo.visit_finished(conn, office_code, row.day, row.ticket, str(outcome), now)
            if requeued:
                await floor_repo.open_visit(
                    conn, office_code, row.day, row.ticket, served_stage(target.value), now
                )
            await floor_repo.update_ticket(conn, row, **values)
            await floor_repo.add_transition(
                conn,
                office_code,
                row.day,
                row.ticket,
                source.value,
                target.value,
                actor=officer,
                station_code=st.code,
                now=now,
            )
            await floor_repo.set_station(conn, office_code, st.code, ticket_day=None, ticket=None)
        await floor_notices.after_stage(conn, row, target, values.get("missing_documents", []), now)
        await record(
            conn,
            office_code=office_code,
            actor=officer,
            action="floor.complete",
            subject=row.ticket,
            detail={
                "station": st.code,
                "from": source.value,
                "to": target.value,
                "due_date": due.isoformat() if due else None,
            },
            now=now,
        )
        wake_boards(conn, bus, office_code)
    return StageDone(row.ticket, source.value, target.value, due)


@journaled("transfer")
async def transfer(
    db: Database,
    office_code: str,
    station_code: str,
    *,
    officer: str,
    now: datetime,
    to_station: str | None = None,
    to_stage: str | None = None,
    reason: str = "",
    bus: BoardBus | None = None,
) -> str:
    """Send the called applicant to another station and/or back to an earlier stage, keeping their place."""
    if not to_station and not to_stage:
        raise invalid("to_station", "transfer_target", "Choose a station or a stage to transfer to")
    async with db.write() as conn:
        st = await station_locked(conn, office_code, station_code, now)
        row = await current_ticket(conn, office_code, st)
        stage = check_transition(row.stage, to_stage) if to_stage else Stage(row.stage)
        if stage in OFF_FLOOR or stage not in STATION_KIND:
            raise Conflict(
                "illegal_transition",
                "An application cannot go from %(src)s to %(dst)s",
                field="stage",
                src=row.stage,
                dst=stage.value,
            )
        if to_station:
            target = await floor_repo.station(conn, office_code, to_station)
            if target is None:
                raise NotFound(
                    "station_not_found", "Unknown station %(code)s", field="to_station", code=to_station
                )
            if target.kind != STATION_KIND[stage]:
                raise Conflict(
                    "station_wrong_kind",
                    "Station %(station)s does not serve this stage",
                    field="to_station",
                    station=target.name,
                )
            if target.state in (StationState.DOWN.value, StationState.CLOSED.value, None):
                raise Conflict("station_not_open", "Open the station before calling", field="to_station")
        await floor_repo.visit_finished(conn, office_code, row.day, row.ticket, "transferred", now)
        await floor_repo.open_visit(conn, office_code, row.day, row.ticket, served_stage(stage.value), now)
        await floor_repo.update_ticket(
            conn,
            row,
            stage=stage.value,
            queue_state=QueueState.WAITING.value,
            queued_at=now,
            target_station=to_station or None,
            updated_at=now,
        )
        if stage.value != row.stage:
            await floor_repo.add_transition(
                conn,
                office_code,
                row.day,
                row.ticket,
                row.stage,
                stage.value,
                actor=officer,
                station_code=st.code,
                now=now,
                reason=reason,
            )
        await floor_repo.set_station(conn, office_code, st.code, ticket_day=None, ticket=None)
        await record(
            conn,
            office_code=office_code,
            actor=officer,
            action="floor.transfer",
            subject=row.ticket,
            detail={"station": st.code, "to_station": to_station, "to_stage": stage.value, "reason": reason},
            now=now,
        )
        wake_boards(conn, bus, office_code)
    return str(row.ticket)
