"""The limits routes apply themselves: the process's rate limiter, the per-identity count (a NIK, a
booking code, a username: it needs the parsed request, so the middleware cannot do it) and the
staff sign-in lock-out. The per-address limits are the middleware's (web/middleware.py)."""

from __future__ import annotations

import time

from fastapi import Request

from loket.domain.ratelimit import Limiter, rules_from, too_many
from loket.services.staff import LoginGuard
from loket.settings import Settings


def make_limiter(settings: Settings) -> Limiter | None:
    """The process's limiter, or None when LOKET_RATE_LIMIT is off."""
    return Limiter(rules_from(settings.rate_limits)) if settings.rate_limit else None


def check_rate(request: Request, family: str, identity: str) -> None:
    """Count a request against `family`'s per-identity rule (NIK, code, username); 429 when over."""
    limiter: Limiter | None = getattr(request.app.state, "limiter", None)
    if limiter is None or not identity:
        return
    wait = limiter.hit(f"{family}_identity", identity.strip().lower()[:64], time.monotonic())
    if wait:
        raise too_many(wait)


def login_guard(settings: Settings) -> LoginGuard:
    """The sign-in lock-out these settings set."""
    return LoginGuard(settings.login_max_failures, settings.login_lockout_minutes)
