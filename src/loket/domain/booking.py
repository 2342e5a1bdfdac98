"""Booking rules: who may book which place, for how much, and until when the place is held.

Everything here is pure: the caller passes the office, its calendar, the fee schedule, the
policy and `now`. The place itself is taken in the store under the lock policy (docs/locking.md).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import TypeVar

from loket.domain.calendar import WorkingCalendar
from loket.domain.client import network_key
from loket.domain.contact_code import clean_kk
from loket.domain.errors import Conflict, invalid
from loket.domain.fees import FeeSchedule, Product, product_code
from loket.domain.identity import Sex, check_nik_matches, normalize_name, normalize_phone, parse_nik
from loket.domain.office import Office, Session

E = TypeVar("E", bound=StrEnum)


class Category(StrEnum):
    """Quota categories; each has its own daily quota and queue-ticket letter."""

    REGULAR = "regular"
    PRIORITY = "priority"
    EXPRESS = "express"


class Service(StrEnum):
    NEW = "new"
    RENEWAL = "renewal"
    REPLACEMENT_LOST = "replacement_lost"
    REPLACEMENT_DAMAGED = "replacement_damaged"


class PriorityReason(StrEnum):
    """Priority groups; age-based ones are checked against the birth date, the rest at check-in."""

    ELDERLY = "elderly"
    CHILD_UNDER_5 = "child_under_5"
    DISABLED = "disabled"
    PREGNANT = "pregnant"


class Status(StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    CHECKED_IN = "checked_in"
    NO_SHOW = "no_show"


# A booking in one of these holds a place, the NIK and a share of its contact's limit.
ACTIVE_STATUSES = (Status.AWAITING_PAYMENT, Status.PAID)
ELDERLY_AGE = 60


@dataclass(frozen=True)
class BookingPolicy:
    """The settings that shape booking (from LOKET_* settings)."""

    hold_minutes: int = 120
    window_days: int = 30
    max_people_per_contact: int = 5
    max_bookings_per_address: int = 0  # active bookings per network address; 0: no limit
    # A new booking is pending until its contact enters a one-time code (issue 21, LOKET_VERIFY_CONTACT).
    verify_contact: bool = False


@dataclass(frozen=True)
class BookingRequest:
    """What the applicant sent, still raw."""

    nik: str
    full_name: str
    birth_date: date
    sex: str
    phone: str
    email: str | None
    day: date
    session: str
    category: str
    product: str
    service: str
    validity_years: int | None = None
    priority_reason: str | None = None
    client_ip: str | None = None  # where the request came from (anti-broker evidence and limit)
    client_fp: str | None = None  # a hash of the browser's User-Agent and Accept-Language
    kk: str | None = None  # the family card number (not on the KTP): proves the NIK is one's own


@dataclass(frozen=True)
class BookingPlan:
    """A checked request: everything needed to take the place and issue the billing code."""

    office_code: str
    nik: str
    full_name: str
    birth_date: date
    sex: Sex
    phone: str
    email: str | None
    day: date
    session: Session
    category: Category
    product: Product
    validity_years: int
    service: Service
    priority_reason: PriorityReason | None
    amount: int
    pay_before: datetime
    contacts: tuple[str, ...]
    client_ip: str | None = None
    client_fp: str | None = None
    address_key: str | None = None  # counted against max_bookings_per_address when set
    kk: str | None = None  # the family card number given, checked for its form

    def limits(self, policy: BookingPolicy) -> dict[str, int]:
        """Every counter key this booking takes (phone, e-mail, address) with its limit."""
        found = dict.fromkeys(self.contacts, policy.max_people_per_contact)
        if self.address_key:
            found[self.address_key] = policy.max_bookings_per_address
        return found


def age_on(birth_date: date, day: date) -> int:
    """Completed years of age on `day`."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def _choice(kind: type[E], raw: str | None, field: str) -> E:
    try:
        return kind(raw or "")
    except ValueError as exc:
        raise invalid(
            field,
            f"{field}_invalid",
            "Choose one of: %(choices)s",
            choices=", ".join(member.value for member in kind),
        ) from exc


def normalize_email(raw: str | None) -> str | None:
    """A lower-cased e-mail address, or None; a clear error when it is not one."""
    if raw is None or not raw.strip():
        return None
    email = raw.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email or len(email) > 254 or domain.startswith("."):
        raise invalid("email", "email_invalid", "This is not a valid e-mail address")
    return email


def pay_deadline(office: Office, day: date, now: datetime, hold_minutes: int) -> datetime:
    """`now` plus the hold, but never later than the end of the day before the appointment."""
    end_of_eve = datetime.combine(day, time(0, 0), tzinfo=office.zone)
    return min(now + timedelta(minutes=hold_minutes), end_of_eve)


def check_bookable_day(
    office: Office, calendar: WorkingCalendar, day: date, now: datetime, window_days: int, field: str = "date"
) -> date:
    """The appointment day must be a service day, from tomorrow up to the booking window."""
    today = office.local_today(now)
    if day <= today:
        raise invalid(field, "date_in_past", "Choose a date from tomorrow onwards")
    if day > today + timedelta(days=window_days):
        raise invalid(
            field, "date_outside_window", "Bookings open %(days)d days ahead at most", days=window_days
        )
    if not calendar.is_service_day(day):
        info = calendar.info(day)
        why = info.closure or info.holiday or ""
        raise invalid(
            field,
            "not_a_service_day",
            "The office does not serve on this day %(why)s",
            why=f"({why})" if why else "",
        )
    return day


