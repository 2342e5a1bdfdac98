"""Where the shared rate limits live: the same GCRA check in Redis (one Lua script,
services/shared_limits.py) and in PostgreSQL (one INSERT ... ON CONFLICT DO UPDATE on an UNLOGGED
table), from one process, sequentially (latency) and 64 at a time (throughput), over many keys
(honest applicants) and over one key (a bot hammering from one address: one hot row).

    .venv/bin/python bench/shared_limits.py [--hits 3000]

Uses the Redis at LOKET_TEST_REDIS_URL (default 127.0.0.1:6379) under a throwaway prefix, deleted
afterwards, and a throwaway database on LOKET_TEST_PG_URL's server, dropped afterwards.
Prints figures only; docs/operations.md quotes them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable

import psycopg
from psycopg_pool import AsyncConnectionPool
from redis.asyncio import Redis

from loket.domain.ratelimit import rules_from
from loket.services.shared_limits import SharedLimiter

REDIS_URL = os.environ.get("LOKET_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PG_URL = os.environ.get("LOKET_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
RULES = rules_from({"booking_address": "1000000/60"})  # never refuses: we measure the check itself

PG_GCRA = """
INSERT INTO limits AS l (key, tat) VALUES (%(key)s, %(now)s + %(interval)s)
ON CONFLICT (key) DO UPDATE SET tat = greatest(l.tat, %(now)s) + %(interval)s
WHERE greatest(l.tat, %(now)s) + %(interval)s - %(period)s <= %(now)s
RETURNING tat
"""


async def measure(name: str, hit: Callable[[int], Awaitable[object]], hits: int) -> None:
    latencies = []
    for i in range(hits):
        started = time.perf_counter()
        await hit(i)
        latencies.append(time.perf_counter() - started)
    latencies.sort()
    p50 = statistics.median(latencies) * 1e3
    p99 = latencies[int(len(latencies) * 0.99)] * 1e3
    sem = asyncio.Semaphore(64)

    async def one(i: int) -> None:
        async with sem:
            await hit(i)

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(hits)))
    rate = hits / (time.perf_counter() - started)
    print(f"{name:<34} p50 {p50:6.3f} ms  p99 {p99:6.3f} ms  64 at a time {rate:8.0f} checks/s")


async def main(hits: int) -> None:
    prefix = f"loket-bench:{uuid.uuid4().hex[:8]}:"
    redis = Redis.from_url(REDIS_URL, max_connections=64)
    limiter = SharedLimiter(redis, RULES, prefix)
    await measure("redis, many keys", lambda i: limiter.hit("booking_address", f"10.0.{i % 250}.{i}"), hits)
    await measure("redis, one hot key", lambda i: limiter.hit("booking_address", "10.9.9.9"), hits)
    keys = [key async for key in redis.scan_iter(match=f"{prefix}*", count=1000)]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()

    dbname = f"loket_bench_limits_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{dbname}"')
    url = PG_URL.rsplit("/", 1)[0] + "/" + dbname
    try:
        async with AsyncConnectionPool(url, min_size=64, max_size=64, kwargs={"autocommit": True}) as pool:
            async with pool.connection() as conn:
                await conn.execute("CREATE UNLOGGED TABLE limits (key text PRIMARY KEY, tat bigint NOT NULL)")
            rule = RULES["booking_address"]

            async def pg_hit(key: str) -> None:
                async with pool.connection() as conn:
                    await conn.execute(
                        PG_GCRA,
                        {
                            "key": key,
                            "now": time.time_ns() // 1000,
                            "interval": int(rule.interval * 1e6),
                            "period": int(rule.period_s * 1e6),
                        },
                    )

            await measure("postgresql (unlogged), many keys", lambda i: pg_hit(f"10.0.{i % 250}.{i}"), hits)
            await measure("postgresql (unlogged), one hot key", lambda i: pg_hit("10.9.9.9"), hits)
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hits", type=int, default=3000)
    asyncio.run(main(parser.parse_args().hits))
