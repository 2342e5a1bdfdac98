"""The raw rows the service report is computed from: plain values, read by the store, pure here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from loket.domain.calendar import WorkingCalendar
from loket.domain.office import Office
from loket.domain.service_targets import StageTarget


@dataclass(frozen=True)
class BookingFact:
    booking_code: str
    day: date
    service: str
    product: str
    category: str
    status: str


@dataclass(frozen=True)
class TicketFact:
    day: date
    ticket: str
    booking_code: str | None
    category: str
    product: str
    stage: str
    queue_state: str
    missing_documents: tuple[str, ...]
    due_date: date | None
    clock_started_at: datetime | None  # biometrics done: the service clock runs from that day


@dataclass(frozen=True)
class VisitFact:
    day: date
    ticket: str
    stage: str
    queued_at: datetime
    called_at: datetime | None
    finished_at: datetime | None
    station_code: str | None
    outcome: str | None


@dataclass(frozen=True)
class MoveFact:
    """A stage transition (only the ones the report needs: to `incomplete` and to `ready`)."""

    day: date
    ticket: str
    to_stage: str
    at: datetime


@dataclass(frozen=True)
class StationEvent:
    """A station's state change: `to_state` from `at` on (the audit log's floor.station rows)."""

    station_code: str
    at: datetime
    to_state: str
    reason: str


@dataclass(frozen=True)
class ReportInput:
    office: Office
    calendar: WorkingCalendar
    first: date
    last: date
    now: datetime
    targets: dict[str, StageTarget]
    bookings: Sequence[BookingFact] = ()
    tickets: Sequence[TicketFact] = ()
    visits: Sequence[VisitFact] = ()
    moves: Sequence[MoveFact] = ()
    station_events: Sequence[StationEvent] = ()
