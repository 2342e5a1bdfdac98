"""Office administration by supervisors: sessions and opening hours, stations. Quotas and the
calendar have their own services (services/quotas.py, services/offices.py). Each change is
validated first and applied in one transaction, or not at all; given the catalog, the office's
cached entry is forgotten once the change has committed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from loket.domain.errors import Conflict, NotFound, invalid
from loket.domain.office import STATION_KINDS, Office, Session, Station, check_sessions
from loket.services.audit import record
from loket.services.catalog import Catalog
from loket.services.offices import forget_on_commit
from loket.store import floor_repo, offices_repo, quota_repo
from loket.store.database import Database


@dataclass(frozen=True)
class OfficeSettings:
    """What the administration page shows: the office as stored now and its weekly quota template."""

    office: Office
    template: dict[tuple[int, str], int]


def parse_clock(raw: str, field: str) -> time:
    """`08:00` as a time; a clear error otherwise."""
    try:
        return time.fromisoformat(raw.strip())
    except (ValueError, AttributeError) as exc:
        raise invalid(field, "time_format", "Give a time as HH:MM") from exc


async def office_settings(db: Database, office_code: str) -> OfficeSettings:
    """The office and its quota template, read now (not cached: the page shows what was just saved)."""
    async with db.read() as conn:
        office = await offices_repo.load_office(conn, office_code)
        template = await quota_repo.template_for(conn, office_code)
    return OfficeSettings(office, template)


async def set_sessions(
    db: Database,
    office_code: str,
    sessions: list[Session],
    *,
    actor: str,
    now: datetime,
    catalog: Catalog | None = None,
) -> list[Session]:
    """Replace the office's sessions: no overlaps, and no removed session that still holds bookings."""
    ordered = check_sessions(sessions)
    if not ordered:
        raise invalid("sessions", "sessions_missing", "An office needs at least one session")
    async with db.write() as conn:
        office = await offices_repo.load_office(conn, office_code)
        today = office.local_today(now)
        removed = [s.starts for s in office.sessions if s.starts not in {n.starts for n in ordered}]
        if removed:
            held = await quota_repo.bookings_in_sessions(conn, office_code, today, removed)
            if held:
                raise Conflict(
                    "session_has_bookings",
                    "%(count)d bookings still hold places in a session you removed",
                    field="sessions",
                    count=held,
                )
            # Free places of a removed session go with it (booked ones were refused above).
            await quota_repo.remove_session_places(conn, office_code, today, removed)
        await offices_repo.replace_sessions(conn, office_code, ordered)
        await record(
            conn,
            office_code=office_code,
            actor=actor,
            action="office.sessions",
            detail={"sessions": [[s.name, s.ends.strftime("%H:%M")] for s in ordered]},
            now=now,
        )
        forget_on_commit(conn, catalog, office_code)
    return ordered


async def set_hours(
    db: Database,
    office_code: str,
    hours: dict[int, tuple[time, time] | None],
    *,
    actor: str,
    now: datetime,
    catalog: Catalog | None = None,
) -> None:
    """Set opening hours per ISO weekday (None: closed that weekday)."""
    for weekday, span in hours.items():
        if not 1 <= weekday <= 7:
            raise invalid("hours", "weekday_range", "The weekday is 1 (Monday) to 7 (Sunday)")
        if span is not None and span[0] >= span[1]:
            raise invalid("hours", "hours_invalid", "Opening hours must close after they open")
    async with db.write() as conn:
        await offices_repo.load_office(conn, office_code)
        for weekday, span in sorted(hours.items()):
            await offices_repo.set_weekday_hours(conn, office_code, weekday, span)
        await record(
            conn,
            office_code=office_code,
            actor=actor,
            action="office.hours",
            detail={
                str(wd): [s[0].strftime("%H:%M"), s[1].strftime("%H:%M")] if s else None
                for wd, s in hours.items()
            },
            now=now,
        )
        forget_on_commit(conn, catalog, office_code)


async def add_station(
    db: Database,
    office_code: str,
    code: str,
    kind: str,
    name: str,
    number: int,
    *,
    actor: str,
    now: datetime,
    catalog: Catalog | None = None,
) -> None:
    """Add a counter or station of a kind (intake, biometrics, approval, printing, collection)."""
    code = code.strip().upper()
    if not code.isalnum() or not 1 <= len(code) <= 16:
        raise invalid("code", "station_code", "A station code is 1 to 16 letters or digits")
    if kind not in STATION_KINDS:
        raise invalid("kind", "station_kind", "Choose one of: %(choices)s", choices=", ".join(STATION_KINDS))
    if not name.strip():
        raise invalid("name", "name_missing", "A name is required")
    if not 1 <= number <= 999:
        raise invalid("number", "station_number", "A station number is 1 to 999")
    async with db.write() as conn:
        office = await offices_repo.load_office(conn, office_code)
        if any(s.code == code for s in office.stations):
            raise Conflict("station_exists", "Station %(code)s already exists", field="code", code=code)
        if any(s.number == number for s in office.stations):
            raise Conflict(
                "station_number_taken", "Number %(number)d is already used", field="number", number=number
            )
        await offices_repo.insert_stations(conn, office_code, [Station(code, kind, name.strip(), number)])
        await floor_repo.ensure_station_states(conn, office_code, now)
        await record(
            conn,
            office_code=office_code,
            actor=actor,
            action="station.add",
            subject=code,
            detail={"kind": kind, "name": name, "number": number},
            now=now,
        )
        forget_on_commit(conn, catalog, office_code)


async def remove_station(
    db: Database, office_code: str, code: str, *, actor: str, now: datetime, catalog: Catalog | None = None
) -> None:
    """Remove a station that is closed and serving nobody."""
    async with db.write() as conn:
        st = await floor_repo.station(conn, office_code, code, lock=True)
        if st is None:
            raise NotFound("station_not_found", "Unknown station %(code)s", field="station", code=code)
        if st.state not in (None, "closed") or st.ticket is not None:
            raise Conflict("station_in_use", "Close the station before removing it", field="station")
        await floor_repo.release_targets(conn, office_code, code)
        await floor_repo.delete_station_state(conn, office_code, code)
        await offices_repo.delete_station(conn, office_code, code)
        await record(
            conn, office_code=office_code, actor=actor, action="station.remove", subject=code, now=now
        )
        forget_on_commit(conn, catalog, office_code)
