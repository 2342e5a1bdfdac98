"""Refunds: money that reached the state but buys no service, owed back to the applicant.

A refund is opened `due` (by a paid-then-cancelled booking, or by a payment after expiry, twice
or of the wrong amount); a supervisor approves or rejects it; an approved refund is `paid` with
the bank's transfer reference. Net revenue counts every refund not rejected as money going back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from loket.domain.errors import Conflict, invalid


class RefundStatus(StrEnum):
    DUE = "due"
    APPROVED = "approved"
    REJECTED = "rejected"
    PAID = "paid"


# Why a refund is owed: a callback outcome (domain/payment.py) or the cancellation of a paid booking.
CANCELLED_AFTER_PAYMENT = "cancelled_after_payment"
_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/._-]{3,63}$")
NOTE_MAX = 200


def check_transition(current: str, wanted: RefundStatus) -> None:
    """due -> approved | rejected; approved -> paid. Anything else is a conflict, naming the status."""
    allowed = {
        RefundStatus.APPROVED: RefundStatus.DUE,
        RefundStatus.REJECTED: RefundStatus.DUE,
        RefundStatus.PAID: RefundStatus.APPROVED,
    }
    if allowed[wanted].value != current:
        if wanted is RefundStatus.PAID:
            raise Conflict(
                "refund_not_approved",
                "Only an approved refund can be paid (it is %(status)s)",
                field="refund",
                status=current,
            )
        raise Conflict(
            "refund_decided",
            "This refund is already decided (it is %(status)s)",
            field="refund",
            status=current,
        )


def check_bank_reference(raw: str | None) -> str:
    """The bank's reference of the transfer: 4 to 64 letters, digits or / . _ -."""
    value = (raw or "").strip()
    if not _REFERENCE.match(value):
        raise invalid(
            "bank_reference",
            "bank_reference_invalid",
            "Give the bank's transfer reference: 4 to 64 letters, digits or / . _ -",
        )
    return value


def check_note(raw: str | None, *, required: bool) -> str | None:
    """A decision's note: needed to reject (the applicant is told why), at most 200 characters."""
    value = (raw or "").strip()
    if required and not value:
        raise invalid("note", "note_required", "Say why the refund is rejected")
    if len(value) > NOTE_MAX:
        raise invalid("note", "note_too_long", "The note has at most %(max)d characters", max=NOTE_MAX)
    return value or None


@dataclass(frozen=True)
class PaidMoney:
    ntpn: str
    amount: int
    paid_at: datetime


@dataclass(frozen=True)
class RefundMoney:
    ntpn: str | None
    amount: int
    status: str


@dataclass
class RevenueDay:
    """One office day: money received, refunds by status, and what the state keeps."""

    day: date
    received: int = 0
    refund_due: int = 0
    refund_approved: int = 0
    refund_paid: int = 0
    refund_rejected: int = 0

    @property
    def net(self) -> int:
        """Received, less every refund not rejected (owed back is not revenue)."""
        return self.received - self.refund_due - self.refund_approved - self.refund_paid


def revenue_days(
    paid: Iterable[PaidMoney], refunds: Iterable[RefundMoney], zone: ZoneInfo
) -> list[RevenueDay]:
    """Per office day of payment: received, refunds of those payments by status, net revenue."""
    days: dict[date, RevenueDay] = {}
    day_of: dict[str, date] = {}
    for p in paid:
        day = p.paid_at.astimezone(zone).date()
        day_of[p.ntpn] = day
        days.setdefault(day, RevenueDay(day)).received += p.amount
    for r in refunds:
        found = day_of.get(r.ntpn or "")
        if found is None:
            continue  # the payment it gives back lies outside the period
        row = days[found]
        attr = f"refund_{r.status}"
        setattr(row, attr, getattr(row, attr) + r.amount)
    return [days[d] for d in sorted(days)]
