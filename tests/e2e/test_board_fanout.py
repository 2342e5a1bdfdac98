"""Many display boards, one snapshot: a change of an office's floor is read from the database once
and the same event reaches every board of the office, over real sockets to a real server."""

from __future__ import annotations

import asyncio
import json
import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import uvicorn

from loket.clock import FrozenClock
from loket.services.board_hub import BoardHub
from loket.settings import Settings
from loket.store.database import Database
from loket.web.app import create_app
from loket.web.csrf import COOKIE as CSRF_COOKIE
from loket.web.csrf import HEADER as CSRF_HEADER

from .conftest import E2E_CSRF
from .floor_fixtures import make_staff, sign_in
from .test_floor_api import booked_and_paid

pytestmark = pytest.mark.usefixtures("fast_hashing")

PLG_BOARDS = 150
DPS_BOARDS = 30
EVENT = re.compile(rb"event: board\ndata: (.*?)\n\n", re.S)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Board:
    """One display board: a raw socket reading the office's event stream."""

    def __init__(self, port: int, office: str) -> None:
        self.port, self.office = port, office
        self.buffer = b""
        self.events: list[dict[str, Any]] = []

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writer.write(
            f"GET /api/v1/offices/{self.office}/board/events HTTP/1.1\r\nHost: loket.test\r\n\r\n".encode()
        )
        await self.writer.drain()

    async def next_event(self) -> dict[str, Any]:
        """The next board event (each is one chunk of the chunked stream: never split by a size line)."""
        while True:
            found = EVENT.search(self.buffer)
            if found:
                self.buffer = self.buffer[found.end() :]
                event: dict[str, Any] = json.loads(found.group(1))
                self.events.append(event)
                return event
            data = await self.reader.read(65536)
            assert data, "the server closed the stream"
            self.buffer += data

    def close(self) -> None:
        self.writer.close()


@asynccontextmanager
async def serving(settings: Settings, demo: Database, clock: FrozenClock) -> AsyncIterator[tuple[int, Any]]:
    port = free_port()
    app = create_app(settings, db=demo, clock=clock)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(400):
            if server.started:
                break
            await asyncio.sleep(0.05)
        assert server.started, "Loket did not start"
        yield port, app
    finally:
        server.should_exit = True
        await task


async def test_one_snapshot_per_office_and_change_reaches_every_board(
    db_url: str, demo: Database, clock: FrozenClock
) -> None:
    # A poll far away: every build the test sees is one the bus asked for.
    settings = Settings(database_url=db_url, rate_limit=False, board_poll_s=60)
    async with serving(settings, demo, clock) as (port, app):
        hub: BoardHub = app.state.board_hub
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            client.cookies.set(CSRF_COOKIE, E2E_CSRF, domain="127.0.0.1")
            client.headers[CSRF_HEADER] = E2E_CSRF
            code, nik = await booked_and_paid(client, demo, 5)
            await make_staff(demo, clock, "budi")
            clock.now = datetime(2017, 12, 29, 0, 50, tzinfo=UTC)
            headers = {"X-CSRF-Token": await sign_in(client, "budi")}
            checked = await client.post(
                "/api/v1/offices/PLG/check-in", json={"booking_code": code, "nik": nik}, headers=headers
            )
            assert checked.status_code == 201, checked.text
            opened = await client.post(
                "/api/v1/offices/PLG/stations/INT1/state", json={"state": "open"}, headers=headers
            )
            assert opened.status_code == 200, opened.text

            boards = [Board(port, "PLG") for _ in range(PLG_BOARDS)] + [
                Board(port, "DPS") for _ in range(DPS_BOARDS)
            ]
            try:
                await asyncio.gather(*(b.open() for b in boards))
                firsts = await asyncio.wait_for(asyncio.gather(*(b.next_event() for b in boards)), 60)
                assert all(f["calls"] == [] for f in firsts)
                assert hub.subscribers("PLG") == PLG_BOARDS and hub.subscribers("DPS") == DPS_BOARDS
                # However many boards connected, each office's snapshot was read once.
                assert (hub.builds("PLG"), hub.builds("DPS")) == (1, 1)

                called = await client.post("/api/v1/offices/PLG/stations/INT1/call-next", headers=headers)
                assert called.status_code == 200 and called.json()["ticket"] == "A-001"
                plg = [b for b in boards if b.office == "PLG"]
                news = await asyncio.wait_for(asyncio.gather(*(b.next_event() for b in plg)), 60)
                assert all(n["calls"][0]["ticket"] == "A-001" for n in news)
                assert len({json.dumps(n, sort_keys=True) for n in news}) == 1  # the same snapshot
                # One change: one more build for its office, none for the other.
                assert (hub.builds("PLG"), hub.builds("DPS")) == (2, 1)
            finally:
                for b in boards:
                    b.close()
            # The boards that went away leave the hub, and the feeds stop.
            for _ in range(200):
                if hub.subscribers("PLG") == hub.subscribers("DPS") == 0:
                    break
                await asyncio.sleep(0.05)
            assert hub.subscribers("PLG") == hub.subscribers("DPS") == 0


async def test_a_slow_board_gets_the_newest_snapshot_not_a_backlog() -> None:
    from loket.services.board_hub import Mailbox

    box = Mailbox()
    for n in range(1000):
        box.put(f"snapshot {n}".encode())
    box.put_if_empty(b": keepalive\n\n")  # never hides a waiting snapshot
    assert await box.get() == b"snapshot 999"
    waiting = asyncio.create_task(box.get())
    await asyncio.sleep(0.05)
    assert not waiting.done()  # nothing left behind it
    box.put_if_empty(b": keepalive\n\n")
    assert await asyncio.wait_for(waiting, 1) == b": keepalive\n\n"
