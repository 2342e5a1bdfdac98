"""Request and response schemas of the floor and staff API (`XCreate` in, `XPublic` out)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from loket.web.api.schemas import StrictBody


class StaffLogin(StrictBody):
    username: str = Field(max_length=40)
    password: str = Field(max_length=200)


class StaffPublic(BaseModel):
    username: str
    full_name: str
    roles: dict[str, str]
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
    birth_date: date
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
