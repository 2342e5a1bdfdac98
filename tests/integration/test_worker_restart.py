"""`loket worker` killed with SIGKILL mid-batch and restarted: nothing lost, nothing applied twice.

The worker is a real subprocess; the gateway a real HTTP server on loopback that checks the
signature and records every request. A message whose send was cut off by the kill is re-sent
after its lease with the same idempotency key, so the gateway applies it once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, select

from loket.clock import FrozenClock
from loket.domain.booking import BookingPolicy
from loket.services import booking as booking_service
from loket.services.catalog import Catalog
from loket.store.database import Database, sync_url
from loket.store.tables import notify_outbox
from loket.testing.applicants import applicant

from .notify_servers import Gateway
from .test_booking import request_for

SECRET = "worker-test-secret"


def _worker(db_url: str, gateway_url: str, cwd: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LOKET_DATABASE_URL": db_url,
        "LOKET_NOTIFY_GATEWAY_URL": gateway_url,
        "LOKET_NOTIFY_GATEWAY_SECRET": SECRET,
        "LOKET_NOTIFY_LEASE_S": "1",
        "LOKET_NOTIFY_BATCH": "5",
        "LOKET_WORKER_INTERVAL_S": "0.2",
        "LOKET_BOOKING_WINDOW_DAYS": "3",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "loket", "worker"],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _rows(db_url: str) -> list:  # type: ignore[type-arg]
    engine = create_engine(sync_url(db_url))
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(notify_outbox).where(notify_outbox.c.channel == "phone")).all())
    finally:
        engine.dispose()


def _wait(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


async def test_worker_killed_mid_batch_loses_nothing_and_applies_nothing_twice(
    demo: Database, db_url: str, clock: FrozenClock, policy: BookingPolicy, tmp_path: Path
) -> None:
    catalog = Catalog(ttl=60)
    for i in range(24):
        person = applicant(300 + i)
        await booking_service.book_slot(
            demo,
            catalog,
            "PLG",
            request_for(_no_email(person)),
            policy=policy,
            now=clock(),
        )
    await demo.dispose()
    gateway = Gateway(secret=SECRET, delay_s=0.05).start()
    try:
        first = _worker(db_url, gateway.url, tmp_path)
        _wait(lambda: len(gateway.requests) >= 8, 60, "the first messages")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        killed_at = len(gateway.requests)
        assert killed_at < len(_rows(db_url)), "the kill came too late to be mid-batch"
        second = _worker(db_url, gateway.url, tmp_path)
        try:
            _wait(lambda: all(r.status == "sent" for r in _rows(db_url)), 90, "every message to be sent")
        finally:
            second.terminate()
            second.wait(timeout=20)
    finally:
        gateway.stop()
    rows = _rows(db_url)
    keys = {r.idempotency_key for r in rows}
    # Every message reached the gateway and was applied exactly once...
    assert set(gateway.applied) == keys and len(rows) >= 24
    # ...and at most the one request in flight at the kill was repeated on the wire.
    assert len(gateway.requests) - len(keys) <= 1
    assert gateway.rejected == 0


def _no_email(person):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    return replace(person, email=None)
