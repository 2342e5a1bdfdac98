"""One board snapshot per office and change, fanned out to every display board of the process.

Every board stream used to build its own snapshot on every wake and every poll, so 500 TVs made
500 database reads a second and took the server's CPU. Now each office with a board connected has
one feed task here: it waits on the board bus (services/floor_bus.py: a local change, or another
process's through Redis), or the poll interval for what no bus carried, builds the snapshot once
with the one builder function (`build`), and hands the same bytes to every subscriber. A
subscriber's slot holds only the newest message, so a slow board skips to the latest snapshot
instead of piling up a backlog. The feed stops when its last board leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import orjson

from loket.services.floor_bus import BoardBus

log = logging.getLogger(__name__)

KEEPALIVE_S = 15.0
KEEPALIVE = b": keepalive\n\n"

# (office_code, now) -> the board snapshot (services/floor_views.board on some database).
SnapshotBuilder = Callable[[str, datetime], Awaitable[dict[str, Any]]]

__all__ = ["KEEPALIVE", "KEEPALIVE_S", "BoardHub", "Mailbox", "SnapshotBuilder", "board_event"]


def board_event(snapshot: dict[str, Any]) -> bytes:
    """The snapshot as one Server-Sent Event named `board`."""
    return b"event: board\ndata: " + orjson.dumps(snapshot) + b"\n\n"


def _floor_part(snapshot: dict[str, Any]) -> bytes:
    # The server's time moves on every build: only a change of the floor is a new snapshot.
    return orjson.dumps({k: v for k, v in snapshot.items() if k != "now"})


class Mailbox:
    """One stream's slot: only the newest message waits for it."""

    def __init__(self) -> None:
        self._item: bytes | None = None
        self._ready = asyncio.Event()

    def put(self, item: bytes) -> None:
        """Replace whatever has not been read yet: a board wants the latest floor, not the history."""
        self._item = item
        self._ready.set()

    def put_if_empty(self, item: bytes) -> None:
        """Put `item` unless a message is already waiting (a keepalive never hides a snapshot)."""
        if self._item is None:
            self.put(item)

    async def get(self) -> bytes:
        """The newest message, once there is one."""
        await self._ready.wait()
        self._ready.clear()
        item, self._item = self._item, None
        assert item is not None
        return item


class _Feed:
    def __init__(self, office_code: str) -> None:
        self.office_code = office_code
        self.boxes: set[Mailbox] = set()
        self.snapshot: dict[str, Any] | None = None
        self.floor: bytes | None = None
        self.event = b""
        self.seen = 0
        self.built_at = 0.0
        self.first = asyncio.Lock()
        self.task: asyncio.Task[None] | None = None


class BoardHub:
    """The feeds of this process: one task and one snapshot build per office and change."""

    def __init__(
        self, bus: BoardBus, build: SnapshotBuilder, clock: Callable[[], datetime], poll_s: float
    ) -> None:
        self.bus = bus
        self.build = build
        self.clock = clock
        self.poll_s = poll_s
        self._feeds: dict[str, _Feed] = {}
        self._builds: dict[str, int] = {}

    def builds(self, office_code: str) -> int:
        """How many snapshots of the office this process has built (for the tests and benchmarks)."""
        return self._builds.get(office_code, 0)

    def subscribers(self, office_code: str) -> int:
        """How many boards of the office are connected to this process."""
        feed = self._feeds.get(office_code)
        return len(feed.boxes) if feed is not None else 0

    async def _refresh(self, feed: _Feed) -> bool:
        """Build the office's snapshot once; True when the floor changed since the last one."""
        feed.seen = self.bus.version(feed.office_code)
        snapshot = await self.build(feed.office_code, self.clock())
        self._builds[feed.office_code] = self.builds(feed.office_code) + 1
        floor = _floor_part(snapshot)
        feed.snapshot, feed.built_at = snapshot, time.monotonic()
        if floor == feed.floor:
            return False
        feed.floor, feed.event = floor, board_event(snapshot)
        return True

    async def prepare(self, office_code: str) -> None:
        """Make sure the office has a feed with a current snapshot. An unknown office raises the
        builder's NotFound (the route answers 404 before its stream starts)."""
        feed = self._feeds.get(office_code)
        if feed is None:
            feed = self._feeds[office_code] = _Feed(office_code)
        # However many boards connect at once, the snapshot is built once. A feed whose task runs
        # is current; one without (prepared, nobody joined yet) is rebuilt once it is a poll old.
        async with feed.first:
            running = feed.task is not None and not feed.task.done()
            if feed.snapshot is None or (not running and time.monotonic() - feed.built_at > self.poll_s):
                try:
                    await self._refresh(feed)
                except BaseException:
                    if not feed.boxes and self._feeds.get(office_code) is feed:
                        del self._feeds[office_code]
                    raise

    async def join(self, office_code: str) -> Mailbox:
        """Subscribe a board: its slot holds the current snapshot at once."""
        await self.prepare(office_code)
        feed = self._feeds[office_code]
        box = Mailbox()
        # A newcomer's clock follows the server's now (board.js sets its skew from it), so its first
        # event carries the time of joining, not of the last build.
        assert feed.snapshot is not None
        box.put(board_event({**feed.snapshot, "now": self.clock().isoformat()}))
        feed.boxes.add(box)
        if feed.task is None or feed.task.done():
            feed.task = asyncio.create_task(self._run(feed))
        return box

    def leave(self, office_code: str, box: Mailbox) -> None:
        """Unsubscribe a board; the office's feed stops with its last board."""
        feed = self._feeds.get(office_code)
        if feed is None or box not in feed.boxes:  # a box of a feed that has stopped already
            return
        feed.boxes.discard(box)
        if not feed.boxes:
            del self._feeds[office_code]
            if feed.task is not None:
                feed.task.cancel()

    async def _run(self, feed: _Feed) -> None:
        quiet_since = time.monotonic()
        while True:
            await self.bus.wait(feed.office_code, feed.seen, self.poll_s)
            try:
                changed = await self._refresh(feed)
            except Exception as exc:  # an outage: the boards keep their last snapshot, the next poll retries
                log.warning("board snapshot of %s failed: %s", feed.office_code, exc)
                await asyncio.sleep(self.poll_s)
                continue
            if changed:
                quiet_since = time.monotonic()
                for box in feed.boxes:
                    box.put(feed.event)
            elif time.monotonic() - quiet_since >= KEEPALIVE_S:
                quiet_since = time.monotonic()
                for box in feed.boxes:
                    box.put_if_empty(KEEPALIVE)

    async def close(self) -> None:
        """Stop every feed (at shutdown)."""
        tasks = [f.task for f in self._feeds.values() if f.task is not None]
        self._feeds.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
