"""Changes one server process makes, told to every other one through Redis pub/sub.

Two kinds of change must reach every process at once: the catalog's (a quota, a session, a
closure: `Catalog.forget` / `forget_alternatives`) and the floor's (a number called:
`BoardBus.notify`). Both already run after the commit in the process that wrote; `Fanout` hooks
them and publishes one small message on `<prefix>events`; every other process's listener applies
it locally (its own writes it ignores by origin). Delivery takes milliseconds, so a quota raised
on one process is bookable on another, and a call shows on another process's boards, well within
a second. A command (`loket quota set`, ...) and the worker publish the same messages through
`ChangePublisher` (cli/runner.py, services/worker.py); they listen to nothing.

Redis pub/sub is at-most-once: a message sent while a listener is disconnected is lost. So the
listener, on every (re)connect, forgets the whole catalog and wakes every board, and while Redis
is down the old guarantees hold: the catalog's TTL (LOKET_CATALOG_TTL_S) and the board's poll
(LOKET_BOARD_POLL_S). Staff sessions (`Catalog.forget_sessions`, services/staff_sessions.py) are
kept only while the listener is connected, since a revocation must never be outlived: losing
Redis drops them, and until it is back every request looks its session up. Publishing never fails
a request: the write has committed already.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError

from loket.services.catalog import Catalog
from loket.services.floor_bus import BoardBus
from loket.services.shared_limits import open_redis
from loket.settings import Settings

log = logging.getLogger(__name__)

RECONNECT_S = 1.0


class ChangePublisher:
    """Tells the serving processes this process's catalog (and floor) changes; listens to nobody.

    What a command or the worker uses: `loket quota set` publishes the same message a web process
    does, so every serving process forgets its cached entry at once, not after its catalog TTL."""

    def __init__(self, redis: Redis, prefix: str, catalog: Catalog, bus: BoardBus | None = None) -> None:
        self.redis = redis
        self.channel = f"{prefix}events"
        self.origin = uuid.uuid4().hex
        self.catalog = catalog
        self._pending: set[asyncio.Task[Any]] = set()
        catalog.on_change = self._catalog_changed
        if bus is not None:
            bus.on_notify = self._floor_changed

    def _catalog_changed(self, kind: str, office_code: str | None) -> None:
        self._publish({"k": kind, "office": office_code})

    def _floor_changed(self, office_code: str) -> None:
        self._publish({"k": "board", "office": office_code})

    def _publish(self, event: dict[str, Any]) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (never the case in a server, a command or the worker)
            return
        task = loop.create_task(self._send(orjson.dumps({**event, "o": self.origin})))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _send(self, body: bytes) -> None:
        try:
            await self.redis.publish(self.channel, body)
        except (RedisError, OSError) as exc:
            log.warning("could not publish a change to the other processes (TTL and poll cover it): %s", exc)

    async def close(self) -> None:
        """Let the last publishes finish (briefly: Redis calls time out), then close the client."""
        if self._pending:
            await asyncio.wait(set(self._pending), timeout=1.0)
        with contextlib.suppress(RedisError, OSError):
            await self.redis.aclose()


class Fanout(ChangePublisher):
    """Publishes this process's catalog and floor changes; applies everyone else's."""

    def __init__(
        self, redis: Redis, listen_redis: Redis, prefix: str, catalog: Catalog, bus: BoardBus
    ) -> None:
        super().__init__(redis, prefix, catalog, bus)
        self.listen_redis = listen_redis
        self.bus = bus
        self.connected = asyncio.Event()

    def apply(self, body: bytes) -> None:
        """One message from the channel, applied to this process (its own are skipped)."""
        try:
            event = orjson.loads(body)
        except orjson.JSONDecodeError:
            return
        if not isinstance(event, dict) or event.get("o") == self.origin:
            return
        office = event.get("office")
        kind = event.get("k")
        if kind == "forget":
            self.catalog.forget(office, local=True)
        elif kind == "alternatives" and isinstance(office, str):
            self.catalog.forget_alternatives(office, local=True)
        elif kind == "board" and isinstance(office, str):
            self.bus.notify(office, local=True)
        elif kind == "sessions":
            self.catalog.forget_sessions(local=True)

    def _missed_anything(self) -> None:
        # Messages sent while this listener was away are gone: assume everything changed.
        self.catalog.forget(None, local=True)
        self.bus.wake_all()

    async def close(self) -> None:
        """Let the last publishes finish (briefly), then close both clients."""
        await super().close()
        with contextlib.suppress(RedisError, OSError):
            await self.listen_redis.aclose()

    async def run(self) -> None:
        """Listen until cancelled, reconnecting after a failure."""
        while True:
            pubsub = self.listen_redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                self._missed_anything()
                self.catalog.sessions.trusted = True  # every revocation reaches us from now on
                self.connected.set()
                while True:
                    message = await pubsub.get_message(timeout=5.0)
                    if message is not None and message.get("type") == "message":
                        self.apply(message["data"])
            except (RedisError, OSError) as exc:
                self.connected.clear()
                log.warning("change listener lost Redis, retrying in %.0f s: %s", RECONNECT_S, exc)
                await asyncio.sleep(RECONNECT_S)
            finally:
                # However the listening ended (Redis lost, cancelled, a bug): nothing kept is trusted.
                self.catalog.sessions.trusted = False
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()


def publisher_for(
    settings: Settings, catalog: Catalog, bus: BoardBus | None = None
) -> ChangePublisher | None:
    """The publisher a command or the worker hangs on its catalog (None without LOKET_REDIS_URL)."""
    if not settings.redis_url:
        return None
    return ChangePublisher(open_redis(settings), settings.redis_prefix, catalog, bus)
