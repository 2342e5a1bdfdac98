"""The identity form of the booking, waiting-list and ballot pages (templates/applicant/_identity.html):
each person's fields (`p0-nik`, `p0-full_name`, ...) and the shared contact, kept as typed so a
refused form comes back filled in, and turned into a `BookingRequest` one person at a time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import Request

from loket.domain.booking import BookingRequest, Service, normalize_email
from loket.domain.contact_code import clean_kk
from loket.domain.errors import DomainError, InvalidInput, invalid
from loket.domain.identity import Sex, check_nik_matches, normalize_name, normalize_phone, parse_nik
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
        contact = {
            "phone": str(form.get("phone", "")).strip(),
            "email": str(form.get("email", "")).strip(),
            "kk": str(form.get("kk", "")).strip(),
        }
        return cls(people, contact)

    def context(self) -> dict[str, Any]:
        """What the form's templates show: the people, the contact and the services to choose from."""
        return {"people": self.people, "contact": self.contact, "services": SERVICES}

    def problems(self, today: date) -> dict[str, DomainError]:
        """Every field's error at once, in the form's order (`p0-nik`, ..., `phone`, `email`).

        Each field is checked on its own, so one wrong field does not hide the next; the rules that
        tie fields together (the NIK's birth date and sex) are checked once both fields are valid."""
        found: dict[str, DomainError] = {}

        def check(key: str, rule: Any, *args: Any) -> bool:
            try:
                rule(*args)
            except DomainError as exc:
                found[key] = exc
                return False
            return True

        niks: set[str] = set()
        for i, person in enumerate(self.people):
            nik_ok = check(f"p{i}-nik", _required_nik, person["nik"])
            check(f"p{i}-full_name", normalize_name, person["full_name"])
            born_ok = check(f"p{i}-birth_date", _birth_date, person["birth_date"])
            sex_ok = check(f"p{i}-sex", _sex, person["sex"])
            if nik_ok and born_ok and sex_ok:
                check(
                    f"p{i}-nik",
                    check_nik_matches,
                    parse_nik(person["nik"]),
                    date.fromisoformat(person["birth_date"]),
                    person["sex"],
                    today,
                )
            if nik_ok and f"p{i}-nik" not in found:
                if person["nik"] in niks:
                    found[f"p{i}-nik"] = InvalidInput(
                        "nik_repeated", "Each person needs their own NIK", field="nik"
                    )
                niks.add(person["nik"])
        check("phone", _required_phone, self.contact["phone"])
        check("email", normalize_email, self.contact["email"] or None)
        check("kk", clean_kk, self.contact.get("kk") or None)
        return found

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
            "kk": self.contact.get("kk") or None,
            "session": session,
            "category": category,
            "product": person["product"] or "regular",
            "service": person["service"] or Service.NEW.value,
            "validity_years": int(person["validity_years"]) if person["validity_years"].isdigit() else None,
            "priority_reason": person["priority_reason"] or None,
        }
        return booking_request(typed, day=day, client=client)


def _required_nik(raw: str) -> None:
    if not raw:
        raise invalid("nik", "nik_missing", "Enter the NIK: the 16 digits on the KTP or KK")
    parse_nik(raw)


def _birth_date(raw: str) -> None:
    if not raw:
        raise invalid("birth_date", "birth_date_missing", "Enter the birth date as day, month and year")
    try:
        date.fromisoformat(raw)
    except ValueError as exc:
        raise invalid(
            "birth_date", "birth_date_format", "Give the birth date as day, month and year"
        ) from exc


def _sex(raw: str) -> None:
    # The choice is named in the page's words, never by its stored value (male, female).
    if raw not in {s.value for s in Sex}:
        raise invalid("sex", "sex_missing", "Choose female or male, as on the KTP")


def _required_phone(raw: str) -> None:
    if not raw:
        raise invalid("phone", "phone_missing", "Enter a mobile number for the messages, e.g. 0812 3456 7890")
    normalize_phone(raw)
