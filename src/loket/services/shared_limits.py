"""Rate limits every server process shares: the GCRA of domain/ratelimit.py, kept in Redis.

One Lua script per check reads and moves the key's "theoretical arrival time" atomically on the
Redis server, with the server's clock, so N processes on M hosts count one budget per address or
identity instead of N x M (docs/operations.md says why Redis rather than PostgreSQL: measured).

Redis down is a documented, bounded degradation, never a 500 (docs/operations.md):
- bookings, ballot entries and look-ups fall back to the process's own in-memory limiter (the
  limit is as loose as the number of processes, the database still enforces the places, the
  per-contact and per-address booking caps);
- sign-in fails closed: a 429 with Retry-After until Redis answers again, because a brute-force
  guess should not gain N attempts by knocking Redis over.
After a failure Redis is not asked again for `retry_s` seconds, so an outage costs one timeout,
not one per request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from loket.domain.ratelimit import Limiter, Rule
from loket.settings import Settings

log = logging.getLogger(__name__)

# KEYS[1]: the bucket; ARGV: interval and period in microseconds. Returns the wait in microseconds
# (0: allowed). The server's TIME makes every process agree on "now".
GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local wait = new_tat - period - now
if wait > 0 then return wait end
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil((new_tat - now) / 1000) + 1)
return 0
"""

# Rule families that refuse rather than fall back while the shared store is down.
FAIL_CLOSED = ("login_",)
CLOSED_WAIT_S = 5.0


class RateLimiter(Protocol):
    """What the middleware and the routes count requests with."""

    async def hit(self, rule_name: str, key: str) -> float:
        """0.0 when allowed, else the seconds to wait."""
        ...


class LocalLimiter:
    """The process's own limiter (one process, or the fallback): the domain GCRA on the monotonic clock."""

    def __init__(self, rules: Mapping[str, Rule]) -> None:
        self.rules = dict(rules)
        self._limiter = Limiter(self.rules)

    async def hit(self, rule_name: str, key: str) -> float:
        return self._limiter.hit(rule_name, key, time.monotonic())


class SharedLimiter:
    """GCRA in Redis under `prefix`; the local limiter when Redis cannot be reached."""

    def __init__(self, redis: Redis, rules: Mapping[str, Rule], prefix: str, retry_s: float = 2.0) -> None:
        self.redis = redis
        self.rules = dict(rules)
        self.prefix = prefix
        self.retry_s = retry_s
        self.local = LocalLimiter(self.rules)
        self.down_until = 0.0
        self._script = redis.register_script(GCRA)

    @property
    def degraded(self) -> bool:
        """True while the last attempt to reach Redis failed (and it is not asked again yet)."""
        return time.monotonic() < self.down_until

    async def hit(self, rule_name: str, key: str) -> float:
        rule = self.rules[rule_name]
        if not self.degraded:
            try:
                wait_us = await self._script(
                    keys=[f"{self.prefix}rl:{rule_name}:{key}"],
                    args=[int(rule.interval * 1e6), int(rule.period_s * 1e6)],
                )
                return int(wait_us) / 1e6
            except (RedisError, OSError) as exc:
                log.warning("shared rate limits unavailable, degraded for %.0f s: %s", self.retry_s, exc)
                self.down_until = time.monotonic() + self.retry_s
        if rule_name.startswith(FAIL_CLOSED):
            return CLOSED_WAIT_S
        return await self.local.hit(rule_name, key)


def open_redis(settings: Settings, *, listening: bool = False) -> Redis:
    """A client of LOKET_REDIS_URL; it connects on first use. `listening`: for pub/sub, which waits
    on a quiet socket by design, so without the per-call timeout."""
    timeout = settings.redis_timeout_s
    return Redis.from_url(
        settings.redis_url,
        socket_connect_timeout=timeout,
        socket_timeout=None if listening else timeout,
        health_check_interval=15 if listening else 0,
    )
