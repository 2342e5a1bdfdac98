"""Request and response bodies of the national administrator's API."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from loket.web.api.schemas import StrictBody
from loket.web.dates import Day

# Not only white space (the services collapse it and refuse what is left empty).
NOT_BLANK = r"\S"


class ImportPublic(BaseModel):
    created: list[str]
    updated: list[str]
    unchanged: list[str]


class BankCreate(StrictBody):
    code: str = Field(pattern="^[A-Za-z0-9]{2,16}$")
    name: str = Field(max_length=100, pattern=NOT_BLANK)


class BankSecretPublic(BaseModel):
    code: str
    secret: str = Field(description="The callback secret, shown once: give it to the bank")


class BankPublic(BaseModel):
    code: str
    name: str
    active: bool
    rotating: bool


class TariffCreate(StrictBody):
    product: str = Field(
        description="regular, electronic, express_surcharge or free",
        json_schema_extra={"enum": ["regular", "electronic", "express_surcharge", "free"]},
    )
    validity_years: int | None = Field(default=None, json_schema_extra={"enum": [5, 10, None]})
    amount: int = Field(ge=0, le=100_000_000)
    effective_from: Day
    basis: str = Field(max_length=64, pattern=NOT_BLANK)
    proof: str | None = Field(default=None, max_length=200)


class TariffPublic(BaseModel):
    product: str
    effective_from: date
    amount: int
    basis: str
    proof: str | None
    in_force: bool


class HolidayCreate(StrictBody):
    date: Day
    name: str = Field(max_length=200, pattern=NOT_BLANK)


class HolidayPublic(BaseModel):
    date: date
    day_off: bool
    name: str
    decided_by: str


class InvitationCreate(StrictBody):
    office: str = Field(max_length=8)
    role: str = Field(json_schema_extra={"enum": ["officer", "supervisor", "admin"]})
    email: str = Field(max_length=200, pattern=r"^[!-?A-~]{1,64}@[!-?A-~]+\.[!-?A-~]{2,}$")


class InvitationPublic(BaseModel):
    office: str
    role: str
    email: str
    link: str = Field(description="The single-use link, shown once")


OfficeDocument = dict[str, Any]
