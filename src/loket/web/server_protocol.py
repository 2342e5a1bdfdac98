"""The HTTP protocol `loket serve` runs (issues 21 and 12): uvicorn's httptools protocol (the llhttp
parser, in C) with two bounds on the request head that uvicorn leaves out.

- Size: a head (request line and headers) longer than `LOKET_MAX_HEADER_BYTES` is refused with
  `431` and the connection closed, so a 50 MB header or 100k headers cost at most that much plus
  one read of the socket. llhttp itself does not bound the head.
- Time: a client that has not sent a complete head `LOKET_HEADER_TIMEOUT_S` seconds after
  connecting, or after it started its next request on a kept-alive connection, is disconnected
  (slowloris: a few hundred such sockets would hold a worker's connections). uvicorn closes idle
  keep-alive connections itself (`timeout_keep_alive`).

It replaced uvicorn's h11 protocol (pure Python) when the booking rush was profiled: h11 spent
about a tenth of the server's CPU per request (docs/performance.md)."""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from loket.settings import get_settings

REFUSED_HEAD = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: text/plain; charset=utf-8\r\ncontent-length: 27\r\nconnection: close\r\n\r\n"
    b"Request head is too large.\n"
)


class HeadLimitProtocol(HttpToolsProtocol):
    """httptools with a size bound and a deadline on each request head."""

    # Read from the settings in each server process (workers are separate processes).
    head_timeout_s: float | None = None
    max_head_bytes: int = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if HeadLimitProtocol.head_timeout_s is None:
            settings = get_settings()
            HeadLimitProtocol.max_head_bytes = settings.max_header_bytes
            HeadLimitProtocol.head_timeout_s = settings.header_timeout_s
        self._head_deadline: asyncio.TimerHandle | None = None
        self._in_head = True  # between the first byte of a request and the end of its headers
        self._head_bytes = 0  # bytes read while inside the head (whole reads)
        self._parsed_head = 0  # bytes of the request line and headers parsed so far

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        # Still inside one head after this read, and already past the bound: refuse it (a read
        # that completes the head is checked header by header in on_header).
        if self._in_head and self._head_bytes > self.max_head_bytes:
            self._refuse()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._head_bytes = self._parsed_head = 0
        if self._head_deadline is None:
            self._arm()  # the next request of a kept-alive connection has started

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _count(self, size: int) -> None:
        self._parsed_head += size
        if self._parsed_head > self.max_head_bytes:
            # Raised inside the parser's callback: httptools stops, uvicorn answers 400 and closes.
            raise ValueError("request head too large")

    def _refuse(self) -> None:
        self._in_head = False
        self._disarm()
        if not self.transport.is_closing():
            self.transport.write(REFUSED_HEAD)
            self.transport.close()

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
        if self._in_head and not self.transport.is_closing():
            self.transport.close()
