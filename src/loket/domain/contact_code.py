"""One-time codes that prove a contact, and the family card (KK) that proves a NIK is one's own.

Pure: the code is drawn here, kept only as a keyed hash (the database never holds it in clear),
and each entry is judged from the row's state, its expiry and the tries left. The service counts
the try atomically in the database before it compares (services/contact_verification.py).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from loket.domain.errors import invalid

CODE_DIGITS = 6
VALID_MINUTES = 10
TRIES = 3


class Purpose(StrEnum):
    BOOKING = "booking"  # confirms the contact of pending bookings
    RELEASE = "release"  # the real holder releasing a booking made with their NIK
    WAITLIST = "waitlist"  # a waiting-list entry counts (is offered places) once its contact is verified
    BALLOT = "ballot"  # a ballot entry is drawn once its contact is verified


class State(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    FAILED = "failed"  # tries used up, expired, or refused


class Verdict(StrEnum):
    RIGHT = "right"
    WRONG = "wrong"  # a try is left
    SPENT = "spent"  # wrong, and no try is left / expired / already used


@dataclass(frozen=True)
class CodeRules:
    """How long a code lives and how often it may be tried (fixed by the design, docs/security.md)."""

    digits: int = CODE_DIGITS
    valid_minutes: int = VALID_MINUTES
    tries: int = TRIES


def new_code(digits: int = CODE_DIGITS) -> str:
    """A uniformly random code of `digits` digits (leading zeros kept)."""
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def code_hash(secret: str, code_id: str, code: str) -> str:
    """The code as stored: HMAC-SHA256 keyed by the server's secret and bound to its row."""
    return hmac.new(secret.encode(), f"code:{code_id}:{code}".encode(), hashlib.sha256).hexdigest()


def expires_at(now: datetime, rules: CodeRules = CodeRules()) -> datetime:
    return now + timedelta(minutes=rules.valid_minutes)


def clean_code(raw: str, digits: int = CODE_DIGITS) -> str:
    """The digits typed (spaces and dashes dropped); a clear error when it is not a code."""
    code = "".join(ch for ch in str(raw or "") if ch not in " -")
    if len(code) != digits or not code.isdigit():
        raise invalid("code", "code_format", "Enter the %(digits)d digits of the code we sent", digits=digits)
    return code


def judge(secret: str, code_id: str, typed: str, stored_hash: str, tries_left_after: int) -> Verdict:
    """The verdict on one counted try (`tries_left_after` is what remains once it is counted)."""
    if hmac.compare_digest(code_hash(secret, code_id, typed), stored_hash):
        return Verdict.RIGHT
    return Verdict.WRONG if tries_left_after > 0 else Verdict.SPENT


def clean_kk(raw: str | None, *, required: bool = False) -> str | None:
    """The family card (Kartu Keluarga) number: 16 digits, not printed on the KTP; None when not given."""
    kk = "".join(ch for ch in str(raw or "") if ch not in " .-")
    if not kk:
        if required:
            raise invalid("kk", "kk_missing", "Enter the number of your family card (KK): 16 digits")
        return None
    if len(kk) != 16 or not kk.isdigit() or kk[:2] < "11" or kk[:2] > "99":
        raise invalid("kk", "kk_invalid", "The family card (KK) number has 16 digits")
    return kk


def kk_hash(secret: str, kk: str) -> str:
    """The KK as kept with a booking: a keyed hash, compared, never shown."""
    return hmac.new(secret.encode(), f"kk:{kk}".encode(), hashlib.sha256).hexdigest()


def kk_releases(held_kk_hash: str | None, claimed_kk_hash: str) -> bool:
    """A verified claim releases a hold whose booking gave no KK or another one (design, security.md)."""
    return held_kk_hash is None or not hmac.compare_digest(held_kk_hash, claimed_kk_hash)


def masked_contact(phone: str | None, email: str | None) -> str:
    """Where the code went, as the requester is told: the last digits of the phone, or the domain."""
    if phone:
        return f"{'•' * 4}{phone[-3:]}"
    if email:
        local, _, domain = email.partition("@")
        return f"{local[:1]}•••@{domain}"
    return ""
