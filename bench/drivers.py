"""The booking statement through psycopg 3 (what Loket runs) and through asyncpg (what the bare
endpoint of bench/hotpaths.py runs): the client's CPU per statement, one connection, no server.

On a fresh database with the demo and a dozen open service days, it builds real bookings through
the domain and the service's row builder (`plan_booking`, `new_booking`, `pg_params`), then runs
`booking_repo.PG_TAKE_PLACE` N times on each driver (each call books a place; nothing is rolled
back) and prints CPU milliseconds of this process per statement, and wall time. The statement,
its parameters and the database work are the same on both: the difference is the driver's own.

    .venv/bin/python bench/drivers.py              # 1,500 statements each
    .venv/bin/python bench/drivers.py --count 3000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hotpaths import PER_DAY, SESSIONS, service_days

from loket.domain.booking import new_billing_code, new_booking_code, plan_booking
from loket.services.booking_rows import new_booking
from loket.services.catalog import Catalog
from loket.settings import Settings, booking_policy
from loket.store import booking_repo
from loket.store.database import Database
from loket.testing.applicants import applicant
from loket.web.api.schemas import BookingCreate
from loket.web.booking_request import booking_request

PG_ADMIN = os.environ.get("LOKET_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def prepare(dsn: str, days: int) -> None:
    env = {**os.environ, "LOKET_DATABASE_URL": dsn.replace("postgresql://", "postgresql+psycopg://", 1)}
    env["LOKET_SECRET_KEY"] = secrets.token_urlsafe(48)

    def loket(*command: str) -> None:
        subprocess.run([sys.executable, "-m", "loket", *command], env=env, check=True, capture_output=True)

    loket("db", "upgrade")
    loket("demo", "load")
    for day in service_days(days):
        loket("quota", "set", "--office", "PLG", "--date", day.isoformat(), "--category", "regular",
              "--capacity", str(PER_DAY))  # fmt: skip


async def statements(dsn: str, count: int, days: int) -> list[dict[str, Any]]:
    """`count` bookings' parameters, each a distinct applicant, built as the service builds them."""
    db = Database(dsn.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        ctx = await Catalog(ttl=600).get(db, "PLG")
    finally:
        await db.dispose()
    policy = booking_policy(Settings(verify_contact=False))
    now = datetime.now(UTC)
    free = service_days(days)
    found = []
    for i in range(count):
        body = applicant(i, seed=21).booking_body(free[i // PER_DAY], session=SESSIONS[i % len(SESSIONS)])
        valid = BookingCreate.model_validate(body)
        plan = plan_booking(
            booking_request(valid.model_dump(), day=valid.date),
            ctx.office,
            ctx.calendar,
            ctx.fees,
            policy,
            now,
        )
        row = new_booking(
            plan,
            new_booking_code("PLG"),
            new_billing_code(),
            now,
            locale="id",
            max_per_contact=5,
            max_per_address=0,
        )
        found.append(booking_repo.pg_params(row))
    return found


def positional(query: str) -> tuple[str, list[str]]:
    """The statement with asyncpg's $n placeholders, and the parameter names in their order."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    return re.sub(r"%\((\w+)\)s", number, query), names


async def measure(dsn: str, count: int, days: int) -> dict[str, dict[str, float]]:
    params = await statements(dsn, 2 * (count + 50), days)
    figures: dict[str, dict[str, float]] = {}
    conn = await psycopg.AsyncConnection.connect(dsn, autocommit=True, prepare_threshold=0)
    try:
        figures["psycopg"] = await timed(
            [lambda p=p: booking_repo._pg_statement(conn, p, wait=False) for p in params[: count + 50]]
        )
    finally:
        await conn.close()
    query, names = positional(booking_repo.PG_TAKE_PLACE_SKIP)
    other = await asyncpg.connect(dsn)
    try:
        statement = await other.prepare(query)
        figures["asyncpg"] = await timed(
            [lambda p=p: statement.fetchrow(*(p[n] for n in names)) for p in params[count + 50 :]]
        )
    finally:
        await other.close()
    return figures


async def timed(calls: list[Any]) -> dict[str, float]:
    for call in calls[:50]:  # warm: the statement prepared, the plan cached
        await call()
    cpu, wall = time.process_time(), time.perf_counter()
    for call in calls[50:]:
        await call()
    n = len(calls) - 50
    return {
        "cpu_ms": 1000 * (time.process_time() - cpu) / n,
        "wall_ms": 1000 * (time.perf_counter() - wall) / n,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=1500, help="statements per driver")
    args = parser.parse_args()
    days = max(1, (4 * (args.count + 50)) // PER_DAY + 1)
    name = f"loket_drivers_{secrets.token_hex(3)}"
    base = PG_ADMIN.rsplit("/", 1)[0]
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        prepare(f"{base}/{name}", days)
        figures = asyncio.run(measure(f"{base}/{name}", args.count, days))
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    for driver, found in figures.items():
        print(f"{driver:8} client CPU {found['cpu_ms']:.3f} ms/statement, wall {found['wall_ms']:.3f} ms")
    print(f"asyncpg / psycopg CPU: {figures['asyncpg']['cpu_ms'] / figures['psycopg']['cpu_ms']:.2f}")


if __name__ == "__main__":
    main()
