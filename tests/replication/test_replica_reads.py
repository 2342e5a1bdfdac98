"""Reads from a replica (LOKET_DATABASE_REPLICA_URL) on a real primary and standby: availability
and the board snapshot are served by the standby while it is within LOKET_REPLICA_MAX_LAG_S, by
the primary when its replay is paused past that bound (pg_wal_replay_pause) and when it is down;
never an error. The booking itself always decides on the primary."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from loket.clock import FrozenClock
from loket.domain.booking import BookingPolicy
from loket.services import booking as booking_service
from loket.services import reports as report_service
from loket.services.catalog import Catalog
from loket.services.demo import load_demo
from loket.settings import Settings
from loket.store.database import Database
from loket.store.replica import Replica
from loket.web.app import create_app

from .conftest import Cluster
from .test_failover import DAY, request_for

POLICY = BookingPolicy(hold_minutes=120, window_days=30, max_people_per_contact=5)
AVAILABILITY = f"/api/v1/offices/PLG/availability?from={DAY}&to={DAY}&category=regular"


async def until(check: Callable[[], Awaitable[bool]], what: str, within_s: float = 60) -> None:
    """Wait for a state of the servers (replay caught up, lag past a bound), not for a time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while not await check():
        assert loop.time() < deadline, what
        await asyncio.sleep(0.1)


async def left_at_eight(http: httpx.AsyncClient) -> int:
    answer = await http.get(AVAILABILITY)
    assert answer.status_code == 200, answer.text
    sessions = answer.json()["days"][0]["sessions"]
    return int(next(s["left"] for s in sessions if s["session"] == "08:00"))


async def test_public_reads_use_a_fresh_replica_and_fall_back_to_the_primary(
    cluster: Cluster, clock: FrozenClock
) -> None:
    url = cluster.migrated()
    db = Database(url, pool_size=4, replica_url=cluster.replica_url("loket"), replica_max_lag_s=60)
    replica = db.replica
    assert isinstance(replica, Replica)
    catalog = Catalog(ttl=0)
    app = create_app(Settings(database_url=url, replica_max_lag_s=60), db=db, clock=clock)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)

    async def book(i: int) -> Any:
        return await booking_service.book_slot(db, catalog, "PLG", request_for(i), policy=POLICY, now=clock())

    async def caught_up() -> bool:
        return await replica.measure_lag() == 0

    try:
        await load_demo(db, now=clock())
        async with httpx.AsyncClient(transport=transport, base_url="http://loket.test") as http:
            await left_at_eight(http)  # opens the day (a write: on the primary)
            await book(1)
            await until(caught_up, "the standby did not apply the booking")
            before = await left_at_eight(http)

            # Replay paused: the standby has the next booking's WAL (it is synchronous) but shows
            # the old count. Within the bound (60 s) it still serves: the answer is the stale one.
            cluster.sql(cluster.standby, "SELECT pg_wal_replay_pause()")
            await book(2)

            async def answered_by_the_standby() -> bool:
                await replica.measure_lag()  # a fresh check: the read may use the replica
                return await left_at_eight(http) == before  # the primary would say before - 1

            await until(answered_by_the_standby, "the standby within its bound served no read")
            board = await http.get("/api/v1/offices/PLG/board")
            assert board.status_code == 200, board.text

            # Past a bound of 0.5 s the same read goes to the primary, which has the booking.
            replica.max_lag_s = 0.5

            async def lagging() -> bool:
                return await replica.measure_lag() > 0.5

            await until(lagging, "the paused standby never counted as lagging")
            assert await left_at_eight(http) == before - 1
            assert (await http.get("/api/v1/offices/PLG/board")).status_code == 200
            report = await report_service.build_service_report(db, "PLG", DAY, DAY, now=clock())
            assert report is not None

            # Replay resumed: the standby catches up and serves again, with the current count.
            cluster.sql(cluster.standby, "SELECT pg_wal_replay_resume()")
            await until(caught_up, "the standby did not catch up after the pause")
            assert await left_at_eight(http) == before - 1

            # The standby gone: reads go to the primary (commits no longer wait for it: the
            # runbook's step for a lost synchronous standby), never a 500.
            cluster.sql(cluster.primary, "ALTER SYSTEM SET synchronous_standby_names = ''")
            cluster.sql(cluster.primary, "SELECT pg_reload_conf()")
            cluster.ctl("standby", "stop", "-m", "immediate")
            await book(3)
            assert await left_at_eight(http) == before - 2
            assert replica.lag_s == math.inf
            assert (await http.get("/api/v1/offices/PLG/board")).status_code == 200
            report = await report_service.build_service_report(db, "PLG", DAY, DAY, now=clock())
            assert report is not None
    finally:
        await asyncio.wait_for(db.dispose(), 30)
