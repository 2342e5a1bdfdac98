"""The bank's payment callback: its signature and its fields."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from loket.domain.errors import InvalidInput, Unauthorized, invalid

SIGNATURE_HEADER = "X-Loket-Signature"


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    REINSTATED = "reinstated"
    AMOUNT_MISMATCH = "amount_mismatch"
    PAID_AFTER_EXPIRY = "paid_after_expiry"
    PAID_AFTER_CANCELLATION = "paid_after_cancellation"
    DUPLICATE_PAYMENT = "duplicate_payment"


# Outcomes where money reached the state but buys no place: the applicant is owed a refund.
REFUND_OUTCOMES = (
    Outcome.PAID_AFTER_EXPIRY,
    Outcome.PAID_AFTER_CANCELLATION,
    Outcome.DUPLICATE_PAYMENT,
    Outcome.AMOUNT_MISMATCH,
)


@dataclass(frozen=True)
class BankCallback:
    billing_code: str
    amount: int
    paid_at: datetime
    ntpn: str
    bank: str
    payer: str | None = None  # the bank's reference of the payer (an account or its hash)


def sign(secret: str, body: bytes) -> str:
    """The signature header value for `body`: `sha256=` and the hex HMAC-SHA256."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_ok(secrets: list[str], body: bytes, header: str | None) -> bool:
    """True when `header` signs `body` with one of the bank's secrets (constant-time compare)."""
    if not header:
        return False
    ok = False
    for secret in secrets:
        # Compare against every secret, so timing does not tell which one nearly matched.
        ok |= hmac.compare_digest(sign(secret, body).encode(), header.strip().encode())
    return ok


def parse_body(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise InvalidInput("malformed_json", "The request body is not valid JSON", field="body") from exc
    if not isinstance(data, dict):
        raise InvalidInput("malformed_json", "The request body must be a JSON object", field="body")
    return data


def bank_of(data: dict[str, Any]) -> str:
    bank = data.get("bank")
    if not isinstance(bank, str) or not bank.strip():
        raise Unauthorized("bad_signature", "The callback is not signed by a known bank", field="bank")
    return bank.strip().upper()


def parse_callback(data: dict[str, Any]) -> BankCallback:
    """Check the callback's fields once its signature is known to be good."""
    code = data.get("billing_code")
    if not isinstance(code, str) or len(code) != 15 or not code.isdigit():
        raise invalid("billing_code", "billing_code_invalid", "A billing code has 15 digits")
    amount = data.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise invalid("amount", "amount_invalid", "The amount is a positive whole number of rupiah")
    ntpn = data.get("ntpn")
    if not isinstance(ntpn, str) or not 8 <= len(ntpn.strip()) <= 32 or not ntpn.strip().isalnum():
        raise invalid("ntpn", "ntpn_invalid", "The NTPN is 8 to 32 letters or digits")
    raw_paid_at = data.get("paid_at")
    try:
        paid_at = datetime.fromisoformat(str(raw_paid_at))
    except ValueError as exc:
        raise invalid("paid_at", "paid_at_invalid", "Give paid_at as an ISO 8601 time with its zone") from exc
    if paid_at.tzinfo is None:
        raise invalid("paid_at", "paid_at_invalid", "Give paid_at as an ISO 8601 time with its zone")
    payer = data.get("payer")
    if payer is not None and (not isinstance(payer, str) or not 1 <= len(payer.strip()) <= 64):
        raise invalid("payer", "payer_invalid", "The payer reference is 1 to 64 characters")
    return BankCallback(
        code, amount, paid_at, ntpn.strip().upper(), bank_of(data), payer.strip() if payer else None
    )
