"""Billing codes from the provider: asked for once a booking is made, then retried by the worker.

A booking made with an external provider commits first, without a code, with a
`billing_requests` row in its own transaction (the outbox of the provider). The booking then
asks once, bounded by the provider's timeout; if the provider is slow or down the applicant is
told the code is on its way and the worker asks again with a doubling back-off. A booking is
never shown as payable without its code. Writing the code is one transaction: the code, its
`billings` row, the 'booking made' message (which names the code) and the audit entry.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from loket.domain.booking import Status
from loket.domain.notification import Event
from loket.domain.payment import parse_callback
from loket.notify.events import about_booking_rows
from loket.services.audit import record
from loket.services.billing.http import HttpProvider
from loket.services.billing.local import LocalProvider
from loket.services.billing.provider import (
    BillingOrder,
    BillingProvider,
    IssuedCode,
    ProviderRefused,
    ProviderUnavailable,
)
from loket.services.payments import apply_payment
from loket.settings import Settings
from loket.store import billing_repo, booking_repo, outbox_repo
from loket.store.database import Database

log = logging.getLogger("loket.billing")
FIRST_BACKOFF_S = 5.0


def provider_from(settings: Settings) -> BillingProvider:
    """The provider the settings name (`LOKET_BILLING_PROVIDER`)."""
    if settings.billing_provider == "http":
        return HttpProvider(
            settings.billing_url, settings.billing_secret, timeout_s=settings.billing_timeout_s
        )
    return LocalProvider()


def backoff(attempts: int, most_s: float) -> timedelta:
    """The wait after the `attempts`-th failure: 5 s, 10 s, 20 s ... at most `most_s`."""
    return timedelta(seconds=min(most_s, FIRST_BACKOFF_S * 2 ** max(0, attempts - 1)))


def _order(row: Any) -> BillingOrder:
    # The payer's name only: the NIK is not the billing service's to keep.
    return BillingOrder(row.booking_code, row.office_code, int(row.amount), row.full_name, row.pay_before)


async def fetch_code(
    db: Database,
    provider: BillingProvider,
    office_code: str,
    booking_code: str,
    now: datetime,
    *,
    backoff_max_s: float = 300.0,
) -> str | None:
    """Ask the provider for an awaited code and write it; None while it is awaited (or never will be)."""
    async with db.read() as conn:
        # The request first: a racing attempt writes the code and the request's state in one
        # transaction, so once the state is seen to have moved the code is there to be read too
        # (read the other way round, the booking could be read just before that commit and the
        # request just after: an issued request answered with no code).
        request = await billing_repo.request(conn, office_code, booking_code)
        row = await booking_repo.booking_by_code(conn, office_code, booking_code)
    if row is None or request is None:
        return row.billing_code if row is not None else None
    if row.billing_code is not None or request.state != "pending":
        return row.billing_code
    if row.status != Status.AWAITING_PAYMENT.value:
        async with db.write() as conn:
            await billing_repo.finish(
                conn, office_code, booking_code, "abandoned", now, f"booking {row.status}"
            )
        return None
    try:
        issued = await provider.request_code(_order(row))
    except ProviderUnavailable as exc:
        log.warning("billing code for %s awaited: %s", booking_code, exc)
        async with db.write() as conn:
            retry_at = now + backoff(int(request.attempts) + 1, backoff_max_s)
            await billing_repo.postpone(conn, office_code, booking_code, retry_at=retry_at, error=str(exc))
        return None
    except ProviderRefused as exc:
        log.error("billing code for %s refused: %s", booking_code, exc)
        async with db.write() as conn:
            await billing_repo.finish(conn, office_code, booking_code, "abandoned", now, str(exc))
            await record(
                conn,
                office_code=office_code,
                actor="system",
                action="billing.refused",
                subject=booking_code,
                detail={"error": str(exc)[:200]},
                now=now,
            )
        return None
    return await _store(db, office_code, booking_code, issued, request.locale, now)


async def _store(
    db: Database, office_code: str, booking_code: str, issued: IssuedCode, locale: str, now: datetime
) -> str | None:
    async with db.write() as conn:
        row = await booking_repo.booking_by_code(conn, office_code, booking_code, lock=True)
        assert row is not None
        if row.billing_code is not None:
            return row.billing_code  # written by another attempt
        if row.status != Status.AWAITING_PAYMENT.value:
            # Lapsed while the provider answered: its code expires unpaid at the provider.
            await billing_repo.finish(
                conn, office_code, booking_code, "abandoned", now, f"booking {row.status}"
            )
            return None
        if issued.amount != int(row.amount):
            await billing_repo.finish(
                conn, office_code, booking_code, "abandoned", now, f"provider billed {issued.amount}"
            )
            await record(
                conn,
                office_code=office_code,
                actor="system",
                action="billing.refused",
                subject=booking_code,
                detail={"error": "amount differs", "billed": issued.amount, "amount": int(row.amount)},
                now=now,
            )
            return None
        billing = {
            "billing_code": issued.billing_code,
            "office_code": office_code,
            "booking_code": booking_code,
            "amount": issued.amount,
            "created_at": now,
        }
        await billing_repo.set_code(conn, office_code, booking_code, billing)
        await billing_repo.finish(conn, office_code, booking_code, "issued", now)
        updated = await booking_repo.booking_by_code(conn, office_code, booking_code)
        await outbox_repo.enqueue(conn, about_booking_rows(updated, Event.BOOKING_MADE, locale, now))
        await record(
            conn,
            office_code=office_code,
            actor="system",
            action="billing.issued",
            subject=booking_code,
            detail={"billing_code": issued.billing_code, "amount": issued.amount},
            now=now,
        )
    return issued.billing_code


async def recover_lost_payments(
    db: Database, provider: BillingProvider, now: datetime, *, batch: int = 50
) -> int:
    """Before unpaid holds lapse, ask the provider about their codes: a payment whose notification
    never arrived is applied from the provider's answer (as a notification would be), so a lost
    notification does not cost the applicant the place. Returns the payments recovered."""
    if provider.issues_locally:
        return 0
    async with db.read() as conn:
        lapsing = await billing_repo.issued_unpaid_lapsing(conn, now, batch)
    recovered = 0
    for row in lapsing:
        try:
            status = await provider.status(row.billing_code)
        except (ProviderUnavailable, ProviderRefused) as exc:
            log.warning("status of %s unknown: %s", row.billing_code, exc)
            continue
        if status.status != "paid" or status.paid_at is None or not status.ntpn:
            continue
        callback = parse_callback(
            {
                "billing_code": row.billing_code,
                "amount": status.amount,
                "paid_at": status.paid_at.isoformat(),
                "ntpn": status.ntpn,
                "bank": status.bank or "",
            }
        )
        await apply_payment(db, callback, now=now, catalog=None, actor=f"billing:{provider.name}:status")
        recovered += 1
    return recovered


async def fetch_due(
    db: Database, provider: BillingProvider, now: datetime, *, batch: int = 50, backoff_max_s: float = 300.0
) -> dict[str, int]:
    """The worker's round: ask again for every awaited code whose next attempt is due."""
    async with db.read() as conn:
        due = await billing_repo.due(conn, now, batch)
    issued = waiting = 0
    for request in due:
        code = await fetch_code(
            db, provider, request.office_code, request.booking_code, now, backoff_max_s=backoff_max_s
        )
        if code is not None:
            issued += 1
        else:
            waiting += 1
    return {"billing_issued": issued, "billing_waiting": waiting}
