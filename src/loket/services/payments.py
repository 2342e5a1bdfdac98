"""Bank payments: the signed callback, idempotent per NTPN; money is never silently dropped.

Lock policy: the booking row is locked (FOR UPDATE) before anything else, so a payment, a
cancellation, an expiry and a second callback for the same booking are applied one at a time.
An applied callback forgets the office's cached 'full' answers once it commits (when given the
catalog): a lapsed booking that is reinstated takes a place back. The billing provider's signed
payment notification (docs/payments.md) is applied the same way; a payment that buys nothing
opens a refund (services/refunds.py) in the payment's transaction.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from loket.domain.booking import Status
from loket.domain.errors import NotFound, Unauthorized
from loket.domain.notification import Event
from loket.domain.payment import (
    REFUND_OUTCOMES,
    BankCallback,
    Outcome,
    bank_of,
    parse_body,
    parse_callback,
    signature_ok,
)
from loket.services.audit import NATIONAL, record
from loket.services.billing.provider import BillingProvider
from loket.services.catalog import Catalog
from loket.services.notifications import about_booking
from loket.services.refunds import open_refund
from loket.store import booking_repo, payment_claims_repo, payments_repo
from loket.store.database import Database, on_commit

DEMO_BANKS = [
    ("BNI", "Bank Negara Indonesia"),
    ("BRI", "Bank Rakyat Indonesia"),
    ("MANDIRI", "Bank Mandiri"),
    ("BSI", "Bank Syariah Indonesia"),
    ("POS", "PT Pos Indonesia"),
]


# The outcome of a callback refused because its NTPN already paid another billing: nothing is
# applied, the attempt is kept in `refused_payments` for the finance officer.
NTPN_REUSED = "ntpn_reused"


@dataclass(frozen=True)
class PaymentResult:
    outcome: str
    booking_code: str
    booking_status: str
    refund_due: int
    replayed: bool


async def add_bank(
    db: Database, code: str, name: str, *, actor: str, now: datetime, secret: str | None = None
) -> str:
    """Register a bank and its callback secret (returned once; store it at the bank's side)."""
    secret = secret or secrets.token_urlsafe(32)
    async with db.write() as conn:
        row = {"code": code.upper(), "name": name, "secret": secret, "active": True}
        await payments_repo.insert_bank(conn, row)
        await record(
            conn, office_code=NATIONAL, actor=actor, action="bank.add", subject=code.upper(), now=now
        )
    return secret


async def bank_secret(db: Database, code: str) -> str:
    async with db.read() as conn:
        row = await payments_repo.bank(conn, code.upper())
    if row is None:
        raise NotFound("bank_not_found", "Unknown bank %(code)s", field="bank", code=code)
    return str(row.secret)


async def _verify(db: Database, body: bytes, signature: str | None) -> dict[str, Any]:
    # The signature is checked on the raw bytes against every active bank before the body is
    # parsed: an unsigned body (a 200,000-deep array, megabytes of keys) is never parsed at all.
    async with db.read() as conn:
        banks = [b for b in await payments_repo.all_banks(conn) if b.active]
    signed_by = [
        b.code
        for b in banks
        if signature_ok([s for s in (b.secret, b.previous_secret) if s], body, signature)
    ]
    if not signed_by:
        raise Unauthorized("bad_signature", "The callback is not signed by a known bank", field="signature")
    data = parse_body(body)
    if bank_of(data) not in signed_by:  # signed with one bank's secret in another bank's name
        raise Unauthorized("bad_signature", "The callback is not signed by a known bank", field="signature")
    return data


async def receive_bank_callback(
    db: Database,
    body: bytes,
    signature: str | None,
    *,
    now: datetime,
    catalog: Catalog | None = None,
) -> PaymentResult:
    """Apply a bank's payment confirmation exactly once per NTPN.

    With `catalog`, the office's cached 'full' answers are forgotten after the commit (a
    reinstated booking changes what is free); a replayed callback changes nothing."""
    data = await _verify(db, body, signature)
    return await apply_payment(
        db, parse_callback(data), now=now, catalog=catalog, actor=f"bank:{bank_of(data)}"
    )


async def receive_billing_notification(
    db: Database,
    provider: BillingProvider,
    body: bytes,
    signature: str | None,
    *,
    now: datetime,
    catalog: Catalog | None = None,
) -> PaymentResult:
    """Apply the billing provider's signed payment notification, exactly once per NTPN (as a callback)."""
    # The signature is checked on the raw bytes before anything parses them (as the bank's callback).
    if not signature_ok(provider.notification_secrets(), body, signature):
        raise Unauthorized(
            "bad_signature", "The notification is not signed by the billing provider", field="signature"
        )
    return await apply_payment(
        db, parse_callback(parse_body(body)), now=now, catalog=catalog, actor=f"billing:{provider.name}"
    )


async def apply_payment(
    db: Database, callback: BankCallback, *, now: datetime, catalog: Catalog | None, actor: str
) -> PaymentResult:
    """Apply a checked payment (a callback, a notification, a status the provider reported) once per NTPN."""
    async with db.read() as conn:
        billing = await payments_repo.billing(conn, callback.billing_code)
    if billing is None:
        raise NotFound("unknown_billing_code", "Unknown billing code", field="billing_code")
    async with db.write() as conn:
        booking = await booking_repo.booking_by_code(
            conn, billing.office_code, billing.booking_code, lock=True
        )
        assert booking is not None, "a billing code always has its booking"
        # One NTPN pays one billing (issue 21): claimed nationally before anything is applied.
        claim = await payment_claims_repo.claim_ntpn(
            conn, callback.ntpn, billing.office_code, callback.billing_code, now
        )
        if claim.billing_code != callback.billing_code:
            await _refuse_reused_ntpn(conn, callback, booking, str(claim.billing_code), now)
            return PaymentResult(NTPN_REUSED, booking.booking_code, booking.status, 0, False)
        seen = await payments_repo.payment(conn, billing.office_code, callback.ntpn)
        if seen is not None:
            return PaymentResult(
                seen.outcome, booking.booking_code, booking.status, int(seen.refund_due), True
            )
        outcome, refund = await _apply(
            conn, booking, callback.amount, int(billing.amount), callback.paid_at, now
        )
        if outcome in (Outcome.ACCEPTED, Outcome.REINSTATED):
            # Told in the payment's transaction (outbox). A reinstatement only takes a free place,
            # never one reserved for a waiting-list offer (docs/locking.md, "Waiting list").
            await about_booking(conn, booking, Event.PAYMENT_RECEIVED, now)
        await payments_repo.insert_payment(
            conn,
            {
                "office_code": billing.office_code,
                "ntpn": callback.ntpn,
                "billing_code": callback.billing_code,
                "booking_code": booking.booking_code,
                "bank": callback.bank,
                "amount": callback.amount,
                "paid_at": callback.paid_at,
                "received_at": now,
                "outcome": outcome.value,
                "refund_due": refund,
                "payer": callback.payer,
            },
        )
        if outcome in REFUND_OUTCOMES:
            # Nothing is dropped: the money is recorded above and owed back through the workflow.
            await open_refund(
                conn,
                office_code=billing.office_code,
                booking_code=booking.booking_code,
                source=f"payment:{callback.ntpn}",
                reason=outcome.value,
                amount=refund,
                ntpn=callback.ntpn,
                actor=actor,
                now=now,
            )
        await record(
            conn,
            office_code=billing.office_code,
            actor=actor,
            action="payment.callback",
            subject=booking.booking_code,
            detail={"ntpn": callback.ntpn, "amount": callback.amount, "outcome": outcome.value},
            now=now,
        )
        status = (await booking_repo.booking_by_code(conn, billing.office_code, booking.booking_code)).status  # type: ignore[union-attr]
        if catalog is not None:
            office_code = billing.office_code
            on_commit(conn, lambda: catalog.forget_alternatives(office_code))
    return PaymentResult(outcome.value, booking.booking_code, status, refund, False)


async def _refuse_reused_ntpn(
    conn: Any, callback: BankCallback, booking: Any, claimed_by: str, now: datetime
) -> None:
    """Record, for the finance officer, a callback whose NTPN already paid another billing."""
    await payment_claims_repo.record_refused(
        conn,
        {
            "office_code": booking.office_code,
            "ntpn": callback.ntpn,
            "billing_code": callback.billing_code,
            "booking_code": booking.booking_code,
            "bank": callback.bank,
            "amount": callback.amount,
            "paid_at": callback.paid_at,
            "received_at": now,
            "reason": NTPN_REUSED,
            "claimed_by": claimed_by,
        },
    )
    await record(
        conn,
        office_code=booking.office_code,
        actor=f"bank:{callback.bank}",
        action="payment.ntpn_reused",
        subject=booking.booking_code,
        detail={"ntpn": callback.ntpn, "amount": callback.amount, "claimed_by": claimed_by},
        now=now,
    )


async def refused_payments(db: Database, office_code: str) -> list[Any]:
    """The office's callbacks refused because their NTPN had paid another billing (finance)."""
    async with db.read() as conn:
        return await payment_claims_repo.refused(conn, office_code.upper())


async def _apply(
    conn: Any, booking: Any, amount: int, expected: int, paid_at: datetime, now: datetime
) -> tuple[Outcome, int]:
    """Decide what a payment means for the booking and update it; returns the outcome and refund due."""
    if amount != expected:
        return Outcome.AMOUNT_MISMATCH, amount
    if booking.status == Status.AWAITING_PAYMENT.value:
        # Not yet swept: the place is still this booking's, even if the hold has just lapsed.
        await booking_repo.mark_paid(conn, booking, paid_at, now)
        return Outcome.ACCEPTED, 0
    if booking.status == Status.EXPIRED.value:
        if await _reinstate(conn, booking):
            await booking_repo.mark_paid(conn, booking, paid_at, now)
            return Outcome.REINSTATED, 0
        await booking_repo.owe_refund(conn, booking, amount, now)
        return Outcome.PAID_AFTER_EXPIRY, amount
    await booking_repo.owe_refund(conn, booking, amount, now)
    if booking.status == Status.CANCELLED.value:
        return Outcome.PAID_AFTER_CANCELLATION, amount
    return Outcome.DUPLICATE_PAYMENT, amount


async def _reinstate(conn: Any, booking: Any) -> bool:
    """Give a lapsed booking its session back if a place, its NIK and its contacts are still free."""
    savepoint = await conn.begin_nested()
    seat = await booking_repo.claim_seat(
        conn, booking.office_code, booking.day, booking.starts, booking.category, booking.booking_code
    )
    if seat is None or not await booking_repo.take_hold(
        conn, booking.nik, booking.office_code, booking.booking_code
    ):
        await savepoint.rollback()
        return False
    # The family limit is not applied again: these people had their place before it lapsed.
    for contact in booking_repo.contacts_of(booking.phone, booking.email, booking.address_key):
        await booking_repo.take_contacts(conn, {contact: 1_000_000})
    await booking_repo.set_seat(conn, booking, seat)
    await savepoint.commit()
    return True


async def billed_amount(db: Database, billing_code: str) -> int:
    """The amount a billing code asks for."""
    async with db.read() as conn:
        row = await payments_repo.billing(conn, billing_code)
    if row is None:
        raise NotFound("unknown_billing_code", "Unknown billing code", field="billing_code")
    return int(row.amount)
