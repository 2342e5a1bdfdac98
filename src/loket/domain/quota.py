"""Quota arithmetic: spreading a day's capacity over its sessions."""

from __future__ import annotations

from collections.abc import Sequence

from loket.domain.errors import Conflict, invalid

MAX_DAILY_CAPACITY = 5_000


def spread(capacity: int, sessions: int) -> list[int]:
    """Split `capacity` as evenly as possible; earlier sessions get the remainder."""
    if sessions <= 0:
        return []
    base, extra = divmod(capacity, sessions)
    return [base + (1 if i < extra else 0) for i in range(sessions)]


def check_capacity(capacity: int, field: str = "capacity") -> int:
    if isinstance(capacity, bool) or not isinstance(capacity, int):
        raise invalid(field, "capacity_invalid", "Capacity is a whole number")
    if not 0 <= capacity <= MAX_DAILY_CAPACITY:
        raise invalid(
            field, "capacity_range", "Capacity must be between 0 and %(max)d", max=MAX_DAILY_CAPACITY
        )
    return capacity


def allocate(capacity: int, booked: Sequence[int]) -> list[int]:
    """Per-session capacities summing to `capacity`, close to an even spread, never below `booked`."""
    total_booked = sum(booked)
    if capacity < total_booked:
        raise Conflict(
            "capacity_below_booked",
            "Capacity %(capacity)d is below the %(booked)d places already booked",
            field="capacity",
            capacity=capacity,
            booked=total_booked,
        )
    target = spread(capacity, len(booked))
    alloc = [max(t, b) for t, b in zip(target, booked, strict=True)]
    excess = sum(alloc) - capacity
    # Take the excess back from the latest sessions that are above their bookings.
    for i in reversed(range(len(alloc))):
        if excess <= 0:
            break
        give = min(excess, alloc[i] - booked[i])
        alloc[i] -= give
        excess -= give
    return alloc
