"""An office as the domain sees it: its zone, hours, sessions and stations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from loket.domain.errors import invalid

# Indonesian time zones are named by their abbreviation in everyday use.
INDONESIAN_ZONES = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}
STATION_KINDS = ("intake", "biometrics", "approval", "printing", "collection")


@dataclass(frozen=True)
class Session:
    """A service session, named by its local start time (e.g. `08:00`)."""

    starts: time
    ends: time

    @property
    def name(self) -> str:
        return self.starts.strftime("%H:%M")


@dataclass(frozen=True)
class Station:
    code: str
    kind: str
    name: str
    number: int


@dataclass(frozen=True)
class Office:
    code: str
    name: str
    timezone: str
    address: str = ""
    hours: dict[int, tuple[time, time]] = field(default_factory=dict)
    sessions: tuple[Session, ...] = ()
    stations: tuple[Station, ...] = ()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def zone_abbreviation(self) -> str:
        return INDONESIAN_ZONES.get(self.timezone, self.timezone)

    def local_today(self, now: datetime) -> date:
        """The office's date at the UTC moment `now`."""
        return now.astimezone(self.zone).date()

    def local_moment(self, day: date, at: time) -> datetime:
        """A local wall-clock time on `day`, as an aware datetime in the office's zone."""
        return datetime.combine(day, at, tzinfo=self.zone)

    def session_named(self, name: str) -> Session | None:
        for session in self.sessions:
            if session.name == name:
                return session
        return None


def check_timezone(name: str) -> str:
    """An IANA zone name that exists; Indonesian offices use WIB, WITA or WIT zones."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise invalid(
            "timezone", "timezone_unknown", "Unknown time zone %(zone)s", zone=name
        ) from exc
    return name


def check_sessions(sessions: list[Session]) -> list[Session]:
    """Sessions must each end after they start and must not overlap."""
    ordered = sorted(sessions, key=lambda s: s.starts)
    for session in ordered:
        if session.ends <= session.starts:
            raise invalid("sessions", "session_order", "A session must end after it starts")
    for before, after in pairwise(ordered):
        if after.starts < before.ends:
            raise invalid(
                "sessions",
                "sessions_overlap",
                "Sessions %(a)s and %(b)s overlap",
                a=before.name,
                b=after.name,
            )
    return ordered
