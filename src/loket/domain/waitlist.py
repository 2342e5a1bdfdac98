"""Waiting-list rules: who may wait, how long an offer lasts, who is next. Pure: no clock, no DB."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from loket.domain.booking import CODE_ALPHABET
from loket.domain.errors import Conflict

HOLD_PREFIX = "wait:"


class WaitStatus(StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    PASSED = "passed"  # the offer was not taken in time; the place went on to the next person
    WITHDRAWN = "withdrawn"
    # Joined with LOKET_VERIFY_CONTACT on, its code not yet entered: not offered, not counted, and
    # replaced by the next join for the same NIK and session (docs/security.md, "NIK squatting").
    UNVERIFIED = "unverified"


# An entry in one of these still counts as waiting for the session.
OPEN_STATUSES = (WaitStatus.WAITING, WaitStatus.OFFERED)


@dataclass(frozen=True)
class WaitlistPolicy:
    """How long an offered place is kept for the person it was offered to (a setting)."""

    offer_minutes: int = 30


def new_entry_code(office_code: str) -> str:
    """`PLG-W` then 12 random characters (60 bits): the applicant's key to their place in line."""
    return f"{office_code}-W" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))


def office_of_entry_code(code: str) -> str | None:
    """The office named by an entry code, or None when the code is malformed."""
    office, sep, rest = code.partition("-")
    if not sep or not office.isalnum() or len(rest) != 13 or rest[0] != "W":
        return None
    if any(ch not in CODE_ALPHABET for ch in rest[1:]):
        return None
    return office


def hold_mark(entry_code: str) -> str:
    """What `places.booking_code` holds while the place is reserved for an offer (never a booking code)."""
    return HOLD_PREFIX + entry_code


def is_hold_mark(value: str | None) -> bool:
    return bool(value) and str(value).startswith(HOLD_PREFIX)


def offer_deadline(offered_at: datetime, policy: WaitlistPolicy) -> datetime:
    """The moment an offer made at `offered_at` passes to the next person."""
    return offered_at + timedelta(minutes=policy.offer_minutes)


def offer_open(status: str, offered_at: datetime | None, now: datetime, policy: WaitlistPolicy) -> bool:
    """True while the offer may still be accepted."""
    return (
        status == WaitStatus.OFFERED.value
        and offered_at is not None
        and now < offer_deadline(offered_at, policy)
    )


def check_may_join(places_left: int, already_waiting: bool) -> None:
    """One may wait only for a full session, and only once for the same session."""
    if places_left > 0:
        raise Conflict(
            "places_available",
            "This session still has places: book it instead of waiting",
            field="session",
        )
    if already_waiting:
        raise Conflict("already_waiting", "This NIK is already on this waiting list", field="nik")


def check_acceptable(status: str, offered_at: datetime | None, now: datetime, policy: WaitlistPolicy) -> None:
    """An offer can be accepted only while it is open."""
    if status == WaitStatus.ACCEPTED.value:
        raise Conflict("offer_accepted", "This offer has already been accepted", field="entry_code")
    if not offer_open(status, offered_at, now, policy):
        raise Conflict("offer_not_open", "There is no open offer for this entry", field="entry_code")
