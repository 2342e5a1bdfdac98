"""Wakes the display boards of an office after a floor change commits in this process.

Each office has a version counter; a board stream (web/board_bus.py) waits until it changes or
until the poll interval passes, so calls made by other server processes are seen on the next poll
(or at once, when Redis carries them: services/fanout.py).
The floor services wake the boards with `wake_boards` inside their write transaction: the wake
runs after the commit (`store.database.on_commit`) and never for a rolled-back change.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from loket.store.database import Connection, on_commit
from loket.store.fast_write import FastWrite


class BoardBus:
    """Per-office version counters with an event to wait on."""

    def __init__(self) -> None:
        self._versions: dict[str, int] = {}
        self._events: dict[str, asyncio.Event] = {}
        # Told the office after a local change, to tell the other processes (services/fanout.py).
        self.on_notify: Callable[[str], None] | None = None

    def version(self, office_code: str) -> int:
        """How many changes this process has seen on the office's floor."""
        return self._versions.get(office_code, 0)

    def notify(self, office_code: str, *, local: bool = False) -> None:
        """Something on the office's floor changed: wake its boards now (`local`: the change came
        from another process, do not pass it on)."""
        if self.on_notify is not None and not local:
            self.on_notify(office_code)
        self._versions[office_code] = self.version(office_code) + 1
        event = self._events.pop(office_code, None)
        if event is not None:
            event.set()

    def wake_all(self) -> None:
        """Wake every waiting board (changes may have been missed)."""
        for office_code in list(self._events):
            self.notify(office_code, local=True)

    async def wait(self, office_code: str, seen: int, timeout: float) -> None:
        """Return when the version moves past `seen`, or after `timeout` seconds."""
        if self.version(office_code) != seen:
            return
        event = self._events.setdefault(office_code, asyncio.Event())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)


def wake_boards(conn: Connection | FastWrite, bus: BoardBus | None, office_code: str) -> None:
    """Wake the office's boards once the transaction of `conn` commits (no bus: nothing to wake)."""
    if bus is not None:
        on_commit(conn, lambda: bus.notify(office_code))
