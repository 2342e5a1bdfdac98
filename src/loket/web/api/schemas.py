"""Response and request schemas of the JSON API (`XCreate` in, `XPublic` out)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from loket.web.dates import BirthDate, Day

# What the schema lists for a quota category (domain/booking.py::Category; the service refuses the rest).
CATEGORIES: dict[str, Any] = {"enum": ["regular", "priority", "express"]}


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


# --- Booking -----------------------------------------------------------------------------------


class StrictBody(BaseModel):
    """Request bodies refuse unknown fields: a typo gets a clear 422, not silence."""

    model_config = ConfigDict(extra="forbid")


class BookingCreate(StrictBody):
    nik: str = Field(description="16-digit NIK of the applicant", examples=["1671014508900001"])
    full_name: str = Field(max_length=200, examples=["Siti Nur'aini"])
    birth_date: BirthDate
    sex: str = Field(
        description="male or female", examples=["female"], json_schema_extra={"enum": ["male", "female"]}
    )
    phone: str = Field(max_length=40, examples=["0812-3456-7890"])
    email: str | None = Field(default=None, max_length=254)
    date: Day
    session: str = Field(description="Session start in the office's local time", examples=["08:00"])
    category: str = Field(
        description="regular, priority or express",
        examples=["regular"],
        json_schema_extra=CATEGORIES,
    )
    product: str = Field(
        description="regular or electronic",
        examples=["regular"],
        json_schema_extra={"enum": ["regular", "electronic"]},
    )
    service: str = Field(
        description="new, renewal, replacement_lost or replacement_damaged", examples=["new"]
    )
    validity_years: int | None = Field(
        default=None, description="5 or 10 where the tariff in force offers both"
    )
    priority_reason: str | None = Field(
        default=None, description="For the priority category: elderly, child_under_5, disabled or pregnant"
    )
    kk: str | None = Field(
        default=None,
        max_length=40,
        description="Family card (KK) number, 16 digits: not printed on the KTP, it lets the holder "
        "release a booking someone else made with their NIK (docs/security.md)",
    )


class BookingPublic(BaseModel):
    booking_code: str
    billing_code: str | None = Field(description="None while the billing provider has not issued it yet")
    amount: int
    amount_label: str
    pay_before: datetime
    pay_before_local: str
    status: str
    date: date
    session: str
    category: str
    office: str


class SessionLeft(BaseModel):
    session: str
    category: str
    capacity: int
    left: int


class DayAvailability(BaseModel):
    date: date
    sessions: list[SessionLeft]


class AvailabilityPublic(BaseModel):
    office: str
    days: list[DayAvailability]


class CodeSentPublic(BaseModel):
    """A code was sent: the answer to every valid booking attempt while contacts are verified."""

    status: str = Field(examples=["awaiting_verification"])
    office: str
    verification_id: str = Field(description="Where to enter the code: .../verifications/{id}")
    sent_to: str = Field(description="The contact the code went to, masked")
    expires_at: datetime
    expires_at_local: str


class CodeEntry(StrictBody):
    code: str = Field(
        max_length=20,
        pattern=r"^[ -]*([0-9][ -]*){6}$",  # six digits; spaces and dashes as people type them
        description="The 6 digits sent to the contact",
        examples=["123456"],
    )


class VerifiedPublic(BaseModel):
    bookings: list[BookingPublic]


class EntryVerifiedPublic(BaseModel):
    """A waiting-list or ballot entry whose contact was verified: it counts from now on."""

    entry_code: str


class NikReleaseCreate(StrictBody):
    nik: str = Field(max_length=40, pattern=r"^[0-9]{16}$", description="16-digit NIK")
    kk: str = Field(max_length=40, pattern=r"^[0-9]{16}$", description="Family card (KK) number, 16 digits")
    phone: str = Field(max_length=40, description="A contact of yours, new or not: the code goes there")
    email: str | None = Field(default=None, max_length=254)


class NikReleasePublic(BaseModel):
    outcome: str = Field(examples=["done"])
    message: str


class BookingLookup(StrictBody):
    booking_code: str = Field(max_length=40)
    nik: str = Field(max_length=40)


class BookingCancel(StrictBody):
    nik: str = Field(max_length=40)


class BookingReschedule(StrictBody):
    nik: str = Field(max_length=40)
    date: Day
    session: str = Field(max_length=8)


class BookingDetailPublic(BaseModel):
    booking_code: str
    office: str
    status: str
    date: date
    date_label: str
    session: str
    category: str
    product: str
    validity_years: int
    service: str
    amount: int
    amount_label: str
    billing_code: str | None = Field(description="None while the billing provider has not issued it yet")
    pay_before: datetime
    paid_at: datetime | None
    full_name: str
    nik: str = Field(description="Masked: region and serial only")
    reschedules_left: int
    refund_due: int


class PaymentResultPublic(BaseModel):
    outcome: str
    booking_code: str
    booking_status: str
    refund_due: int
    replayed: bool


class QuotaDayUpdate(StrictBody):
    category: str = Field(json_schema_extra=CATEGORIES)
    capacity: int = Field(ge=0, le=5000)


class QuotaDayPublic(BaseModel):
    office: str
    date: date
    category: str
    capacity: int
    sessions: list[SessionLeft]


class QuotaTemplateUpdate(StrictBody):
    weekday: int = Field(ge=1, le=7, description="ISO weekday: 1 = Monday ... 7 = Sunday")
    category: str = Field(json_schema_extra=CATEGORIES)
    capacity: int = Field(ge=0, le=5000)