def check_session(office: Office, name: str, field: str = "session") -> Session:
    session = office.session_named(name)
    if session is None:
        raise invalid(
            field,
            "session_unknown",
            "No session starts at %(session)s; sessions: %(sessions)s",
            session=name,
            sessions=", ".join(s.name for s in office.sessions),
        )
    return session


def plan_booking(
    request: BookingRequest,
    office: Office,
    calendar: WorkingCalendar,
    fees: FeeSchedule,
    policy: BookingPolicy,
    now: datetime,
) -> BookingPlan:
    """Check a booking request against every rule that needs no lock; raise on the first broken one."""
    today = office.local_today(now)
    nik_info = parse_nik(request.nik)
    kk = clean_kk(request.kk)
    sex = _choice(Sex, request.sex, "sex")
    check_nik_matches(nik_info, request.birth_date, sex, today)
    full_name = normalize_name(request.full_name)
    phone = normalize_phone(request.phone)
    email = normalize_email(request.email)
    category = _choice(Category, request.category, "category")
    service = _choice(Service, request.service, "service")
    if request.product not in ("regular", "electronic"):
        raise invalid(
            "product", "product_invalid", "Choose one of: %(choices)s", choices="regular, electronic"
        )
    if request.validity_years not in (None, 5, 10):
        raise invalid("validity_years", "validity_invalid", "Validity is 5 or 10 years")
    day = check_bookable_day(office, calendar, request.day, now, policy.window_days)
    session = check_session(office, request.session)
    product = product_code(request.product, request.validity_years)
    offered = fees.offered(today)
    if product not in offered:
        raise invalid(
            "validity_years",
            "validity_not_offered",
            "A %(years)d-year passport is not offered under the tariff in force",
            years=request.validity_years or 5,
        )
    amount = fees.fee_for(product, today)
    if category is Category.EXPRESS:
        if Product.EXPRESS_SURCHARGE not in offered:
            raise invalid(
                "category", "express_not_offered", "Express service is not offered under the tariff in force"
            )
        amount += fees.fee_for(Product.EXPRESS_SURCHARGE, today)
    reason = None
    if category is Category.PRIORITY:
        reason = _choice(PriorityReason, request.priority_reason, "priority_reason")
        age = age_on(request.birth_date, day)
        if reason is PriorityReason.ELDERLY and age < ELDERLY_AGE:
            raise invalid(
                "priority_reason", "not_elderly", "The elderly priority is from age %(age)d", age=ELDERLY_AGE
            )
        if reason is PriorityReason.CHILD_UNDER_5 and age >= 5:
            raise invalid("priority_reason", "not_under_5", "The child is 5 or older on the appointment day")
    contacts = (f"tel:{phone}",) + ((f"mailto:{email}",) if email else ())
    address_key = None
    if request.client_ip and policy.max_bookings_per_address:
        address_key = f"addr:{network_key(request.client_ip)}"
    return BookingPlan(
        office_code=office.code,
        nik=nik_info.nik,
        full_name=full_name,
        birth_date=request.birth_date,
        sex=sex,
        phone=phone,
        email=email,
        day=day,
        session=session,
        category=category,
        product=product,
        validity_years=request.validity_years or 5,
        service=service,
        priority_reason=reason,
        amount=amount,
        pay_before=pay_deadline(office, day, now, policy.hold_minutes),
        contacts=contacts,
        client_ip=request.client_ip,
        client_fp=request.client_fp,
        address_key=address_key,
        kk=kk,
    )


def check_reschedulable(
    status: str, reschedules: int, current_day: date, office: Office, now: datetime
) -> None:
    """One reschedule, of an active booking, until the day before the appointment (H-1)."""
    if status not in ACTIVE_STATUSES:
        raise Conflict("booking_not_active", "This booking is no longer active", field="booking_code")
    if reschedules >= 1:
        raise Conflict(
            "reschedule_used", "This booking has already been rescheduled once", field="booking_code"
        )
    if office.local_today(now) >= current_day:
        raise Conflict(
            "reschedule_too_late",
            "Rescheduling is possible until the day before the appointment",
            field="date",
        )


# Crockford's base32 without I, L, O, U: easy to read aloud and to type on a phone.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_booking_code(office_code: str) -> str:
    """`PLG-` then 10 random characters (50 bits): unguessable, and it names its office."""
    bits = secrets.randbits(50)
    return f"{office_code}-" + "".join(CODE_ALPHABET[(bits >> (5 * i)) & 31] for i in range(10))


def new_billing_code() -> str:
    """A 15-digit state-revenue (PNBP) style billing code, random (the NTPN proves payment)."""
    return f"8{secrets.randbelow(10**14):014d}"


def office_of_booking_code(code: str) -> str | None:
    """The office named by a booking code, or None when the code is malformed."""
    office, sep, rest = code.partition("-")
    if not sep or not office.isalnum() or len(rest) != 10 or any(ch not in CODE_ALPHABET for ch in rest):
        return None
    return office
