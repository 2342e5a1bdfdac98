"""Spreading a day's capacity over its sessions, never below what is booked."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loket.domain.errors import Conflict, InvalidInput
from loket.domain.quota import allocate, check_capacity, spread


def test_spread_gives_the_remainder_to_the_earliest_sessions() -> None:
    assert spread(200, 6) == [34, 34, 33, 33, 33, 33]
    assert spread(150, 6) == [25] * 6
    assert spread(3, 6) == [1, 1, 1, 0, 0, 0]
    assert spread(10, 0) == []


@given(st.integers(0, 5000), st.integers(1, 12))
def test_spread_sums_to_capacity_and_differs_by_at_most_one(capacity: int, sessions: int) -> None:
    parts = spread(capacity, sessions)
    assert sum(parts) == capacity and len(parts) == sessions
    assert max(parts) - min(parts) <= 1


@given(st.lists(st.integers(0, 60), min_size=1, max_size=8), st.integers(0, 600))
def test_allocate_never_goes_below_bookings(booked: list[int], extra: int) -> None:
    capacity = sum(booked) + extra
    parts = allocate(capacity, booked)
    assert sum(parts) == capacity
    assert all(p >= b for p, b in zip(parts, booked, strict=True))


def test_allocate_refuses_a_capacity_below_the_bookings() -> None:
    with pytest.raises(Conflict) as below:
        allocate(5, [3, 3])
    assert below.value.code == "capacity_below_booked" and below.value.params == {"capacity": 5, "booked": 6}


def test_allocate_keeps_close_to_the_even_spread() -> None:
    assert allocate(12, [0, 0, 0]) == [4, 4, 4]
    assert allocate(12, [6, 0, 0]) == [6, 4, 2]


@pytest.mark.parametrize("bad", [-1, 5001, 1.5, True, "10"])
def test_capacity_must_be_a_sensible_whole_number(bad: object) -> None:
    with pytest.raises(InvalidInput):
        check_capacity(bad)  # type: ignore[arg-type]
