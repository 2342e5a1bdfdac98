"""Rate limits: the rules and an in-process limiter (GCRA). Pure: the caller passes the time.

GCRA (the generic cell rate algorithm) keeps one number per key, the "theoretical arrival time":
a rule of COUNT requests per SECONDS lets a burst of COUNT through at once, then one request every
SECONDS/COUNT. A check is a dict lookup and a little arithmetic (about a microsecond), so it sits
on the booking hot path without showing. docs/security.md explains the multi-process story.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from loket.domain.errors import TooMany

# Rule name -> "COUNT/SECONDS". *_address rules count per network address, *_identity per NIK,
# booking or entry code, or username. Generous enough for a family behind one phone or a carrier's
# shared address (CGNAT); far below what a bot sends at a release.
DEFAULT_RULES: dict[str, str] = {
    "booking_address": "30/60",
    "booking_identity": "5/60",
    "ballot_address": "30/60",
    "ballot_identity": "5/60",
    "lookup_address": "60/60",
    "lookup_identity": "10/60",
    "login_address": "20/60",
    "login_identity": "10/60",
    "upload_address": "30/60",
    "upload_identity": "12/60",  # per booking: a checklist's files, a few again
}


@dataclass(frozen=True)
class Rule:
    name: str
    count: int
    period_s: float

    @property
    def interval(self) -> float:
        """Seconds one request uses up."""
        return self.period_s / self.count


def parse_rule(name: str, text: str) -> Rule:
    """`COUNT/SECONDS`, e.g. `30/60`; ValueError when it is not."""
    count_text, sep, period_text = str(text).partition("/")
    try:
        count, period = int(count_text), float(period_text)
    except ValueError:
        count, period = 0, 0.0
    if not sep or count < 1 or period <= 0:
        raise ValueError(f"rate limit {name!r} must be COUNT/SECONDS with both positive, not {text!r}")
    return Rule(name, count, period)


def rules_from(overrides: Mapping[str, str]) -> dict[str, Rule]:
    """The default rules with `overrides` applied (unknown rule names are refused)."""
    unknown = set(overrides) - set(DEFAULT_RULES)
    if unknown:
        raise ValueError(f"unknown rate limit rules: {', '.join(sorted(unknown))}")
    merged = {**DEFAULT_RULES, **overrides}
    return {name: parse_rule(name, text) for name, text in merged.items()}


class Limiter:
    """GCRA buckets per (rule, key), kept in memory; full buckets are dropped when it grows."""

    def __init__(self, rules: Mapping[str, Rule], max_keys: int = 200_000) -> None:
        self.rules = dict(rules)
        self.max_keys = max_keys
        self._tat: dict[tuple[str, str], float] = {}

    def hit(self, rule_name: str, key: str, now: float) -> float:
        """Count a request; 0.0 when allowed, else the seconds to wait before the next is allowed."""
        rule = self.rules[rule_name]
        slot = (rule_name, key)
        tat = max(self._tat.get(slot, now), now)
        new_tat = tat + rule.interval
        wait = new_tat - rule.period_s - now
        if wait > 0:
            return wait
        self._tat[slot] = new_tat
        if len(self._tat) > self.max_keys:
            self._prune(now)
        return 0.0

    def _prune(self, now: float) -> None:
        # A key whose arrival time has passed has a full bucket again: forgetting it changes nothing.
        self._tat = {k: v for k, v in self._tat.items() if v > now}

    def __len__(self) -> int:
        return len(self._tat)


def too_many(wait_s: float) -> TooMany:
    """The 429 for a request that must wait `wait_s` seconds (Retry-After rounds up)."""
    seconds = max(1, int(wait_s + 0.999))
    return TooMany(
        "rate_limited",
        "Too many requests: please try again in %(seconds)d seconds",
        field=None,
        extra={"retry_after": seconds},
        seconds=seconds,
    )
