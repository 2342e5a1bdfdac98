"""Rate limiter benchmark: print what one check costs, assert nothing (timings belong here, not in tests).

  1. checks spread over many keys (the booking rule, 1,750 addresses), the shape of a release rush;
  2. checks on one key (a single bot hammering one bucket);
  3. a table at its size limit, where full buckets are forgotten to make room.

The limiter runs on every POST of the web app (web/security.py); about 1 us a check was measured
when this figure was a test's "under 50 us" assertion.

Run: .venv/bin/python bench/ratelimit.py [--checks N]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from loket.domain.ratelimit import Limiter, parse_rule, rules_from


def per_check(label: str, checks: int, work: Callable[[int], object]) -> float:
    """Run `work(i)` for i in range(checks); print and return the mean time of one call."""
    started = time.perf_counter()
    for i in range(checks):
        work(i)
    each = (time.perf_counter() - started) / checks
    print(f"{label:48} {each * 1e6:8.2f} us a check  ({checks:,} checks)")
    return each


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=200_000, help="checks per case (default 200,000)")
    checks = parser.parse_args().checks

    many = Limiter(rules_from({}))
    per_check(
        "booking_address, 1,750 addresses",
        checks,
        lambda i: many.hit("booking_address", f"10.0.{i % 250}.{i % 7}", float(i)),
    )
    one = Limiter(rules_from({}))
    per_check(
        "booking_address, one address", checks, lambda i: one.hit("booking_address", "10.0.0.1", i / 1000)
    )
    full = Limiter({"r": parse_rule("r", "1/1")}, max_keys=1_000)
    per_check(
        "a full table forgetting buckets (1,000 keys)", checks, lambda i: full.hit("r", str(i), i / 100)
    )


if __name__ == "__main__":
    main()
