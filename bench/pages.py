"""First loads of the supervisor's pages on a real server, cold, as ratios to /healthz.

A fresh database with the demo loaded (`loket db upgrade`, `loket demo load`), a supervisor of
PLG, then `loket serve` started anew for each round so that every cache (catalog, forecasts,
plans) is cold. Each round signs in and loads, in this order, once each: /healthz, the planning
page (its default period), the dashboard and the service report; then the same pages again
(warm). Prints per page the median and max over the rounds, and the ratio of the first load to
the median /healthz of the same run. Targets (issue 12): planning under 1 s, dashboard and
service report under 0.5 s.

    .venv/bin/python bench/pages.py                   # PostgreSQL (LOKET_TEST_PG_URL), 5 rounds
    .venv/bin/python bench/pages.py --db sqlite --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg

from loket.services import staff as staff_service
from loket.store.database import Database

PG_ADMIN = os.environ.get("LOKET_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "Bench-Supervisor-2026!"
PAGES = {
    "planning": "/offices/PLG/planning",
    "dashboard": "/offices/PLG/dashboard",
    "service report": "/offices/PLG/reports/service",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def add_supervisor(url: str) -> None:
    db = Database(url, pool_size=2)
    try:
        await staff_service.create_staff(
            db, office_code="PLG", username="sari", full_name="Sari", password=PASSWORD,
            role="supervisor", now=datetime.now(UTC),
        )
    finally:
        await db.dispose()


def loket(env: dict[str, str], cwd: str, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "loket", *args], env=env, cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL)


def one_round(env: dict[str, str], cwd: str, profile: str | None = None) -> dict[str, list[float]]:
    port = free_port()
    command = [sys.executable, "-m", "loket", "serve", "--port", str(port)]
    if profile:
        # py-spy (bench extra) samples the server from its start: where a cold first load goes.
        spy = str(Path(sys.executable).with_name("py-spy"))
        command = [spy, "record", "-r", "250", "-f", "raw", "-o", profile, "--", *command]
    server = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    times: dict[str, list[float]] = {}
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        with httpx.Client(base_url=base, timeout=120) as client:
            for _ in range(10):  # a loaded machine can make the first sign-in answer 503: again
                signed = client.post("/api/v1/staff/login", json={"username": "sari", "password": PASSWORD})
                if signed.status_code != 503:
                    break
                time.sleep(1)
            assert signed.status_code == 200, signed.text
            for _ in range(5):
                started = time.perf_counter()
                assert client.get("/healthz").status_code == 200
                times.setdefault("/healthz", []).append(time.perf_counter() - started)
            for label in ("first", "again"):
                for name, path in PAGES.items():
                    started = time.perf_counter()
                    page = client.get(path)
                    took = time.perf_counter() - started
                    assert page.status_code == 200, (path, page.status_code, page.text[:300])
                    times.setdefault(f"{name} ({label})", []).append(took)
    finally:
        server.send_signal(signal.SIGINT)  # py-spy writes its file when its child ends
        server.wait(timeout=60)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", metavar="FILE", help="one round under py-spy; raw samples to FILE")
    options = parser.parse_args()
    # Sign-in is not what is measured: cheap password hashing, as the tests use.
    staff_service._hasher = staff_service.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    with tempfile.TemporaryDirectory() as tmp:
        admin = None
        if options.db == "sqlite":
            url = f"sqlite:///{Path(tmp) / 'pages.db'}"
        else:
            admin = psycopg.connect(PG_ADMIN, autocommit=True)
            name = f"loket_pages_{uuid.uuid4().hex[:8]}"
            admin.execute(f'CREATE DATABASE "{name}"')
            url = f"{PG_ADMIN.rsplit('/', 1)[0].replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"
        env = {**os.environ, "LOKET_DATABASE_URL": url, "LOKET_SECRET_KEY": secrets.token_urlsafe(48),
               "LOKET_LOG_LEVEL": "warning", "LOKET_RATE_LIMIT": "off"}
        try:
            loket(env, tmp, "db", "upgrade")
            loket(env, tmp, "demo", "load")
            asyncio.run(add_supervisor(url))
            count = 1 if options.profile else options.rounds
            rounds = [one_round(env, tmp, options.profile) for _ in range(count)]
        finally:
            if admin is not None:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.close()
    merged: dict[str, list[float]] = {}
    for times in rounds:
        for key, values in times.items():
            merged.setdefault(key, []).extend(values)
    health = statistics.median(merged["/healthz"])
    print(f"{options.db}, {options.rounds} rounds, each on a freshly started server (cold caches)")
    print(f"{'page':28} {'median':>9} {'max':>9} {'x /healthz':>11}")
    for key, values in merged.items():
        median = statistics.median(values)
        print(f"{key:28} {median * 1000:7.0f} ms {max(values) * 1000:7.0f} ms {median / health:10.0f}x")


if __name__ == "__main__":
    main()
