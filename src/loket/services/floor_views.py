"""What the floor screens read: the display board, the queues with expected waits, the stations,
the ISO measurements per stage and hour, and the service-clock lists. Reads only (`db.read()`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from loket.domain.booking import Category
from loket.domain.calling import TICKET_LETTER, StationState, estimate_wait_s, mean, percentile, spoken_label
from loket.domain.errors import NotFound
from loket.domain.workflow import STATION_KIND, SlaState, Stage, sla_state, stages_of_kind
from loket.store import floor_repo, offices_repo
from loket.store.database import Database

# Stations whose calls the waiting room hears; printing is back office.
BOARD_KINDS = ("intake", "biometrics", "approval", "collection")
SERVED_STAGES = ("intake", "biometrics", "approval", "printing", "quality_check", "ready")


# The board's waiting counts: tickets not yet at a counter, by the letter the waiting room knows.
BOARD_CATEGORIES = tuple(c.value for c in Category)
# Earlier numbers a counter shows under its current one.
COUNTER_HISTORY = 3


async def board(
    db: Database, office_code: str, now: datetime, recent: int = 8, *, may_lag: bool = False
) -> dict[str, Any]:
    """The display board: open counters with their current number and their last calls, the last
    calls of the office, how many wait per category, and the office's zone and the server's time
    (the TV's clock follows the server's, in the office's zone, not the TV's own).

    `may_lag`: from the read replica (the polled snapshot). The live stream reads the primary: a
    wake follows a commit, which the replica may not have applied yet."""
    async with db.replica_read() if may_lag else db.read() as conn:
        office = await offices_repo.load_office(conn, office_code)
        today = office.local_today(now)
        rows = await floor_repo.office_stations(conn, office_code)
        # Enough calls for each counter's own history as well as the office's last calls.
        calls = await floor_repo.recent_calls(conn, office_code, today, max(recent, 40))
        waiting_rows = await floor_repo.waiting(conn, office_code, today, [Stage.CHECKED_IN.value])
    by_code = {r.code: r for r in rows}
    waiting = {category: 0 for category in BOARD_CATEGORIES}
    for w in waiting_rows:
        waiting[w.category] = waiting.get(w.category, 0) + 1
    history: dict[str, list[str]] = defaultdict(list)
    for c in calls:
        if len(history[c.station_code]) < COUNTER_HISTORY + 1:
            history[c.station_code].append(c.ticket)
    counters = [
        {
            "station": r.code,
            "name": r.name,
            "number": r.number,
            "kind": r.kind,
            "state": r.state,
            "ticket": r.ticket if r.ticket_day == today else None,
            "previous": [
                t for t in history.get(r.code, []) if t != (r.ticket if r.ticket_day == today else None)
            ][:COUNTER_HISTORY],
        }
        for r in rows
        if r.kind in BOARD_KINDS and r.state in (StationState.OPEN.value, StationState.PAUSED.value)
    ]
    last: list[dict[str, Any]] = []
    for c in calls:
        if len(last) >= recent:
            break
        st = by_code.get(c.station_code)
        if st is None or st.kind not in BOARD_KINDS:
            continue
        last.append(
            {
                "ticket": c.ticket,
                "station": st.code,
                "name": st.name,
                "number": st.number,
                "at": c.called_at.isoformat(),
                # Changes on every call and recall: the board chimes and speaks when it sees a new key.
                "key": f"{c.ticket}|{st.code}|{c.recalls}|{c.called_at.isoformat()}",
                "spoken": spoken_label(c.ticket),
            }
        )
    return {
        "office": office.code,
        "name": office.name,
        "day": today.isoformat(),
        "timezone": office.timezone,
        "zone": office.zone_abbreviation,
        "now": now.isoformat(),
        "counters": counters,
        "calls": last,
        "waiting": [
            {"category": c, "letter": TICKET_LETTER[Category(c)], "count": n} for c, n in waiting.items()
        ],
    }


@dataclass
class StageStats:
    """Raw-derived ISO figures for one stage (seconds)."""

    arrivals: int = 0
    served: int = 0
    waits: list[float] = field(default_factory=list)
    services: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "arrivals": self.arrivals,
            "served": self.served,
            "wait_mean_s": _round(mean(self.waits)),
            "wait_p90_s": _round(percentile(self.waits, 90)),
            "service_mean_s": _round(mean(self.services)),
            "service_p90_s": _round(percentile(self.services, 90)),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


async def _service_means(conn: Any, office_code: str, first: datetime, last: datetime) -> dict[str, float]:
    visits = await floor_repo.visits_between(conn, office_code, first, last)
    durations: dict[str, list[float]] = defaultdict(list)
    for v in visits:
        if v.called_at and v.finished_at and v.outcome not in ("transferred", "no_show"):
            durations[v.stage].append((v.finished_at - v.called_at).total_seconds())
    return {stage: sum(d) / len(d) for stage, d in durations.items() if d}


async def queue(db: Database, office_code: str, kind: str, now: datetime) -> list[dict[str, Any]]:
    """Waiting tickets for a station kind, in calling order, each with its expected wait."""
    async with db.read() as conn:
        office = await offices_repo.load_office(conn, office_code)
        today = office.local_today(now)
        stages = [s.value for s in stages_of_kind(kind)]
        rows = await floor_repo.waiting(conn, office_code, today, stages)
        stations = await floor_repo.office_stations(conn, office_code)
        first, last = _day_bounds(office, today)
        means = await _service_means(conn, office_code, first, last)
    open_count = sum(1 for s in stations if s.kind == kind and s.state == StationState.OPEN.value)
    served = "intake" if kind == "intake" else stages[0] if stages else kind
    found = []
    for position, r in enumerate(rows):
        wait = estimate_wait_s(position, open_count, means.get(served))
        found.append(
            {
                "ticket": r.ticket,
                "category": r.category,
                "stage": r.stage,
                "full_name": r.full_name,
                "late": r.late,
                "target_station": r.target_station,
                "waiting_s": round((now - (r.queued_at or r.checked_in_at)).total_seconds()),
                "expected_wait_s": None if wait is None else round(wait),
            }
        )
    return found


def _day_bounds(office: Any, day: date) -> tuple[datetime, datetime]:
    start = office.local_moment(day, datetime.min.time())
    return start, start + timedelta(days=1)


async def stations(db: Database, office_code: str, now: datetime) -> list[dict[str, Any]]:
    """Every station with its state, reason, since when, officer and called ticket."""
    async with db.read() as conn:
        await offices_repo.load_office(conn, office_code)
        rows = await floor_repo.office_stations(conn, office_code)
    return [
        {
            "station": r.code,
            "name": r.name,
            "number": r.number,
            "kind": r.kind,
            "state": r.state or StationState.CLOSED.value,
            "reason": r.reason or "",
            "since": r.since.isoformat() if r.since else None,
            "officer": r.officer,
            "ticket": r.ticket,
        }
        for r in rows
    ]


async def stats(
    db: Database, office_code: str, day: date | None, now: datetime, country: str = "ID"
) -> dict[str, Any]:
    """ISO figures of one day: per stage and per hour, queues now, stations by state, SLA lists."""
    async with db.read() as conn:
        office = await offices_repo.load_office(conn, office_code)
        day = day or office.local_today(now)
        first, last = _day_bounds(office, day)
        visits = await floor_repo.visits_between(conn, office_code, first, last)
        station_rows = await floor_repo.office_stations(conn, office_code)
        today = office.local_today(now)
        waiting_now: dict[str, int] = defaultdict(int)
        for kind in {s.kind for s in station_rows} | set(STATION_KIND.values()):
            stages = [s.value for s in stages_of_kind(kind)]
            for r in await floor_repo.waiting(conn, office_code, today, stages):
                waiting_now["intake" if r.stage == Stage.CHECKED_IN.value else r.stage] += 1
        calendar = await offices_repo.load_calendar(conn, office_code, country=country)
        clock_rows = await floor_repo.with_due_dates(conn, office_code)
    per_stage: dict[str, StageStats] = defaultdict(StageStats)
    per_hour: dict[tuple[str, int], StageStats] = defaultdict(StageStats)
    for v in visits:
        hour = v.queued_at.astimezone(office.zone).hour
        for bucket in (per_stage[v.stage], per_hour[(v.stage, hour)]):
            bucket.arrivals += 1
            if v.called_at is not None:
                bucket.waits.append((v.called_at - v.queued_at).total_seconds())
            if v.finished_at is not None and v.called_at is not None and v.outcome not in ("transferred",):
                bucket.served += 1
                bucket.services.append((v.finished_at - v.called_at).total_seconds())
    by_state: dict[str, int] = defaultdict(int)
    for s in station_rows:
        by_state[s.state or StationState.CLOSED.value] += 1
    at_risk, breached = sla_lists(calendar, clock_rows, today)
    return {
        "office": office.code,
        "date": day.isoformat(),
        "stages": [
            {"stage": stage, **per_stage[stage].summary(), "waiting_now": waiting_now.get(stage, 0)}
            for stage in SERVED_STAGES
        ],
        "hours": [
            {"stage": stage, "hour": hour, **bucket.summary()}
            for (stage, hour), bucket in sorted(per_hour.items())
        ],
        "stations": {state.value: by_state.get(state.value, 0) for state in StationState},
        "down": [
            {"station": s.code, "name": s.name, "reason": s.reason, "since": s.since.isoformat()}
            for s in station_rows
            if s.state == StationState.DOWN.value
        ],
        "sla": {"at_risk": at_risk, "breached": breached},
    }


def sla_lists(
    calendar: Any, rows: list[Any], today: date
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Applications at risk (due within a working day, not printed) and breached (past due, not ready)."""
    at_risk, breached = [], []
    for r in rows:
        state = sla_state(calendar, r.stage, r.due_date, today)
        item = {
            "ticket": r.ticket,
            "day": r.day.isoformat(),
            "stage": r.stage,
            "due_date": r.due_date.isoformat(),
        }
        if state is SlaState.AT_RISK:
            at_risk.append(item)
        elif state is SlaState.BREACHED:
            breached.append(item)
    return at_risk, breached


async def ticket_history(db: Database, office_code: str, day: date, label: str) -> dict[str, Any]:
    """One application: its stage, service clock and every transition (who, where, when)."""
    async with db.read() as conn:
        row = await floor_repo.ticket(conn, office_code, day, label)
        if row is None:
            raise NotFound("ticket_not_found", "Unknown ticket %(ticket)s", field="ticket", ticket=label)
        moves = await floor_repo.transitions(conn, office_code, day, label)
    return {
        "ticket": row.ticket,
        "booking_code": row.booking_code,
        "day": row.day.isoformat(),
        "category": row.category,
        "stage": row.stage,
        "queue_state": row.queue_state,
        "due_date": row.due_date.isoformat() if row.due_date else None,
        "missing_documents": list(row.missing_documents or []),
        "recalls": row.recalls,
        "called_at": row.called_at.isoformat() if row.called_at else None,
        "transitions": [
            {
                "from": m.from_stage,
                "to": m.to_stage,
                "actor": m.actor,
                "station": m.station_code,
                "at": m.at.isoformat(),
                "reason": m.reason,
            }
            for m in moves
        ],
    }
