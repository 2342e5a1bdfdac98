"""The HTTP protocol `loket serve` runs (issue 21): uvicorn's h11 protocol with a deadline for the
request head. uvicorn closes idle keep-alive connections but lets a client take forever to send a
request line and headers (slowloris: a few hundred such sockets hold a worker's connections).
Here a client that has not sent a complete head `LOKET_HEADER_TIMEOUT_S` seconds after connecting,
or after it started the next request on a kept-alive connection, is disconnected. The head's size
(and so the number of headers) is bounded by h11's `max_incomplete_event_size`, set from
`LOKET_MAX_HEADER_BYTES` in `cli/serve.py`."""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from loket.settings import get_settings


class HeadTimeoutH11Protocol(H11Protocol):
    """h11 with a deadline on each request head."""

    # Read from the settings in each server process (workers are separate processes).
    head_timeout_s: float | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if HeadTimeoutH11Protocol.head_timeout_s is None:
            HeadTimeoutH11Protocol.head_timeout_s = get_settings().header_timeout_s
        self._head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._head_deadline is None and self.conn.their_state is h11.IDLE:
            self._arm()  # the next request of a kept-alive connection has started
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        assert self.head_timeout_s is not None
        self._head_deadline = self.loop.call_later(self.head_timeout_s, self._head_too_slow)

    def _disarm(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()
