"""A small, fast HTTP/1.1 load generator on asyncio streams (keep-alive, one request in flight per
connection), so that the client spends as little of the machine's two cores as possible."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass
class Result:
    status: int
    latency_s: float
    done_at: float
    body: bytes


@dataclass
class Run:
    results: list[Result] = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0

    def by_status(self, status: int) -> list[Result]:
        return [r for r in self.results if r.status == status]


def percentile(values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def request_bytes(method: str, path: str, host: str, body: bytes | None = None) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nAccept-Language: id\r\n"
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return (head + "\r\n").encode() + (body or b"")


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = 0
    for line in lines[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:].strip())
    return status, (await reader.readexactly(length)) if length else b""


async def run_load(
    host: str,
    port: int,
    requests: Sequence[bytes],
    connections: int,
    keep_body: Callable[[int], bool] = lambda status: False,
) -> Run:
    """Send every request once over `connections` keep-alive connections; record status and latency."""
    run = Run()
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for req in requests:
        queue.put_nowait(req)

    async def client() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while True:
                try:
                    req = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                start = time.perf_counter()
                writer.write(req)
                status, body = await _read_response(reader)
                end = time.perf_counter()
                run.results.append(Result(status, end - start, end, body if keep_body(status) else b""))
        finally:
            writer.close()

    run.started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(connections)))
    run.finished = time.perf_counter()
    return run
