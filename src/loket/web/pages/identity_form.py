"""The identity form of the booking, waiting-list and ballot pages (templates/applicant/_identity.html):
each person's fields (`p0-nik`, `p0-full_name`, ...) and the shared contact, kept as typed so a
refused form comes back filled in, and turned into a `BookingRequest` one person at a time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import Request

from loket.domain.booking import BookingRequest, Service
from loket.domain.errors import invalid
from loket.web.booking_request import booking_request

MAX_PEOPLE = 5  # the applicant and up to four family members under the same contact
SERVICES = [s.value for s in Service]
PERSON_FIELDS = (
    "nik",
    "full_name",
    "birth_date",
    "sex",
    "service",
    "product",
    "validity_years",
    "priority_reason",
)


@dataclass
class IdentityForm:
    """The people and the contact as the applicant typed them (strings, stripped)."""

    people: list[dict[str, str]]
    contact: dict[str, str]

    @classmethod
    def blank(cls) -> IdentityForm:
        """One person, nothing filled in yet."""
        return cls.parse({})

    @classmethod
    def parse(cls, form: Mapping[str, Any], count: int = 1) -> IdentityForm:
        """The first `count` people of a posted form, and its contact."""
        people = [{f: str(form.get(f"p{i}-{f}", "")).strip() for f in PERSON_FIELDS} for i in range(count)]
        contact = {"phone": str(form.get("phone", "")).strip(), "email": str(form.get("email", "")).strip()}
        return cls(people, contact)

    def context(self) -> dict[str, Any]:
        """What the form's templates show: the people, the contact and the services to choose from."""
        return {"people": self.people, "contact": self.contact, "services": SERVICES}

    def request(
        self,
        index: int,
        *,
        day: date,
        session: str,
        category: str,
        client: Request | None = None,
    ) -> BookingRequest:
        """Person `index`'s booking request (the contact is everyone's); a bad birth date is refused."""
        person = self.people[index]
        try:
            birth = date.fromisoformat(person["birth_date"])
        except ValueError as exc:
            raise invalid(
                "birth_date", "birth_date_format", "Give the birth date as day, month and year"
            ) from exc
        typed = {
            **person,
            "birth_date": birth,
            "phone": self.contact["phone"],
            "email": self.contact["email"] or None,
            "session": session,
            "category": category,
            "product": person["product"] or "regular",
            "service": person["service"] or Service.NEW.value,
            "validity_years": int(person["validity_years"]) if person["validity_years"].isdigit() else None,
            "priority_reason": person["priority_reason"] or None,
        }
        return booking_request(typed, day=day, client=client)
