"""The office file (docs/offices.md): its meaning once its shape has passed the JSON Schema.

`read_offices` turns the parsed file into `OfficeFile`s and collects every mistake it finds, each
with its path in the file (`stations[2].code`), so that a directorate fixes a file in one go;
`to_document` is the inverse, the file `loket office export` prints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from itertools import pairwise
from typing import Any

from loket.domain.calendar import Closure
from loket.domain.office import Session, Station

CATEGORY_ORDER = ("regular", "priority", "express")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index + 1 is the ISO weekday


@dataclass(frozen=True)
class FileProblem:
    """One mistake: where in the file, a stable code, an English msgid and its parameters."""

    path: str
    code: str
    message: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        return f"{self.path}: {self.message % dict(self.params) if self.params else self.message}"


@dataclass(frozen=True)
class OfficeFile:
    """One office as its file describes it, in the domain's terms."""

    code: str
    name: str
    timezone: str
    address: str
    hours: dict[int, tuple[time, time]]
    sessions: tuple[Session, ...]
    stations: tuple[Station, ...]
    quota: dict[tuple[int, str], int]
    closures: tuple[Closure, ...]
    extra_days: dict[date, str]


def path_text(parts: Sequence[str | int]) -> str:
    """`['stations', 2, 'stage']` as `stations[2].stage` (the root is `$`)."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "$"


def _span(raw: str) -> tuple[time, time]:
    opens, closes = raw.split("-", 1)
    return time.fromisoformat(opens), time.fromisoformat(closes)


def span_text(opens: time, closes: time) -> str:
    return f"{opens:%H:%M}-{closes:%H:%M}"


def _day(raw: str, where: str, problems: list[FileProblem]) -> date | None:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        problems.append(FileProblem(where, "date_invalid", 'no such date "%(value)s"', {"value": raw}))
        return None


def read_office(data: Mapping[str, Any], prefix: str = "") -> tuple[OfficeFile | None, list[FileProblem]]:
    """One office of a file whose shape the schema accepted; None and the problems if it has any."""
    problems: list[FileProblem] = []

    def at(rest: str) -> str:
        return f"{prefix}{rest}" if prefix else rest

    hours: dict[int, tuple[time, time]] = {}
    for name, raw in (data.get("hours") or {}).items():
        opens, closes = _span(raw)
        if opens >= closes:
            problems.append(
                FileProblem(
                    at(f"hours.{name}"), "hours_invalid", "closes before it opens (%(value)s)", {"value": raw}
                )
            )
        hours[WEEKDAYS.index(name) + 1] = (opens, closes)

    sessions: list[tuple[int, Session]] = []
    for i, raw in enumerate(data.get("sessions") or []):
        starts, ends = _span(raw)
        if starts >= ends:
            problems.append(
                FileProblem(
                    at(f"sessions[{i}]"), "session_order", "ends before it starts (%(value)s)", {"value": raw}
                )
            )
        else:
            sessions.append((i, Session(starts, ends)))
    ordered = sorted(sessions, key=lambda p: p[1].starts)
    for (_, before), (j, after) in pairwise(ordered):
        if after.starts < before.ends:
            problems.append(
                FileProblem(
                    at(f"sessions[{j}]"),
                    "sessions_overlap",
                    "overlaps session %(other)s",
                    {"other": span_text(before.starts, before.ends)},
                )
            )

    stations: list[Station] = []
    codes: set[str] = set()
    numbers: set[int] = set()
    for i, raw in enumerate(data.get("stations") or []):
        number = int(raw.get("number", i + 1))
        if raw["code"] in codes:
            problems.append(
                FileProblem(
                    at(f"stations[{i}].code"),
                    "station_exists",
                    'station "%(code)s" appears twice',
                    {"code": raw["code"]},
                )
            )
        if number in numbers:
            problems.append(
                FileProblem(
                    at(f"stations[{i}].number"),
                    "station_number_taken",
                    "number %(number)d is used twice",
                    {"number": number},
                )
            )
        codes.add(raw["code"])
        numbers.add(number)
        stations.append(Station(raw["code"], raw["stage"], raw["name"].strip(), number))

    quota: dict[tuple[int, str], int] = {}
    for category, days in (data.get("quota") or {}).items():
        for name, capacity in days.items():
            quota[(WEEKDAYS.index(name) + 1, category)] = int(capacity)

    closures: list[Closure] = []
    for i, raw in enumerate(data.get("closures") or []):
        first = _day(raw["from"], at(f"closures[{i}].from"), problems)
        last = _day(raw["to"], at(f"closures[{i}].to"), problems)
        if first is None or last is None:
            continue
        if last < first:
            problems.append(
                FileProblem(
                    at(f"closures[{i}].to"),
                    "closure_order",
                    "ends before its first day %(day)s",
                    {"day": raw["from"]},
                )
            )
            continue
        clash = next((c for c in closures if c.start <= last and first <= c.end), None)
        if clash is not None:
            problems.append(
                FileProblem(
                    at(f"closures[{i}]"),
                    "closure_overlap",
                    "overlaps the closure from %(day)s",
                    {"day": clash.start.isoformat()},
                )
            )
            continue
        closures.append(Closure(first, last, raw["reason"].strip()))

    extra: dict[date, str] = {}
    for i, raw in enumerate(data.get("extra_days") or []):
        day = _day(raw["date"], at(f"extra_days[{i}].date"), problems)
        if day is None:
            continue
        if day in extra:
            problems.append(
                FileProblem(
                    at(f"extra_days[{i}].date"),
                    "extra_day_exists",
                    "%(day)s appears twice",
                    {"day": raw["date"]},
                )
            )
        extra[day] = raw["reason"].strip()

    if problems:
        return None, problems
    return (
        OfficeFile(
            code=data["code"],
            name=data["name"].strip(),
            timezone=data["time_zone"],
            address=(data.get("address") or "").strip(),
            hours=hours,
            sessions=tuple(s for _, s in ordered),
            stations=tuple(sorted(stations, key=lambda s: s.number)),
            quota=quota,
            closures=tuple(sorted(closures, key=lambda c: c.start)),
            extra_days=dict(sorted(extra.items())),
        ),
        [],
    )


def read_offices(document: Any) -> tuple[list[OfficeFile], list[FileProblem]]:
    """Every office of a file (one office or a list); no offices at all when any has a problem."""
    items = document if isinstance(document, list) else [document]
    found: list[OfficeFile] = []
    problems: list[FileProblem] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        prefix = f"[{i}]." if isinstance(document, list) else ""
        office, wrong = read_office(item, prefix)
        problems.extend(wrong)
        code = item.get("code")
        if code in seen:
            problems.append(
                FileProblem(f"[{i}].code", "office_twice", 'office "%(code)s" appears twice', {"code": code})
            )
        seen[code] = i
        if office is not None:
            found.append(office)
    return ([] if problems else found), problems


def to_document(office: OfficeFile) -> dict[str, Any]:
    """The file of one office, in the order docs/offices.md shows it; re-imports to the same office."""
    doc: dict[str, Any] = {
        "code": office.code,
        "name": office.name,
        "time_zone": office.timezone,
        "address": office.address,
        "hours": {WEEKDAYS[wd - 1]: span_text(*span) for wd, span in sorted(office.hours.items())},
        "sessions": [span_text(s.starts, s.ends) for s in office.sessions],
        "stations": [
            {"code": s.code, "name": s.name, "stage": s.kind, "number": s.number} for s in office.stations
        ],
    }
    quota: dict[str, dict[str, int]] = {}
    order = {c: i for i, c in enumerate(CATEGORY_ORDER)}
    for (weekday, category), capacity in sorted(
        office.quota.items(), key=lambda kv: (order.get(kv[0][1], 9), kv[0][0])
    ):
        quota.setdefault(category, {})[WEEKDAYS[weekday - 1]] = capacity
    doc["quota"] = quota
    doc["closures"] = [
        {"from": c.start.isoformat(), "to": c.end.isoformat(), "reason": c.reason} for c in office.closures
    ]
    doc["extra_days"] = [{"date": d.isoformat(), "reason": r} for d, r in sorted(office.extra_days.items())]
    return doc
