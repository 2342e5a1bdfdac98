"""Rate limits counted in the real Redis: one budget however many processes count, the server's
clock, and what happens when Redis is down (bookings fall back to the process, sign-in closes)."""

from __future__ import annotations

from redis.asyncio import Redis

from loket.domain.ratelimit import rules_from
from loket.services.shared_limits import SharedLimiter, open_redis
from loket.settings import Settings, get_settings

from .conftest import closed_port_url

RULES = rules_from({"booking_address": "3/60", "login_address": "2/60"})


def two_processes(settings: Settings) -> tuple[SharedLimiter, SharedLimiter]:
    """Two limiters with their own clients, as two server processes have."""
    return (
        SharedLimiter(open_redis(settings), RULES, settings.redis_prefix),
        SharedLimiter(open_redis(settings), RULES, settings.redis_prefix),
    )


async def test_one_budget_across_processes(shared_settings: Settings) -> None:
    first, second = two_processes(shared_settings)
    answers = [await (first if i % 2 else second).hit("booking_address", "10.0.0.7") for i in range(3)]
    assert answers == [0.0, 0.0, 0.0]
    wait_first = await first.hit("booking_address", "10.0.0.7")
    wait_second = await second.hit("booking_address", "10.0.0.7")
    # The 4th and 5th requests are refused in either process; the wait is one interval (20 s) or so.
    assert 19.0 < wait_first <= 20.0 and 19.0 < wait_second <= 20.0
    assert await first.hit("booking_address", "10.0.0.8") == 0.0  # another address, its own budget
    assert not first.degraded and not second.degraded


async def test_keys_expire_once_the_bucket_is_full_again(shared_settings: Settings) -> None:
    limiter, _ = two_processes(shared_settings)
    await limiter.hit("booking_address", "10.0.0.9")
    client = Redis.from_url(shared_settings.redis_url)
    ttl_ms = await client.pttl(f"{shared_settings.redis_prefix}rl:booking_address:10.0.0.9")
    await client.aclose()
    assert 0 < ttl_ms <= 20_001  # nothing is kept once forgetting it changes nothing


async def test_redis_down_bookings_fall_back_to_the_process() -> None:
    settings = get_settings(redis_url=closed_port_url(), redis_prefix="loket-test:down:")
    limiter = SharedLimiter(open_redis(settings), RULES, settings.redis_prefix)
    answers = [await limiter.hit("booking_address", "10.0.0.7") for _ in range(4)]
    assert answers[:3] == [0.0, 0.0, 0.0] and answers[3] > 19.0  # the local limiter still counts
    assert limiter.degraded


async def test_redis_down_sign_in_fails_closed() -> None:
    settings = get_settings(redis_url=closed_port_url(), redis_prefix="loket-test:down:")
    limiter = SharedLimiter(open_redis(settings), RULES, settings.redis_prefix)
    assert await limiter.hit("login_address", "10.0.0.7") > 0  # the very first attempt waits
    assert await limiter.hit("booking_address", "10.0.0.7") == 0.0
