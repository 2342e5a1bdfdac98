"""Station time over a period, from the floor's raw records: downtime stretches and overtime. Pure."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time

from loket.domain.office import Station
from loket.domain.report_facts import ReportInput, StationEvent


@dataclass(frozen=True)
class OvertimeDay:
    day: date
    closes: time | None  # None: no regular hours that weekday (an extra service day)
    last_finish: time
    stations: int
    hours: float  # station-hours worked after closing


@dataclass(frozen=True)
class Downtime:
    station_code: str
    station_name: str
    kind: str
    start: datetime
    end: datetime
    ongoing: bool
    reason: str

    @property
    def hours(self) -> float:
        """The stretch's length in hours."""
        return (self.end - self.start).total_seconds() / 3600


def downtimes(inp: ReportInput, start: datetime, end: datetime) -> list[Downtime]:
    """Each stretch a station spent `down` that overlaps [start, end), clipped to it."""
    names = {s.code: s for s in inp.office.stations}
    found: list[Downtime] = []
    by_station: dict[str, list[StationEvent]] = defaultdict(list)
    for e in inp.station_events:
        by_station[e.station_code].append(e)
    horizon = min(end, inp.now)
    for code, events in sorted(by_station.items()):
        events.sort(key=lambda e: e.at)
        down_since: StationEvent | None = None
        for e in events:
            if e.to_state == "down" and down_since is None:
                down_since = e
            elif e.to_state != "down" and down_since is not None:
                found += _clipped(names, code, down_since, e.at, start, end, ongoing=False)
                down_since = None
        if down_since is not None:
            found += _clipped(names, code, down_since, horizon, start, end, ongoing=True)
    return sorted(found, key=lambda d: (d.start, d.station_code))


def _clipped(
    names: dict[str, Station],
    code: str,
    since: StationEvent,
    until: datetime,
    start: datetime,
    end: datetime,
    *,
    ongoing: bool,
) -> list[Downtime]:
    lo, hi = max(since.at, start), min(until, end)
    if hi <= lo:
        return []
    station = names.get(code)
    return [
        Downtime(
            code,
            station.name if station else code,
            station.kind if station else "",
            lo,
            hi,
            ongoing and until >= hi,
            since.reason,
        )
    ]


def overtime(inp: ReportInput, start: datetime, end: datetime) -> list[OvertimeDay]:
    """Per day, the station-hours worked after the office's closing hour."""
    zone = inp.office.zone
    last_finish: dict[tuple[date, str], datetime] = {}
    first_call: dict[tuple[date, str], datetime] = {}
    for v in inp.visits:
        if v.finished_at is None or v.station_code is None or not start <= v.finished_at < end:
            continue
        key = (v.finished_at.astimezone(zone).date(), v.station_code)
        last_finish[key] = max(last_finish.get(key, v.finished_at), v.finished_at)
        began = v.called_at or v.finished_at
        first_call[key] = min(first_call.get(key, began), began)
    per_day: dict[date, list[tuple[str, float, datetime]]] = defaultdict(list)
    for (day, station), finished in last_finish.items():
        hours = inp.office.hours.get(day.isoweekday())
        if hours is not None:
            closes = inp.office.local_moment(day, hours[1])
            worked = (finished - closes).total_seconds()
        else:
            # No regular hours that day (a weekend session): every hour worked is overtime.
            worked = (finished - first_call[(day, station)]).total_seconds()
        if worked > 0:
            per_day[day].append((station, worked / 3600, finished))
    days = []
    for day, items in sorted(per_day.items()):
        hours = inp.office.hours.get(day.isoweekday())
        latest = max(f for _, _, f in items).astimezone(zone).time().replace(microsecond=0)
        days.append(
            OvertimeDay(day, hours[1] if hours else None, latest, len(items), sum(h for _, h, _ in items))
        )
    return days
