"""Wakes the display boards of an office when this process calls a number.

Each office has a version counter; a board stream waits until it changes or until the poll
interval passes (calls made by other server processes are seen on the next poll)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
from fastapi import Request

from loket.clock import Clock
from loket.services import floor_views
from loket.store.database import Database

KEEPALIVE_S = 15.0


def bus_of(request: Request) -> BoardBus:
    """The app's board bus (created on first use)."""
    state = request.app.state
    if not hasattr(state, "board_bus"):
        state.board_bus = BoardBus()
    bus: BoardBus = state.board_bus
    return bus


class BoardBus:
    """Per-office version counters with an event to wait on."""

    def __init__(self) -> None:
        self._versions: dict[str, int] = {}
        self._events: dict[str, asyncio.Event] = {}

    def version(self, office_code: str) -> int:
        return self._versions.get(office_code, 0)

    def notify(self, office_code: str) -> None:
        """Something on the office's floor changed: wake its boards now."""
        self._versions[office_code] = self.version(office_code) + 1
        event = self._events.pop(office_code, None)
        if event is not None:
            event.set()

    async def wait(self, office_code: str, seen: int, timeout: float) -> None:
        """Return when the version moves past `seen`, or after `timeout` seconds."""
        if self.version(office_code) != seen:
            return
        event = self._events.setdefault(office_code, asyncio.Event())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)


def sse(event: str, data: Any) -> bytes:
    return b"event: " + event.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


async def board_stream(
    request: Request, db: Database, bus: BoardBus, clock: Clock, office_code: str, poll_s: float
) -> AsyncIterator[bytes]:
    """Server-Sent Events: the board snapshot whenever it changes, a comment now and then to keep alive."""
    last: bytes | None = None
    quiet_since = time.monotonic()
    yield b"retry: 2000\n\n"
    while not await request.is_disconnected():
        seen = bus.version(office_code)
        snapshot = await floor_views.board(db, office_code, clock())
        body = orjson.dumps(snapshot)
        if body != last:
            last = body
            quiet_since = time.monotonic()
            yield b"event: board\ndata: " + body + b"\n\n"
        elif time.monotonic() - quiet_since >= KEEPALIVE_S:
            quiet_since = time.monotonic()
            yield b": keepalive\n\n"
        await bus.wait(office_code, seen, poll_s)
