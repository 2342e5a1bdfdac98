"""Offices as files (docs/offices.md): import creates or updates offices, export prints the file
that re-imports to the same state.

An import is checked whole before anything is written: the JSON Schema (`data/office.schema.json`)
for the shape, then the domain (`domain/office_file.py`) for the meaning; every mistake comes back
at once with its path in the file. Then one transaction writes every office of the file, or none:
an office whose file matches what is stored is left alone (so importing a file twice changes
nothing the second time), and a change that would drop a booked place (a removed session, a
removed extra day) is refused with the bookings concerned. Each office changed gets its audit row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from loket.domain.errors import Conflict, InvalidInput
from loket.domain.office_file import FileProblem, OfficeFile, path_text, read_offices, to_document
from loket.i18n import N_
from loket.services.audit import record
from loket.services.catalog import Catalog
from loket.store import floor_repo, national_repo, offices_repo, quota_repo
from loket.store.database import Connection, Database, on_commit

MAX_FILE_BYTES = 2_000_000
# libyaml's safe loader when PyYAML has it (ten times faster on a directorate's file), else Python's.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Messages for the schema's patterns, keyed by the pattern (the schema file is the one truth).
_PATTERN_MESSAGES = {
    "^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$": (
        N_('not a time span HH:MM-HH:MM: "%(value)s"')
    ),
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": N_('not a date YYYY-MM-DD: "%(value)s"'),
    "^[A-Z0-9]{2,8}$": N_('an office code is 2 to 8 capital letters or digits: "%(value)s"'),
    "^[A-Z0-9]{1,16}$": N_('a station code is 1 to 16 capital letters or digits: "%(value)s"'),
}
_TYPE_MESSAGES = {
    "string": N_("must be text"),
    "integer": N_("must be a whole number"),
    "object": N_("must be a mapping of names to values"),
    "array": N_("must be a list"),
}


class OfficeFileInvalid(InvalidInput):
    """The file has mistakes; `problems` lists every one, with its path (nothing was written)."""

    def __init__(self, problems: list[FileProblem]) -> None:
        super().__init__(
            "office_file_invalid",
            N_("The office file has %(count)d mistakes; nothing was imported"),
            field="file",
            extra={
                "errors": [
                    {"path": p.path, "code": p.code, "message": p.text().split(": ", 1)[1]} for p in problems
                ]
            },
            count=len(problems),
        )
        self.problems = problems


@dataclass
class ImportOutcome:
    """What an import did, per office code."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def office_schema() -> dict[str, Any]:
    """The JSON Schema of the office file, as shipped in the package."""
    text = resources.files("loket").joinpath("data/office.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@lru_cache(maxsize=1)
def _office_validator() -> Draft202012Validator:
    # One office at a time, so that a list's errors name their item rather than the root's anyOf.
    schema = office_schema()
    return Draft202012Validator({"$ref": "#/$defs/office", "$defs": schema["$defs"]})


def _plain(value: Any) -> Any:
    """YAML reads an unquoted 2026-12-31 as a date: make it the text the schema expects."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def parse_text(text: str) -> Any:
    """The file's content (YAML, which JSON is a subset of); a clear error when it is neither."""
    if len(text.encode()) > MAX_FILE_BYTES:
        raise OfficeFileInvalid([FileProblem("$", "file_too_large", "the file is larger than 2 MB")])
    try:
        # JSON first: YAML reads most JSON, but not a character escaped as a surrogate pair
        # ("\ud83d\ude00"), which JSON encoders write for anything beyond the first plane.
        return _plain(json.loads(text))
    except ValueError:
        pass
    try:
        return _plain(yaml.load(text, Loader=_LOADER))  # noqa: S506 - a safe loader, C or Python
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "$"
        raise OfficeFileInvalid(
            [
                FileProblem(
                    where,
                    "file_unreadable",
                    "not YAML or JSON: %(why)s",
                    {"why": str(getattr(exc, "problem", exc))},
                )
            ]
        ) from exc


def _schema_problem(error: ValidationError, prefix: list[str | int]) -> list[FileProblem]:
    parts = [*prefix, *error.absolute_path]
    kind = error.validator
    value = error.instance
    if kind == "required":
        missing = [k for k in error.validator_value if k not in value]
        return [FileProblem(path_text([*parts, k]), "required", "is required") for k in missing]
    if kind == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        return [
            FileProblem(path_text([*parts, k]), "unknown_field", "unknown field")
            for k in value
            if k not in allowed
        ]
    if kind == "enum":
        if error.schema is not None and "mon" in error.validator_value and isinstance(value, str):
            # A propertyNames check: the instance is the key, the path its mapping.
            return [
                FileProblem(
                    path_text(parts), "weekday_invalid", 'unknown weekday "%(value)s"', {"value": value}
                )
            ]
        if "regular" in error.validator_value:
            return [
                FileProblem(
                    path_text(parts), "category_invalid", 'unknown category "%(value)s"', {"value": value}
                )
            ]
        what = next((p for p in reversed(parts) if isinstance(p, str)), "value")
        return [
            FileProblem(
                path_text(parts),
                f"{what}_invalid",
                'unknown %(what)s "%(value)s" (choose one of: %(choices)s)',
                {"what": what.replace("_", " "), "value": value, "choices": ", ".join(error.validator_value)},
            )
        ]
    if kind == "pattern":
        message = _PATTERN_MESSAGES.get(error.validator_value, N_('not in the expected form: "%(value)s"'))
        return [FileProblem(path_text(parts), "format", message, {"value": value})]
    if kind == "type":
        message = _TYPE_MESSAGES.get(str(error.validator_value), N_("has the wrong type"))
        return [FileProblem(path_text(parts), "type", message)]
    if kind == "minimum":
        return [FileProblem(path_text(parts), kind, "must be at least %(n)d", {"n": error.validator_value})]
    if kind == "maximum":
        return [
            FileProblem(
                path_text(parts),
                kind,
                "must be at most %(n)d",
                {"n": error.validator_value},
            )
        ]
    if kind in ("minLength", "minItems"):
        return [FileProblem(path_text(parts), "empty", "must not be empty")]
    if kind in ("maxLength",):
        return [
            FileProblem(
                path_text(parts), "too_long", "is longer than %(n)d characters", {"n": error.validator_value}
            )
        ]
    return [FileProblem(path_text(parts), kind, "%(why)s", {"why": error.message})]


def check_document(document: Any) -> list[OfficeFile]:
    """The offices of a parsed file; OfficeFileInvalid with every mistake when it has any."""
    if isinstance(document, list):
        if not document:
            raise OfficeFileInvalid([FileProblem("$", "empty", "the file lists no office")])
        items: list[tuple[list[str | int], Any]] = [([i], item) for i, item in enumerate(document)]
    else:
        items = [([], document)]
    problems: list[FileProblem] = []
    for prefix, item in items:
        errors = sorted(_office_validator().iter_errors(item), key=lambda e: list(map(str, e.absolute_path)))
        for error in errors:
            for problem in _schema_problem(error, prefix):
                # jsonschema reports `required` once per missing field, each naming them all.
                if all((p.path, p.code) != (problem.path, problem.code) for p in problems):
                    problems.append(problem)
    if problems:
        raise OfficeFileInvalid(problems)
    offices, problems = read_offices(document)
    if problems:
        raise OfficeFileInvalid(problems)
    return offices


def check_text(text: str) -> list[OfficeFile]:
    """The offices of a file's text, checked whole."""
    return check_document(parse_text(text))


async def _stored(conn: Connection, code: str) -> OfficeFile | None:
    if not await offices_repo.office_exists(conn, code):
        return None
    office = await offices_repo.load_office(conn, code)
    return OfficeFile(
        code=office.code,
        name=office.name,
        timezone=office.timezone,
        address=office.address,
        hours=dict(office.hours),
        sessions=office.sessions,
        stations=office.stations,
        quota=await quota_repo.template_for(conn, code),
        closures=tuple(await offices_repo.closures_of(conn, code)),
        extra_days=await offices_repo.extra_days_of(conn, code),
    )


def _changes(old: OfficeFile | None, new: OfficeFile) -> list[str]:
    """The parts of the office the file changes (for the audit row and the operator)."""
    if old is None:
        return ["created"]
    return [
        name
        for name, a, b in (
            ("details", (old.name, old.timezone, old.address), (new.name, new.timezone, new.address)),
            ("hours", old.hours, new.hours),
            ("sessions", old.sessions, new.sessions),
            ("stations", old.stations, new.stations),
            ("quota", old.quota, new.quota),
            ("closures", old.closures, new.closures),
            ("extra_days", old.extra_days, new.extra_days),
        )
        if a != b
    ]


async def _apply(
    conn: Connection, old: OfficeFile | None, new: OfficeFile, today: date, now: datetime
) -> None:
    """Make the stored office `new`; refuse (Conflict) what would drop a booked place."""
    code = new.code
    if old is None:
        await offices_repo.insert_office(conn, code, new.name, new.timezone, new.address, now)
        old = OfficeFile(code, new.name, new.timezone, new.address, {}, (), (), {}, (), {})
    elif (old.name, old.timezone, old.address) != (new.name, new.timezone, new.address):
        if old.timezone != new.timezone:
            # A booked place is a local date and session: another zone would move it in time.
            held = await quota_repo.booking_codes_in_sessions(
                conn, code, today, [s.starts for s in old.sessions]
            )
            if held:
                raise Conflict(
                    "timezone_has_bookings",
                    "%(office)s: bookings would move in time with another time zone: %(bookings)s",
                    field="time_zone",
                    extra={"bookings": held},
                    office=code,
                    bookings=", ".join(held),
                )
        await offices_repo.update_office(conn, code, new.name, new.timezone, new.address)

    if old.hours != new.hours:
        for weekday in range(1, 8):
            await offices_repo.set_weekday_hours(conn, code, weekday, new.hours.get(weekday))

    if old.sessions != new.sessions:
        removed = [s.starts for s in old.sessions if s.starts not in {n.starts for n in new.sessions}]
        if removed:
            # Free places go first; counting after that also sees a booking that took one of them
            # while we looked (its row was locked, so the DELETE waited and left it).
            await quota_repo.remove_free_session_places(conn, code, today, removed)
            held = await quota_repo.booking_codes_in_sessions(conn, code, today, removed)
            if held:
                raise Conflict(
                    "session_has_bookings",
                    "%(office)s: bookings still hold places in a session the file removes: %(bookings)s",
                    field="sessions",
                    extra={"bookings": held},
                    office=code,
                    bookings=", ".join(held),
                )
        await offices_repo.replace_sessions(conn, code, list(new.sessions))

    if old.stations != new.stations:
        wanted = {s.code: s for s in new.stations}
        for station in old.stations:
            if station.code in wanted:
                continue
            live = await floor_repo.station(conn, code, station.code, lock=True)
            if live is not None and (live.state not in (None, "closed") or live.ticket is not None):
                raise Conflict(
                    "station_in_use",
                    "%(office)s: close station %(station)s before the file removes it",
                    field="stations",
                    office=code,
                    station=station.code,
                )
            await floor_repo.release_targets(conn, code, station.code)
            await floor_repo.delete_station_state(conn, code, station.code)
            await offices_repo.delete_station(conn, code, station.code)
        have = {s.code: s for s in old.stations}
        # Numbers are unique on the board: move the changed stations out of the way first.
        changed = [s for s in new.stations if s.code in have and have[s.code] != s]
        for i, station in enumerate(changed):
            await offices_repo.update_station(
                conn, code, type(station)(station.code, station.kind, station.name, 10_000 + i)
            )
        for station in changed:
            await offices_repo.update_station(conn, code, station)
        await offices_repo.insert_stations(conn, code, [s for s in new.stations if s.code not in have])
        await floor_repo.ensure_station_states(conn, code, now)

    if old.quota != new.quota:
        # The template shapes days not opened yet; opened days keep their places, booked or not.
        await quota_repo.replace_template(conn, code, new.quota)

    if old.closures != new.closures:
        for closure in old.closures:
            if closure not in new.closures:
                await offices_repo.delete_closure(conn, code, closure.start)
        for closure in new.closures:
            if closure not in old.closures:
                await offices_repo.insert_closure(conn, code, closure.start, closure.end, closure.reason)
                # No new bookings on closed days; booked places stay until the office moves them.
                await quota_repo.remove_free_places(conn, code, closure.start, closure.end)

    if old.extra_days != new.extra_days:
        dropped = [d for d in old.extra_days if d not in new.extra_days and d >= today]
        held = await quota_repo.booking_codes_on_days(conn, code, dropped) if dropped else []
        if held:
            raise Conflict(
                "extra_day_has_bookings",
                "%(office)s: bookings still hold places on an extra day the file removes: %(bookings)s",
                field="extra_days",
                extra={"bookings": held},
                office=code,
                bookings=", ".join(held),
            )
        for day in old.extra_days:
            if day not in new.extra_days:
                await offices_repo.delete_extra_day(conn, code, day)
        for day, reason in new.extra_days.items():
            if old.extra_days.get(day) != reason:
                await offices_repo.delete_extra_day(conn, code, day)
                await offices_repo.insert_extra_day(conn, code, day, reason)


async def import_offices(
    db: Database, text: str, *, actor: str, now: datetime, catalog: Catalog | None = None
) -> ImportOutcome:
    """Create or update every office of the file in one transaction (docs/offices.md)."""
    wanted = check_text(text)
    outcome = ImportOutcome()
    async with db.write() as conn:
        await national_repo.lock_national(conn)
        for new in wanted:
            old = await _stored(conn, new.code)
            changes = _changes(old, new)
            if not changes:
                outcome.unchanged.append(new.code)
                continue
            # Bookings that count are those from the office's today on (its own zone).
            today = now.astimezone(ZoneInfo(new.timezone)).date()
            await _apply(conn, old, new, today, now)
            await record(
                conn,
                office_code=new.code,
                actor=actor,
                action="office.import",
                subject=new.code,
                detail={"changed": changes},
                now=now,
            )
            (outcome.created if old is None else outcome.updated).append(new.code)
        if catalog is not None and (outcome.created or outcome.updated):
            on_commit(conn, lambda: catalog.forget())
    return outcome


async def export_office(db: Database, code: str) -> dict[str, Any]:
    """The file of one office, as `import_offices` reads it."""
    async with db.read() as conn:
        await offices_repo.load_office(conn, code)  # NotFound for an unknown code
        stored = await _stored(conn, code)
    assert stored is not None
    return to_document(stored)


def export_text(document: dict[str, Any] | list[dict[str, Any]], fmt: str = "yaml") -> str:
    """The file as text: YAML (the default, as docs/offices.md shows it) or JSON."""
    if fmt == "json":
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, default_flow_style=None, width=100)
