"""A booking rush, the server killed with SIGKILL half-way, restarted: every booking that got a
201 is there, nothing is oversold, and places, NIK holds and bookings agree."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, select

from loket.domain.calendar import WorkingCalendar
from loket.store.database import sync_url
from loket.store.tables import bookings, nik_holds, places
from loket.testing.applicants import applicant

CAPACITY = 60  # per session: the demo spreads a day over six sessions


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(env: dict[str, str], cwd: Path, port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen([sys.executable, "-m", "loket", "serve", "--port", str(port)], env=env, cwd=cwd,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        assert server.poll() is None and time.monotonic() < deadline, "server did not start"
        time.sleep(0.1)


async def rush(port: int, day: date, kill_after: int, server: subprocess.Popen[bytes]) -> list[str]:
    """Book until `kill_after` bookings succeeded, then SIGKILL the server while requests are in flight."""
    created: list[str] = []
    limits = httpx.Limits(max_connections=16)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=10) as client:

        async def one(i: int) -> None:
            try:
                response = await client.post("/api/v1/offices/PLG/bookings",
                                             json=applicant(i, seed=11).booking_body(day))
            except httpx.HTTPError:
                return  # the server died under this request: no answer, no promise
            if response.status_code == 201:
                created.append(response.json()["booking_code"])
                if len(created) == kill_after:
                    os.kill(server.pid, signal.SIGKILL)

        await asyncio.gather(*(one(i) for i in range(3 * CAPACITY)))
    return created


def test_sigkill_mid_rush_loses_no_confirmed_booking(db_url: str, tmp_path: Path) -> None:
    port = free_port()
    # The rush comes from one address: rate and address limits would answer it, not the database.
    env = {**os.environ, "LOKET_DATABASE_URL": db_url, "LOKET_LOG_LEVEL": "warning",
           "LOKET_SECRET_KEY": "test-server-secret-key-0123456789abcdef",
           "LOKET_RATE_LIMIT": "off", "LOKET_MAX_BOOKINGS_PER_ADDRESS": "0"}
    day = WorkingCalendar().next_service_days(datetime.now(UTC).date() + timedelta(days=2), 1)[0]
    for step in (["demo", "load"],
                 ["quota", "set", "--office", "PLG", "--date", day.isoformat(), "--category", "regular",
                  "--capacity", str(CAPACITY * 6)]):
        done = subprocess.run([sys.executable, "-m", "loket", *step], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    server = start(env, tmp_path, port)
    created = asyncio.run(rush(port, day, CAPACITY // 2, server))
    server.wait(timeout=30)
    assert server.returncode == -signal.SIGKILL
    assert len(created) >= CAPACITY // 2

    # Restart: the server comes back on the same database and finishes selling the session.
    server = start(env, tmp_path, port)
    try:
        more = asyncio.run(rush(port, day, 10 * CAPACITY, server))
    finally:
        server.terminate()
        server.wait(timeout=30)

    engine = create_engine(sync_url(db_url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(bookings.c.booking_code, bookings.c.starts).where(
                bookings.c.day == day, bookings.c.status == "awaiting_payment")).all()
            taken = conn.execute(select(func.count()).select_from(places).where(
                places.c.day == day, places.c.booking_code.isnot(None))).scalar_one()
            holds = conn.execute(select(func.count()).select_from(nik_holds)).scalar_one()
    finally:
        engine.dispose()
    stored = {r.booking_code for r in rows}
    assert set(created) <= stored, "a booking answered 201 is missing after the crash"
    assert set(more) <= stored
    assert len(stored) == CAPACITY  # the session sold out exactly, across the crash
    assert taken == len(stored) == holds
