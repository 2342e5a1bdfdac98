"""Response and request schemas of the JSON API (`XCreate` in, `XPublic` out)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class SessionPublic(BaseModel):
    session: str
    ends: str


class StationPublic(BaseModel):
    code: str
    kind: str
    name: str
    number: int


class OfficeHoursPublic(BaseModel):
    weekday: int
    opens: str
    closes: str


class OfficePublic(BaseModel):
    code: str
    name: str
    timezone: str
    zone: str
    address: str
    hours: list[OfficeHoursPublic]
    sessions: list[SessionPublic]
    stations: list[StationPublic]


class OfficeSummary(BaseModel):
    code: str
    name: str
    timezone: str
    zone: str


class CalendarDayPublic(BaseModel):
    date: date
    label: str
    service_day: bool
    weekend: bool
    holiday: str | None
    closure: str | None
    extra: str | None


class CalendarPublic(BaseModel):
    office: str
    days: list[CalendarDayPublic]


class DueDatePublic(BaseModel):
    office: str
    start: date
    working_days: int
    due_date: date
    label: str
