"""The display board's live stream (Server-Sent Events), the app's board bus and board hub.

The bus (services/floor_bus.py) is woken by the floor services when a change commits; the hub
(services/board_hub.py) builds one snapshot per office and change and hands it to every stream;
this module gives the routes the app's bus and hub and turns a hub subscription into the stream a
board listens to."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
from fastapi import Request

from loket.services.board_hub import KEEPALIVE_S, BoardHub
from loket.services.floor_bus import BoardBus

__all__ = ["KEEPALIVE_S", "BoardBus", "BoardHub", "board_stream", "bus_of", "hub_of", "sse"]


def bus_of(request: Request) -> BoardBus:
    """The app's board bus (created on first use)."""
    state = request.app.state
    if not hasattr(state, "board_bus"):
        state.board_bus = BoardBus()
    bus: BoardBus = state.board_bus
    return bus


def hub_of(request: Request) -> BoardHub:
    """The app's board hub (web/app.py makes it)."""
    hub: BoardHub = request.app.state.board_hub
    return hub


def sse(event: str, data: Any) -> bytes:
    """One Server-Sent Event: its name and its data as JSON."""
    return b"event: " + event.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


async def board_stream(hub: BoardHub, office_code: str) -> AsyncIterator[bytes]:
    """Server-Sent Events: the office's snapshot whenever it changes (the hub's bytes, shared by
    every board), a comment now and then to keep alive. The board leaves the hub when the stream
    ends (the client went away: Starlette cancels the stream, and this generator is closed)."""
    # Joined here, not in the route: a stream that never starts never subscribes (nor leaks a slot).
    box = await hub.join(office_code)
    try:
        yield b"retry: 2000\n\n"
        while True:
            yield await box.get()
    finally:
        hub.leave(office_code, box)
