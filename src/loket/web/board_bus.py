"""The display board's live stream (Server-Sent Events) and the app's board bus.

The bus itself (services/floor_bus.py) is woken by the floor services when a change commits; this
module hands the app's one bus to the routes and turns it into the stream a board listens to."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
from fastapi import Request

from loket.clock import Clock
from loket.services import floor_views
from loket.services.floor_bus import BoardBus
from loket.store.database import Database

KEEPALIVE_S = 15.0

__all__ = ["KEEPALIVE_S", "BoardBus", "board_stream", "bus_of", "sse"]


def bus_of(request: Request) -> BoardBus:
    """The app's board bus (created on first use)."""
    state = request.app.state
    if not hasattr(state, "board_bus"):
        state.board_bus = BoardBus()
    bus: BoardBus = state.board_bus
    return bus


def sse(event: str, data: Any) -> bytes:
    """One Server-Sent Event: its name and its data as JSON."""
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
        # The server's time moves on every poll: only a change of the floor is a new snapshot.
        body = orjson.dumps({k: v for k, v in snapshot.items() if k != "now"})
        if body != last:
            last = body
            quiet_since = time.monotonic()
            yield b"event: board\ndata: " + orjson.dumps(snapshot) + b"\n\n"
        elif time.monotonic() - quiet_since >= KEEPALIVE_S:
            quiet_since = time.monotonic()
            yield b": keepalive\n\n"
        await bus.wait(office_code, seen, poll_s)
