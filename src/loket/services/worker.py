"""`loket worker`: the periodic work no request should wait for."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from loket.clock import Clock, utcnow
from loket.services.catalog import Catalog
from loket.services.expiry import expire_lapsed
from loket.services.quotas import open_days
from loket.settings import Settings
from loket.store import offices_repo
from loket.store.database import Database


async def worker_round(db: Database, catalog: Catalog, settings: Settings, clock: Clock = utcnow) -> dict[str, int]:
    """One round: expire lapsed holds everywhere, open the booking window's days in every office."""
    now = clock()
    expired = await expire_lapsed(db, now)
    opened = 0
    async with db.read() as conn:
        codes = await offices_repo.office_codes(conn)
    for code in codes:
        ctx = await catalog.get(db, code)
        today = ctx.office.local_today(now)
        opened += await open_days(db, ctx, today + timedelta(days=1), today + timedelta(days=settings.booking_window_days))
    return {"expired": expired, "opened": opened}


async def run_worker(
    db: Database, settings: Settings, *, once: bool = False, log: Callable[[str], object] = print,
    clock: Clock = utcnow,
) -> int:
    """Run rounds every `worker_interval_s` seconds until stopped (or once)."""
    catalog = Catalog(ttl=settings.catalog_ttl_s, country=settings.holiday_country)
    rounds = 0
    while True:
        result = await worker_round(db, catalog, settings, clock)
        rounds += 1
        if result["expired"] or result["opened"]:
            log(f"expired {result['expired']} hold(s), opened {result['opened']} day(s)")
        if once:
            return rounds
        await asyncio.sleep(settings.worker_interval_s)
