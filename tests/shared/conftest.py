"""Fixtures for state shared between server processes: the real Redis on 127.0.0.1:6379 (or
LOKET_TEST_REDIS_URL), each test under its own key prefix, whose keys it deletes afterwards. The
shared Redis is never flushed. Without a Redis the tests skip, except with CI=true, where they fail."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from loket.services.catalog import Catalog
from loket.services.fanout import Fanout
from loket.services.floor_bus import BoardBus
from loket.services.shared_limits import open_redis
from loket.settings import Settings, get_settings

REDIS_URL = os.environ.get("LOKET_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def closed_port_url() -> str:
    """A Redis URL nothing listens on (Redis down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture
def redis_prefix() -> str:
    return f"loket-test:{uuid.uuid4().hex[:12]}:"


@pytest.fixture
async def redis_url(redis_prefix: str) -> AsyncIterator[str]:
    """The test Redis's URL once it answers; the test's keys are deleted afterwards."""
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        await client.ping()
    except OSError as exc:  # redis' ConnectionError is an OSError too
        await client.aclose()
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {REDIS_URL} is not reachable: {exc}")
        pytest.skip(f"Redis at {REDIS_URL} is not reachable")
    try:
        yield REDIS_URL
    finally:
        keys = [key async for key in client.scan_iter(match=f"{redis_prefix}*", count=500)]
        if keys:
            await client.delete(*keys)
        await client.aclose()


@pytest.fixture
def shared_settings(redis_url: str, redis_prefix: str) -> Settings:
    return get_settings(redis_url=redis_url, redis_prefix=redis_prefix)


class Process:
    """A server process: its own catalog (offices kept an hour, so only a told change makes it
    forget; staff sessions 60 s), board bus, Redis clients and change listener."""

    def __init__(self, settings: Settings) -> None:
        self.catalog = Catalog(ttl=3600, session_ttl=60)
        self.bus = BoardBus()
        self.fanout = Fanout(
            open_redis(settings),
            open_redis(settings, listening=True),
            settings.redis_prefix,
            self.catalog,
            self.bus,
        )
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.task = asyncio.create_task(self.fanout.run())
        await asyncio.wait_for(self.fanout.connected.wait(), 5)

    async def stop(self) -> None:
        """Stop listening and close the Redis clients (a second stop, as a test that stopped one
        early leaves to the fixture, does nothing)."""
        assert self.task is not None, "stop() before start()"
        if self.task.done():
            return
        self.task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await self.task
        await self.fanout.close()


@pytest.fixture
async def pair(shared_settings: Settings) -> AsyncIterator[tuple[Process, Process]]:
    """Two listening processes on the test's Redis prefix."""
    first, second = Process(shared_settings), Process(shared_settings)
    await first.start()
    await second.start()
    try:
        yield first, second
    finally:
        await first.stop()
        await second.stop()
