"""Statements, wall time and CPU of one call-next and one finished stage, in process (no HTTP).

The office of bench/floor.py (8 intake counters, applicants booked, paid and checked in through the
real services) on a fresh database; one officer calls and finishes `--calls` times in a row, and
each statement the engine sends is counted (a `before_cursor_execute` listener), and each one a
fast write sends on the driver (store/fast_write.py); BEGIN and COMMIT are two more round trips
per transaction. Prints the medians and the statements of the last call.

    .venv/bin/python bench/floor_statements.py                     # PostgreSQL
    .venv/bin/python bench/floor_statements.py --portable          # PostgreSQL, the portable steps
    .venv/bin/python bench/floor_statements.py --db sqlite
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent))
from floor import bench_database

from loket.domain.calling import FloorPolicy
from loket.services import floor, stations
from loket.services.catalog import Catalog
from loket.store.database import Database
from loket.store.fast_write import FastWrite


async def measure(url: str, calls: int, portable: bool) -> None:
    db = Database(url, portable=portable)
    catalog = Catalog(ttl=60)
    sent: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        sent.append(" ".join(statement.split()))

    event.listen(db.engine.sync_engine, "before_cursor_execute", seen)
    # A fast write (store/fast_write.py) sends its statements on the driver: counted the same way.
    rows = FastWrite.rows

    async def counted(self: FastWrite, sql: str, params: dict[str, Any]) -> list[Any]:
        seen(None, None, sql)
        return await rows(self, sql, params)

    FastWrite.rows = counted  # type: ignore[method-assign]
    policy = FloorPolicy()
    await stations.set_station_state(db, "BEN", "INT1", "open", officer="officer1", now=datetime.now(UTC))
    figures: list[tuple[int, float, float, int, float, float]] = []
    last: list[str] = []
    for _ in range(calls):
        sent.clear()
        t0, c0 = time.perf_counter(), time.process_time()
        called = await floor.call_next(
            db, "BEN", "INT1", officer="officer1", now=datetime.now(UTC), catalog=catalog, policy=policy
        )
        t1, c1 = time.perf_counter(), time.process_time()
        assert called is not None, "more calls than applicants"
        last, call_statements = list(sent), len(sent)
        sent.clear()
        await floor.complete_stage(
            db,
            "BEN",
            "INT1",
            "done",
            officer="officer1",
            policy=policy,
            now=datetime.now(UTC),
            catalog=catalog,
        )
        t2, c2 = time.perf_counter(), time.process_time()
        figures.append((call_statements, t1 - t0, c1 - c0, len(sent), t2 - t1, c2 - c1))
    await db.dispose()
    warm = figures[3:]  # the first calls prepare statements and fill caches

    def median(i: int) -> float:
        return statistics.median(f[i] for f in warm)

    for name, at in (("call-next", 0), ("finish", 3)):
        print(
            f"{name}: {median(at):.0f} statements, {median(at + 1) * 1000:.2f} ms wall,"
            f" {median(at + 2) * 1000:.2f} ms CPU (medians of {len(warm)})"
        )
    print("statements of the last call-next:")
    for statement in last:
        print("  ", statement[:120])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--calls", type=int, default=60)
    parser.add_argument("--portable", action="store_true", help="PostgreSQL: the portable steps")
    args = parser.parse_args()
    with bench_database(args.db, args.calls + 10) as (url, _tmp):
        asyncio.run(measure(url, args.calls, args.portable))


if __name__ == "__main__":
    main()
