"""Request and response schemas of the floor and staff API (`XCreate` in, `XPublic` out)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from loket.web.api.schemas import StrictBody
from loket.web.dates import BirthDate


class StaffLogin(StrictBody):
    username: str = Field(min_length=1, max_length=40)
    password: str = Field(min_length=1, max_length=200)


class StaffPublic(BaseModel):
    username: str
    full_name: str
    roles: dict[str, str]
    national: bool = False
    csrf_token: str | None = None


class StaffCreate(StrictBody):
    username: str = Field(max_length=40)
    full_name: str = Field(max_length=120)
    password: str = Field(max_length=200)
    role: str = Field(description="officer, supervisor or admin")


class StaffRoleUpdate(StrictBody):
    role: str = Field(description="officer, supervisor or admin")


class StaffMemberPublic(BaseModel):
    username: str
    full_name: str
    role: str
    active: bool


class CheckInCreate(StrictBody):
    booking_code: str = Field(max_length=40)
    nik: str = Field(max_length=40)
    verified_in_person: bool = Field(
        default=False, description="The officer has checked the KTP in person (needed for flagged bookings)"
    )


class WalkInCreate(StrictBody):
    nik: str = Field(max_length=40)
    full_name: str = Field(max_length=200)
    birth_date: BirthDate
    sex: str
    priority_reason: str = Field(description="elderly, child_under_5, disabled or pregnant")
    product: str = Field(default="regular", description="regular or electronic")


class TicketPublic(BaseModel):
    office: str
    date: date
    ticket: str
    category: str
    full_name: str
    late: bool
    appointment_at: datetime | None
    checked_in_at: datetime
    replayed: bool


class StationStateUpdate(StrictBody):
    state: str = Field(description="open, paused, closed or down")
    reason: str = Field(default="", max_length=200, description="For down: what is wrong with the device")


class StationCreate(StrictBody):
    code: str = Field(max_length=16)
    kind: str = Field(description="intake, biometrics, approval, printing or collection")
    name: str = Field(max_length=100)
    number: int = Field(ge=1, le=999)


class CalledPublic(BaseModel):
    ticket: str | None
    category: str | None = None
    stage: str | None = None
    full_name: str | None = None
    station: str
    station_name: str | None = None
    recalls: int = 0
    called_at: datetime | None = None


class StageComplete(StrictBody):
    outcome: str = Field(description="done, incomplete, rejected or reprint")
    missing_documents: list[str] = Field(default_factory=list)
    paid: bool | None = Field(default=None, description="Intake: a walk-in paid at the counter")


class StageDonePublic(BaseModel):
    ticket: str
    from_stage: str
    to_stage: str
    due_date: date | None


class TransferCreate(StrictBody):
    to_station: str | None = Field(default=None, max_length=16)
    to_stage: str | None = Field(default=None, max_length=16)
    reason: str = Field(default="", max_length=200)


class HandOver(StrictBody):
    booking_code: str = Field(max_length=40)
    nik: str = Field(max_length=40)


class SessionsUpdate(StrictBody):
    sessions: list[tuple[str, str]] = Field(description='[["08:00", "09:00"], ...]: start and end')


class HoursUpdate(StrictBody):
    hours: dict[int, tuple[str, str] | None] = Field(description='{"1": ["08:00", "16:00"], "6": null}')


# --- What the floor reads (services/floor_views.py builds these as plain data) -------------------
# Moments stay the ISO text the services give (`2017-12-29T01:05:00+00:00`), so the JSON is theirs.


class StationPublic(BaseModel):
    station: str
    name: str
    number: int
    kind: str = Field(description="intake, biometrics, approval, printing or collection")
    state: str = Field(description="open, paused, closed or down")
    reason: str = Field(description="For down: what is wrong with the device")
    since: str | None = Field(description="When the station took its state (ISO 8601)")
    officer: str | None
    ticket: str | None = Field(description="The ticket called to the station, if any")


class StationStatePublic(BaseModel):
    station: str
    state: str


class StationCodePublic(BaseModel):
    station: str


class NoShowPublic(BaseModel):
    ticket: str
    queue_state: str = Field(description="Always no_show")


class TransferredPublic(BaseModel):
    ticket: str


class HandedOverPublic(BaseModel):
    ticket: str
    stage: str = Field(description="Always collected")


class QueueTicketPublic(BaseModel):
    ticket: str
    category: str
    stage: str
    full_name: str
    late: bool
    target_station: str | None = Field(description="Set when transferred to one station")
    waiting_s: int = Field(description="Seconds waited so far")
    expected_wait_s: int | None = Field(
        description="Seconds until called, from the live queue and the measured service times"
    )


class TransitionPublic(BaseModel):
    from_stage: str | None = Field(alias="from")
    to: str
    actor: str
    station: str | None
    at: str
    reason: str


class TicketHistoryPublic(BaseModel):
    ticket: str
    booking_code: str | None = Field(None, description="The booking of the ticket; none for a walk-in")
    day: str
    category: str
    stage: str
    queue_state: str
    due_date: str | None = Field(description="The service clock's due date, once it runs")
    missing_documents: list[str]
    recalls: int = Field(0, description="How many times the applicant was called again at the counter")
    called_at: str | None = Field(None, description="When last called (UTC, ISO 8601)")
    transitions: list[TransitionPublic]


class StageFigures(BaseModel):
    arrivals: int
    served: int
    wait_mean_s: float | None
    wait_p90_s: float | None
    service_mean_s: float | None
    service_p90_s: float | None


class StageStatsPublic(StageFigures):
    stage: str
    waiting_now: int


class HourStatsPublic(StageFigures):
    stage: str
    hour: int = Field(description="The office's local hour (0-23)")


class StationDownPublic(BaseModel):
    station: str
    name: str
    reason: str
    since: str


class SlaItemPublic(BaseModel):
    ticket: str
    day: str
    stage: str
    due_date: str


class SlaPublic(BaseModel):
    at_risk: list[SlaItemPublic]
    breached: list[SlaItemPublic]


class StatsPublic(BaseModel):
    office: str
    date: str
    stages: list[StageStatsPublic]
    hours: list[HourStatsPublic]
    stations: dict[str, int] = Field(description="How many stations are in each state")
    down: list[StationDownPublic]
    sla: SlaPublic


class BoardCounterPublic(BaseModel):
    station: str
    name: str
    number: int
    kind: str
    state: str
    ticket: str | None
    previous: list[str] = Field(default_factory=list, description="The counter's earlier calls, newest first")


class BoardWaitingPublic(BaseModel):
    category: str
    letter: str = Field(description="The ticket letter of the category (A regular, B priority, C express)")
    count: int = Field(description="Tickets checked in and not yet called")


class BoardCallPublic(BaseModel):
    ticket: str
    station: str
    name: str
    number: int
    at: str
    key: str = Field(description="Changes on every call and recall: the board chimes when it sees a new one")
    spoken: str = Field(description="The number as the caller says it")


class BoardPublic(BaseModel):
    office: str
    name: str
    day: str
    timezone: str = Field(description="The office's IANA zone: the board's clock shows this zone")
    zone: str = Field(description="The zone as Indonesians name it (WIB, WITA, WIT)")
    now: str = Field(description="The server's time (UTC, ISO 8601): the board's clock follows it")
    counters: list[BoardCounterPublic]
    calls: list[BoardCallPublic]
    waiting: list[BoardWaitingPublic]
