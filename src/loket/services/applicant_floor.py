"""What the office floor tells the applicant's status page: the stages their ticket went through
(with times), the ticket, the people before them and an estimated wait while they queue, the
missing documents of an incomplete dossier and the floor's due date. Reads only.

The estimated wait is the floor's own (`domain/calling.estimate_wait_s`): the people before you
over the open stations of the stage, times the mean service time measured today at that stage
(the office's service target while nothing is measured yet).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from loket.domain.calling import QueueState, estimate_wait_s
from loket.domain.journey import MISSING_LABELS, FloorStatus, floor_stages
from loket.domain.office import Office
from loket.domain.service_targets import targets_with_defaults
from loket.domain.workflow import STATION_KIND, Stage, stages_of_kind
from loket.store import floor_repo, offices_repo
from loket.store.database import Connection, Database


async def service_rate(
    conn: Connection, office: Office, stage: Stage, now: datetime
) -> tuple[int, float | None]:
    """(open stations of `stage`'s queue, mean service seconds: measured today, else the target)."""
    return rate_from(await floor_repo.stage_rate(conn, office.code, *rate_scope(office, stage, now)), stage)


def rate_scope(office: Office, stage: Stage, now: datetime) -> tuple[str, str, datetime, datetime]:
    """What the wait estimate of `stage`'s queue reads: station kind, served stage, the office's day."""
    start = office.local_moment(office.local_today(now), datetime.min.time())
    return STATION_KIND[stage], served(stage), start, start + timedelta(days=1)


def rate_from(
    figures: tuple[int, float | None, tuple[int | None, int | None] | None], stage: Stage
) -> tuple[int, float | None]:
    """(open stations, mean service seconds) of the stored figures: measured today, else the target."""
    open_count, mean_s, stored = figures
    if mean_s is None:
        target = targets_with_defaults({served(stage): stored} if stored else {}).get(served(stage))
        mean_s = float(target.service_s) if target and target.service_s else None
    return open_count, mean_s


def served(stage: Stage) -> str:
    """The stage whose services measure a queue's pace: a checked-in ticket waits for intake."""
    return Stage.INTAKE.value if stage is Stage.CHECKED_IN else stage.value


def wait_minutes(position: int, open_count: int, mean_s: float | None) -> int | None:
    """The estimated wait of the `position`-th waiting ticket in whole minutes (at least one)."""
    wait = estimate_wait_s(position, open_count, mean_s)
    return None if wait is None else max(1, round(wait / 60))


async def queue_place(
    conn: Connection, office: Office, ticket: Any, now: datetime
) -> tuple[int | None, int | None]:
    """(people before this waiting ticket in its stage's queue, estimated minutes until called)."""
    stage = Stage(ticket.stage)
    if ticket.queue_state != QueueState.WAITING.value or stage not in STATION_KIND:
        return None, None
    stages = [s.value for s in stages_of_kind(STATION_KIND[stage])]
    labels = [(r.day, r.ticket) for r in await floor_repo.waiting(conn, office.code, ticket.day, stages)]
    if (ticket.day, ticket.ticket) not in labels:
        return None, None
    position = labels.index((ticket.day, ticket.ticket))
    return position, wait_minutes(position, *await service_rate(conn, office, stage, now))


async def floor_status(db: Database, booking: Any, now: datetime) -> FloorStatus:
    """What the floor knows about a booking: empty until it is checked in."""
    async with db.read() as conn:
        ticket = await floor_repo.ticket_of_booking(conn, booking.office_code, booking.booking_code)
        if ticket is None:
            return FloorStatus()
        office = await offices_repo.load_office(conn, booking.office_code)
        moves = await floor_repo.transitions(conn, ticket.office_code, ticket.day, ticket.ticket)
        position, minutes = await queue_place(conn, office, ticket, now)
        called_to = None
        if ticket.queue_state == QueueState.CALLED.value and ticket.station_code:
            station = await floor_repo.station(conn, office.code, ticket.station_code)
            called_to = station.name if station is not None else ticket.station_code
    entered: dict[str, datetime] = {}
    for move in moves:
        entered.setdefault(move.to_stage, move.at)
    incomplete = ticket.stage == Stage.INCOMPLETE.value
    complete_at = ticket.dossier_complete_at
    return FloorStatus(
        stages=floor_stages(
            ticket.stage, ticket.queue_state == QueueState.WAITING.value, entered, ticket.checked_in_at
        ),
        missing_documents=tuple(MISSING_LABELS.get(d, d) for d in ticket.missing_documents)
        if incomplete
        else (),
        queue_position=position,
        wait_minutes=minutes,
        dossier_complete_on=complete_at.astimezone(office.zone).date() if complete_at else None,
        due_date=ticket.due_date,
        ticket=ticket.ticket,
        stage=ticket.stage,
        called_to=called_to,
    )
