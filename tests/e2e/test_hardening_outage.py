"""A database outage (issue 21): with PostgreSQL stopped, the API answers 503 with Retry-After
(JSON), the pages a 503 page in the user's language, /healthz 503 within the connect timeout; the
log says so once, not a traceback per request; when PostgreSQL is back the server recovers by
itself and the booking confirmed before the outage is still there.

The PostgreSQL stopped here is one this test starts itself (initdb into a temporary folder, a free
port, as the `postgres` user since initdb refuses root), never the shared server."""

from __future__ import annotations

import asyncio
import contextlib
import glob
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date

import httpx
import psycopg
import pytest

from loket.clock import FrozenClock
from loket.services.demo import load_demo
from loket.settings import Settings
from loket.store.database import Database
from loket.store.migrate import upgrade
from loket.testing.applicants import applicant
from loket.web.app import create_app

from .test_server import free_port

DAY = date(2017, 12, 29)
LOOKUP = "/api/v1/bookings/lookup"


@dataclass
class OwnPostgres:
    bin: str
    data: str
    port: int

    def _ctl(self, *args: str) -> None:
        command = [f"{self.bin}/pg_ctl", "-D", self.data, *args]
        subprocess.run(_as_postgres(command), check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._ctl("-o", options, "-l", f"{self.data}/log", "-w", "start")

    def stop(self) -> None:
        self._ctl("-m", "fast", "-w", "stop")

    def url(self, db: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{db}"


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[OwnPostgres]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found or not shutil.which("runuser"):
        pytest.skip("no PostgreSQL binaries to start a server of our own")
    folder = tempfile.mkdtemp(prefix="loket-i21-pg-")
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    server = OwnPostgres(os.path.dirname(found[-1]), folder, free_port())
    subprocess.run(
        _as_postgres([f"{server.bin}/initdb", "-D", folder, "-A", "trust", "-U", "postgres"]),
        check=True,
        capture_output=True,
        timeout=120,
    )
    server.start()
    try:
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{server.port}/postgres", autocommit=True) as c:
            c.execute("CREATE DATABASE loket")
        upgrade(server.url("loket"))
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
async def app_client(own_postgres: OwnPostgres, clock: FrozenClock) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url=own_postgres.url("loket"), database_connect_timeout_s=2, rate_limit=False
    )
    db = Database(settings.database_url, pool_size=4, connect_timeout_s=2)
    await load_demo(db, now=clock())
    app = create_app(settings, db=db, clock=clock)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://loket.test") as http:
            yield http
    finally:
        await db.dispose()


async def test_an_outage_is_503_logged_once_and_recovered_from(
    app_client: httpx.AsyncClient, own_postgres: OwnPostgres, caplog: pytest.LogCaptureFixture
) -> None:
    person = applicant(3)
    made = await app_client.post("/api/v1/offices/PLG/bookings", json=person.booking_body(DAY))
    assert made.status_code == 201, made.text
    code = made.json()["booking_code"]
    caplog.set_level(logging.INFO)
    own_postgres.stop()
    try:
        answers = [
            await app_client.get("/api/v1/offices/PLG/availability"),
            await app_client.post("/api/v1/offices/PLG/bookings", json=applicant(4).booking_body(DAY)),
            await app_client.post(LOOKUP, json={"booking_code": code, "nik": person.nik}),
            await app_client.get("/api/v1/offices/PLG/availability"),
        ]
        for answer in answers:
            assert answer.status_code == 503, answer.text[:200]
            assert answer.json()["error"] == "unavailable" and int(answer.headers["retry-after"]) > 0
        page = await app_client.get("/booking/PLG", headers={"accept": "text/html", "accept-language": "id"})
        assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
        assert "tidak tersedia" in page.text and "retry-after" in page.headers
        health = await app_client.get("/healthz")
        assert health.status_code == 503
    finally:
        own_postgres.start()
    said = [r.getMessage() for r in caplog.records]
    assert sum("database unavailable" in m for m in said) == 1, said
    assert not any(r.exc_info for r in caplog.records), "a traceback was logged"
    # Back by itself: the first requests may meet connections of the old server, then it answers.
    for _ in range(20):
        again = await app_client.post(LOOKUP, json={"booking_code": code, "nik": person.nik})
        if again.status_code == 200:
            break
        assert again.status_code == 503
        await asyncio.sleep(0.5)
    assert again.status_code == 200 and again.json()["booking_code"] == code
    assert sum("database reachable again" in r.getMessage() for r in caplog.records) == 1
