"""`loket worker`: the periodic work no request should wait for.

Each round: lapse unpaid holds, pass lapsed waiting-list offers on, open the booking window's
days, queue reminders, draw closed ballots, deliver the notification outbox (retries with
back-off), purge personal data past retention (hourly) and seal the audit log's new entries.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from loket.clock import Clock, utcnow
from loket.domain.waitlist import WaitlistPolicy
from loket.notify.senders import Senders, senders_from
from loket.services import waitlist
from loket.services.audit import seal_all
from loket.services.ballot_draw import draw_due
from loket.services.billing.codes import fetch_due, provider_from, recover_lost_payments
from loket.services.billing.provider import BillingProvider
from loket.services.catalog import Catalog
from loket.services.delivery import deliver_due
from loket.services.expiry import expire_lapsed
from loket.services.fanout import publisher_for
from loket.services.privacy import purge_personal_data
from loket.services.quotas import open_days
from loket.services.reminders import queue_reminders
from loket.settings import Settings, booking_policy
from loket.store import guard_repo, offices_repo
from loket.store.database import Database


async def worker_round(
    db: Database,
    catalog: Catalog,
    settings: Settings,
    clock: Clock = utcnow,
    senders: Senders | None = None,
    billing: BillingProvider | None = None,
) -> dict[str, int]:
    """One round over every office; returns what it did."""
    now = clock()
    own_billing = billing is None  # made for this round: closed at its end
    billing = billing or provider_from(settings)
    # A payment whose notification was lost is found before its hold lapses.
    recovered = await recover_lost_payments(db, billing, now)
    expired = await expire_lapsed(db, now)
    swept = await waitlist.sweep(db, WaitlistPolicy(settings.waitlist_offer_minutes), now)
    opened = 0
    async with db.read() as conn:
        codes = await offices_repo.office_codes(conn)
    for code in codes:
        ctx = await catalog.get(db, code)
        today = ctx.office.local_today(now)
        opened += await open_days(
            db, ctx, today + timedelta(days=1), today + timedelta(days=settings.booking_window_days)
        )
    queued = await queue_reminders(db, catalog, settings.notify_deadline_near_minutes, now)
    drawn = await draw_due(  # ballots whose window closed
        db, catalog, booking_policy(settings), now, local_codes=billing.issues_locally
    )
    # Awaited billing codes (the winners' too) before the outbox: a code fetched now is told now.
    codes_fetched = await fetch_due(db, billing, now, backoff_max_s=settings.billing_backoff_max_s)
    delivered = await deliver_due(db, catalog, settings, senders or Senders(), clock)
    purged = await _hourly_purge(db, settings, now)
    sealed = await seal_all(db, clock())  # last: the chain takes in this round's own entries too
    if own_billing:
        await billing.close()
    return {
        "expired": expired,
        **codes_fetched,
        "payments_recovered": recovered,
        "opened": opened,
        "offers_passed": swept["passed"],
        "offered": swept["offered"],
        "reminders": queued["deadline_near"] + queued["reminder"],
        **delivered,
        "ballots_drawn": drawn,
        "purged": purged,
        "audit_sealed": sealed,
    }


_last_purge: dict[str, datetime] = {}


async def _hourly_purge(db: Database, settings: Settings, now: datetime) -> int:
    """The retention purge and stale sign-in guards, at most once an hour per database."""
    last = _last_purge.get(db.url)
    if settings.retention_days <= 0 or (last is not None and now - last < timedelta(hours=1)):
        return 0
    _last_purge[db.url] = now
    done = await purge_personal_data(
        db, now, settings.retention_days, documents_dir=Path(settings.documents_dir)
    )
    async with db.write() as conn:
        await guard_repo.forget_old(conn, now - timedelta(days=1))
    return done["bookings"]


async def run_worker(
    db: Database,
    settings: Settings,
    *,
    once: bool = False,
    log: Callable[[str], object] = print,
    clock: Clock = utcnow,
) -> int:
    """Run rounds every `worker_interval_s` seconds until stopped (or once)."""
    catalog = Catalog(ttl=settings.catalog_ttl_s, country=settings.holiday_country)
    # What the worker changes in the catalog (a drawn ballot's release) reaches the servers at once.
    publisher = publisher_for(settings, catalog)
    senders = senders_from(settings)
    billing = provider_from(settings)
    rounds = 0
    try:
        while True:
            result = await worker_round(db, catalog, settings, clock, senders, billing)
            rounds += 1
            done = {k: v for k, v in result.items() if v}
            if done:
                log(", ".join(f"{k} {v}" for k, v in done.items()))
            if once:
                return rounds
            await asyncio.sleep(settings.worker_interval_s)
    finally:
        await senders.close()
        await billing.close()
        if publisher is not None:
            await publisher.close()
