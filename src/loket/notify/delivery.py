"""Delivering the outbox: claim due messages under a lease, send, then mark them.

At least once on the wire, once in effect: a worker killed after sending but before marking
re-sends after the lease with the same idempotency key (the Message-ID of an e-mail, the
`Idempotency-Key` of a gateway request), which the receiving side uses to drop the repeat.
Several workers may run: on PostgreSQL claims skip rows another worker has locked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, or_, select, update

from loket.clock import Clock
from loket.domain.notification import Channel, Delivery, RetryPolicy, after_failure
from loket.domain.waitlist import WaitlistPolicy
from loket.notify.email import EmailChannel, SmtpConfig
from loket.notify.gateway import GatewayChannel, GatewayConfig
from loket.notify.messages import render
from loket.services.catalog import Catalog
from loket.settings import Settings
from loket.store.database import Database
from loket.store.tables import notify_outbox

log = logging.getLogger("loket.notify")


class Sender(Protocol):
    async def send(self, to: str, message: Any, key: str) -> None: ...


@dataclass
class Senders:
    """The configured channels; a missing one marks its messages `skipped`."""

    email: Sender | None = None
    phone: Sender | None = None
    closers: list[Any] = field(default_factory=list)

    def for_channel(self, channel: str) -> Sender | None:
        return self.email if channel == Channel.EMAIL.value else self.phone

    async def close(self) -> None:
        for closer in self.closers:
            await closer()


def senders_from(settings: Settings) -> Senders:
    """Channels as the settings configure them."""
    found = Senders()
    if settings.notify_smtp_host:
        found.email = EmailChannel(
            SmtpConfig(
                host=settings.notify_smtp_host,
                port=settings.notify_smtp_port,
                tls=settings.notify_smtp_tls,
                user=settings.notify_smtp_user,
                password=settings.notify_smtp_password,
                sender=settings.notify_email_from,
            )
        )
    if settings.notify_gateway_url:
        gateway = GatewayChannel(
            GatewayConfig(
                settings.notify_gateway_url, settings.notify_gateway_secret, settings.notify_gateway_channel
            )
        )
        found.phone = gateway
        found.closers.append(gateway.close)
    return found


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(settings.notify_max_attempts, settings.notify_backoff_s, settings.notify_backoff_max_s)


async def claim(db: Database, now: datetime, lease_s: float, batch: int) -> list[Any]:
    """Lease up to `batch` due messages: pending ones, and sending ones whose lease ran out."""
    due = and_(
        notify_outbox.c.status.in_([Delivery.PENDING.value, Delivery.SENDING.value]),
        notify_outbox.c.next_attempt_at <= now,
    )
    query = select(notify_outbox).where(due).order_by(notify_outbox.c.next_attempt_at).limit(batch)
    async with db.write() as conn:
        if conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = (await conn.execute(query)).all()
        claimed = []
        for row in rows:
            result = await conn.execute(
                update(notify_outbox)
                .where(
                    notify_outbox.c.office_code == row.office_code,
                    notify_outbox.c.id == row.id,
                    notify_outbox.c.attempts == row.attempts,
                )
                .values(
                    status=Delivery.SENDING.value,
                    attempts=row.attempts + 1,
                    next_attempt_at=now + timedelta(seconds=lease_s),
                )
            )
            if result.rowcount:
                claimed.append(row)
    return claimed


async def _finish(db: Database, row: Any, values: dict[str, Any]) -> None:
    async with db.write() as conn:
        # Only the holder of this attempt's lease marks it (attempts was raised by our claim).
        await conn.execute(
            update(notify_outbox)
            .where(
                notify_outbox.c.office_code == row.office_code,
                notify_outbox.c.id == row.id,
                notify_outbox.c.attempts == row.attempts + 1,
                notify_outbox.c.status == Delivery.SENDING.value,
            )
            .values(**values)
        )


async def deliver_due(
    db: Database, catalog: Catalog, settings: Settings, senders: Senders, clock: Clock
) -> dict[str, int]:
    """Send every due message, batch after batch; returns counts by outcome."""
    counts = {"sent": 0, "failed": 0, "retry": 0, "skipped": 0}
    policy = retry_policy(settings)
    waitlist = WaitlistPolicy(settings.waitlist_offer_minutes)
    while True:
        rows = await claim(db, clock(), settings.notify_lease_s, settings.notify_batch)
        if not rows:
            return counts
        for row in rows:
            sender = senders.for_channel(row.channel)
            if sender is None:
                await _finish(
                    db, row, {"status": Delivery.SKIPPED.value, "last_error": "channel not configured"}
                )
                counts["skipped"] += 1
                continue
            try:
                office = (await catalog.get(db, row.office_code)).office
                message = render(
                    row.event,
                    dict(row.params),
                    office,
                    row.locale,
                    public_url=settings.public_url,
                    policy=waitlist,
                )
                await sender.send(row.recipient, message, row.idempotency_key)
            except Exception as exc:
                status, at = after_failure(row.attempts + 1, clock(), policy)
                log.warning("message %s failed (attempt %d): %s", row.idempotency_key, row.attempts + 1, exc)
                await _finish(
                    db, row, {"status": status.value, "next_attempt_at": at, "last_error": str(exc)[:500]}
                )
                counts["failed" if status is Delivery.FAILED else "retry"] += 1
                continue
            await _finish(db, row, {"status": Delivery.SENT.value, "sent_at": clock(), "last_error": None})
            counts["sent"] += 1
        if len(rows) < settings.notify_batch:
            return counts


def pending_filter() -> Any:
    """Messages still to send (for counts and tests)."""
    return or_(
        notify_outbox.c.status == Delivery.PENDING.value, notify_outbox.c.status == Delivery.SENDING.value
    )
