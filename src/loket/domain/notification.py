"""Notification rules: the events, their idempotency keys and the retry back-off. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Event(StrEnum):
    BOOKING_MADE = "booking_made"
    PAYMENT_RECEIVED = "payment_received"
    DEADLINE_NEAR = "deadline_near"
    REMINDER = "reminder"
    NEXT_IN = "next_in"
    DOSSIER_INCOMPLETE = "dossier_incomplete"
    DOCUMENT_REJECTED = "document_rejected"  # an uploaded copy refused at intake (issue 20)
    PASSPORT_READY = "passport_ready"
    HOLD_LAPSED = "hold_lapsed"
    WAITLIST_OFFER = "waitlist_offer"
    SURVEY_INVITE = "survey_invite"
    BOOKING_CANCELLED = "booking_cancelled"
    BOOKING_MOVED = "booking_moved"
    SIGN_IN_FAILURES = "sign_in_failures"  # to a staff member (issue 21)
    # Contact verification and NIK squatting (issue 21, docs/security.md)
    CONTACT_CODE = "contact_code"  # the one-time code, to the contact being verified
    NIK_ATTEMPT = "nik_attempt"  # to a booking's verified contact: someone tried its NIK
    NIK_RELEASED = "nik_released"  # to a released booking's contact: the NIK's holder released it


class Channel(StrEnum):
    EMAIL = "email"
    PHONE = "phone"  # SMS or WhatsApp through the gateway


class Delivery(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt
    SKIPPED = "skipped"  # the channel is not configured on this server


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_s: float = 30.0
    max_s: float = 3600.0


def idempotency_key(event: Event | str, subject: str, channel: Channel | str, occasion: str = "") -> str:
    """One key per message: the same event about the same subject on the same channel is sent once."""
    key = f"{event}:{subject}:{channel}"
    return f"{key}:{occasion}" if occasion else key


def channels_for(phone: str | None, email: str | None) -> list[tuple[Channel, str]]:
    """Where a person is told: the phone always (SMS/WhatsApp), the e-mail address when given."""
    found: list[tuple[Channel, str]] = []
    if phone:
        found.append((Channel.PHONE, phone))
    if email:
        found.append((Channel.EMAIL, email))
    return found


def backoff_s(attempts: int, policy: RetryPolicy) -> float:
    """Seconds to wait after the `attempts`-th failed attempt: base, 2x base, 4x base ... capped."""
    return float(min(policy.max_s, policy.base_s * 2 ** max(0, attempts - 1)))


def after_failure(attempts: int, now: datetime, policy: RetryPolicy) -> tuple[Delivery, datetime]:
    """What becomes of a message whose `attempts`-th attempt failed: retry later, or give up."""
    if attempts >= policy.max_attempts:
        return Delivery.FAILED, now
    return Delivery.PENDING, now + timedelta(seconds=backoff_s(attempts, policy))
