"""The limits routes apply themselves: the rate limiter (the process's own, or the one every process
shares through Redis: services/shared_limits.py), the per-identity count (a NIK, a booking code, a
username: it needs the parsed request, so the middleware cannot do it) and the staff sign-in
lock-out. The per-address limits are the middleware's (web/middleware.py)."""

from __future__ import annotations

from fastapi import Request

from loket.domain.ratelimit import rules_from, too_many
from loket.services.shared_limits import LocalLimiter, RateLimiter, SharedLimiter, open_redis
from loket.services.staff import LoginGuard
from loket.settings import Settings


def make_limiter(settings: Settings) -> RateLimiter | None:
    """The limiter these settings set: None when LOKET_RATE_LIMIT is off, shared with LOKET_REDIS_URL."""
    if not settings.rate_limit:
        return None
    rules = rules_from(settings.rate_limits)
    if settings.redis_url:
        return SharedLimiter(open_redis(settings), rules, settings.redis_prefix)
    return LocalLimiter(rules)


async def check_rate(request: Request, family: str, identity: str) -> None:
    """Count a request against `family`'s per-identity rule (NIK, code, username); 429 when over."""
    limiter: RateLimiter | None = getattr(request.app.state, "limiter", None)
    if limiter is None or not identity:
        return
    wait = await limiter.hit(f"{family}_identity", identity.strip().lower()[:64])
    if wait:
        raise too_many(wait)


def login_guard(settings: Settings) -> LoginGuard:
    """The sign-in lock-out these settings set."""
    return LoginGuard(settings.login_max_failures, settings.login_lockout_minutes)
