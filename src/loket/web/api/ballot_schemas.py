"""Schemas of the release and ballot endpoints (`XCreate` in, `XPublic` out)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from loket.web.api.schemas import StrictBody
from loket.web.dates import BirthDate


class ReleaseUpdate(StrictBody):
    mode: str = Field(description="fcfs or ballot", examples=["ballot"])
    opens_at: datetime = Field(description="When bookings (fcfs) or ballot entries open, with its zone")
    closes_at: datetime | None = Field(default=None, description="Ballot only: when entries close")


class BallotResultPublic(BaseModel):
    entry_code: str
    rank: int | None
    outcome: str = Field(description="won, waitlisted or ineligible")
    session: str | None = Field(description="The session won, if any")


class BallotPublic(BaseModel):
    """A day's release; for a ballot, what anyone needs to re-run the draw once it is drawn."""

    office: str
    date: date
    mode: str
    opens_at: datetime
    closes_at: datetime | None
    commitment: str | None = Field(description="SHA-256 of the seed, published before entries open")
    seed: str | None = Field(description="Revealed at the draw")
    entries_digest: str | None
    drawn_at: datetime | None
    entries: int
    results: list[BallotResultPublic]


class BallotEntryCreate(StrictBody):
    nik: str = Field(max_length=40, examples=["1671014508900001"])
    full_name: str = Field(max_length=200)
    birth_date: BirthDate
    sex: str = Field(max_length=8, description="male or female")
    phone: str = Field(max_length=40)
    email: str | None = Field(default=None, max_length=254)
    session: str = Field(max_length=8, description="The preferred session", examples=["08:00"])
    category: str = Field(default="regular", max_length=16)
    product: str = Field(default="regular", max_length=16)
    service: str = Field(default="new", max_length=24)
    validity_years: int | None = Field(default=None, ge=1, le=10)
    flexible: bool = Field(default=True, description="Another session of the day will do")


class BallotEntryLookup(StrictBody):
    entry_code: str = Field(max_length=40)
    nik: str = Field(max_length=40)


class BallotEntryPublic(BaseModel):
    entry_code: str
    office: str
    date: date
    session: str
    category: str
    flexible: bool
    status: str = Field(description="unverified, entered, won, waitlisted or ineligible")
    rank: int | None
    booking_code: str | None
    waitlist_code: str | None
    entered_at: datetime
    # While contacts are verified (issue 21) the entry is drawn only once its code is entered.
    verification_id: str | None = Field(
        default=None, description="Where to enter the contact's code: .../entry-verifications/{id}"
    )
    sent_to: str | None = Field(default=None, description="The contact the code went to, masked")
    expires_at: datetime | None = None


class DrawPublic(BaseModel):
    office: str
    date: date
    entries: int
    won: int
    waitlisted: int
    ineligible: int
    seed: str
    commitment: str
    entries_digest: str
