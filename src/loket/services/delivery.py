"""Delivering the outbox: claim due messages under a lease, send, then mark them.

At least once on the wire, once in effect: a worker killed after sending but before marking
re-sends after the lease with the same idempotency key (the Message-ID of an e-mail, the
`Idempotency-Key` of a gateway request), which the receiving side uses to drop the repeat.
Several workers may run: on PostgreSQL claims skip rows another worker has locked
(`store/outbox_repo.claim_due`). Each claim and each mark is its own short transaction, so
nothing is held open while a message is on the wire.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from loket.clock import Clock
from loket.domain.notification import Delivery, after_failure
from loket.domain.waitlist import WaitlistPolicy
from loket.notify.messages import render
from loket.notify.senders import Senders, retry_policy
from loket.services.catalog import Catalog
from loket.settings import Settings
from loket.store import outbox_repo
from loket.store.database import Database

log = logging.getLogger("loket.notify")


async def claim(db: Database, now: datetime, lease_s: float, batch: int) -> list[Any]:
    """Lease up to `batch` due messages: pending ones, and sending ones whose lease ran out."""
    async with db.write() as conn:
        return await outbox_repo.claim_due(conn, now, now + timedelta(seconds=lease_s), batch)


async def _finish(db: Database, row: Any, values: dict[str, Any]) -> None:
    async with db.write() as conn:
        # Only the holder of this attempt's lease marks it (attempts was raised by our claim).
        await outbox_repo.finish(conn, row, values)


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
                    secret=settings.secret_key,
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
