"""Station use cases: a station's own state (open, paused, closed, down with a reason) and the
hand-over of a ready passport at a collection counter. One transaction and one audit row each; a
state change, given the app's board bus, wakes the office's display boards once committed."""

from __future__ import annotations

from datetime import datetime

from loket.domain.calling import QueueState, StationState, check_station_move
from loket.domain.errors import Conflict, NotFound, invalid
from loket.domain.identity import nik_matches
from loket.domain.workflow import Stage, check_transition
from loket.services import survey
from loket.services.audit import record
from loket.services.floor import current_ticket, station_locked
from loket.services.floor_bus import BoardBus, wake_boards
from loket.services.node_journal import journaled
from loket.store import floor_repo
from loket.store.database import Database


@journaled("hand_over")
async def hand_over(
    db: Database,
    office_code: str,
    station_code: str,
    booking_code: str,
    nik: str,
    *,
    officer: str,
    now: datetime,
) -> str:
    """Hand a ready passport over at a collection counter against the holder's NIK."""
    async with db.write() as conn:
        st = await station_locked(conn, office_code, station_code, now)
        if st.kind != "collection":
            raise Conflict(
                "station_wrong_kind",
                "Station %(station)s does not serve this stage",
                field="station",
                station=st.name,
            )
        row = await floor_repo.ticket_of_booking(conn, office_code, booking_code.strip().upper())
        if row is None or not nik_matches(row.nik, nik):
            raise NotFound("booking_not_found", "No booking matches this code and NIK", field="booking_code")
        check_transition(row.stage, Stage.COLLECTED)
        await floor_repo.update_ticket(
            conn, row, stage=Stage.COLLECTED.value, queue_state=QueueState.AWAY.value, updated_at=now
        )
        await floor_repo.add_transition(
            conn,
            office_code,
            row.day,
            row.ticket,
            row.stage,
            Stage.COLLECTED.value,
            actor=officer,
            station_code=st.code,
            now=now,
        )
        # The satisfaction survey link (IKM) goes out with the passport, in the same transaction.
        await survey.invite_after_collection(conn, office_code, row, now)
        await record(
            conn,
            office_code=office_code,
            actor=officer,
            action="floor.hand_over",
            subject=row.ticket,
            now=now,
        )
    return str(row.ticket)


@journaled("station_state")
async def set_station_state(
    db: Database,
    office_code: str,
    station_code: str,
    state: str,
    *,
    officer: str,
    now: datetime,
    reason: str = "",
    bus: BoardBus | None = None,
) -> str:
    """Open, pause, close or mark a station down (device fault, with a reason)."""
    try:
        wanted = StationState(state)
    except ValueError as exc:
        raise invalid(
            "state",
            "state_invalid",
            "Choose one of: %(choices)s",
            choices=", ".join(s.value for s in StationState),
        ) from exc
    async with db.write() as conn:
        st = await station_locked(conn, office_code, station_code, now)
        target = check_station_move(st.state, wanted, reason)
        if target in (StationState.DOWN, StationState.CLOSED):
            if st.ticket is not None:
                # The applicant at a broken station goes back to the queue, keeping their place.
                row = await current_ticket(conn, office_code, st)
                await floor_repo.update_ticket(
                    conn, row, queue_state=QueueState.WAITING.value, updated_at=now
                )
                await floor_repo.visit_uncalled(conn, office_code, row.day, row.ticket)
            await floor_repo.release_targets(conn, office_code, st.code)
        holder = (
            officer
            if target is StationState.OPEN
            else (st.officer if target is StationState.PAUSED else None)
        )
        keep_ticket = target in (StationState.OPEN, StationState.PAUSED)
        await floor_repo.set_station(
            conn,
            office_code,
            st.code,
            state=target.value,
            reason=reason.strip() if target is StationState.DOWN else "",
            since=now,
            officer=holder,
            ticket_day=st.ticket_day if keep_ticket else None,
            ticket=st.ticket if keep_ticket else None,
        )
        await record(
            conn,
            office_code=office_code,
            actor=officer,
            action="floor.station",
            subject=st.code,
            detail={"from": st.state, "to": target.value, "reason": reason},
            now=now,
        )
        wake_boards(conn, bus, office_code)
    return target.value
