"""Erlang C against published worked examples and against the textbook sum."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loket.planning.erlang import (
    average_wait,
    erlang_c,
    evaluate,
    required_agents,
    service_level,
    traffic,
)


def direct_erlang_c(load: float, agents: int) -> float:
    """The textbook formula with factorials, fine for small N (an independent check)."""
    top = load**agents / math.factorial(agents) * agents / (agents - load)
    bottom = sum(load**k / math.factorial(k) for k in range(agents)) + top
    return top / bottom


def test_pyworkforce_readme_example() -> None:
    # Worked example in the pyworkforce README (github.com/rodrigo-arenas/pyworkforce,
    # "Queue systems" / ErlangC): 100 transactions in 30 minutes, AHT 3 minutes, ASA target
    # 20 s, service level 0.8, max occupancy 0.85, shrinkage 0.3 ->
    # raw_positions 14, positions 20, service_level 0.88835, occupancy 0.71429,
    # waiting_probability 0.17413.
    need = required_agents(100, 30 * 60, 180, 0.8, 20, max_occupancy=0.85, shrinkage=0.3)
    assert need.agents == 14
    assert need.positions == 20
    assert need.service_level == pytest.approx(0.8883500191794669, abs=1e-9)
    assert need.occupancy == pytest.approx(0.7142857142857143, abs=1e-12)
    assert need.p_wait == pytest.approx(0.1741319335950498, abs=1e-9)


def test_fixed_staffing_matches_the_same_example() -> None:
    result = evaluate(100, 30 * 60, 180, 14, 20)
    assert result.traffic_erlangs == pytest.approx(10.0)
    assert result.p_wait == pytest.approx(0.17413, abs=1e-5)
    # ASA = C * AHT / (N - A) = 0.17413 * 180 / 4.
    assert result.asa_s == pytest.approx(0.1741319335950498 * 180 / 4, rel=1e-9)


def test_westbay_360_calls_example() -> None:
    # The Westbay Engineers "Erlang-C formula" walk-through: 360 calls per half hour, 4 minute
    # calls, 55 agents -> traffic 48 erlangs, occupancy 0.873; our P(wait) must agree with the
    # factorial formula the page spells out.
    load = traffic(360, 1800, 240)
    assert load == pytest.approx(48.0)
    assert pytest.approx(0.873, abs=5e-4) == 48 / 55
    assert erlang_c(load, 55) == pytest.approx(direct_erlang_c(48, 55), rel=1e-10)
    assert erlang_c(load, 55) == pytest.approx(0.2387, abs=1e-4)
    assert average_wait(load, 55, 240) == pytest.approx(0.2387 * 240 / 7, rel=1e-3)


@pytest.mark.parametrize(("load", "agents"), [(2.0, 3), (10.0, 12), (10.0, 14), (30.5, 33), (48.0, 55)])
def test_log_space_matches_the_factorial_formula(load: float, agents: int) -> None:
    assert erlang_c(load, agents) == pytest.approx(direct_erlang_c(load, agents), rel=1e-10)


def test_thousands_of_servers_stay_finite() -> None:
    p = erlang_c(4_800.0, 4_900)
    assert 0 < p < 1
    need = required_agents(160_000, 1800, 60, 0.9, 10)
    assert need.agents > 5_000
    assert need.service_level >= 0.9
    assert service_level(160_000 / 1800 * 60, need.agents - 1, 60, 10) < 0.9


def test_overload_and_edges() -> None:
    assert erlang_c(10, 10) == 1.0
    assert erlang_c(0, 3) == 0.0
    assert math.isinf(average_wait(12, 10, 180))
    assert service_level(12, 10, 180, 20) == 0.0
    assert required_agents(0, 1800, 180, 0.8, 20).agents == 0
    with pytest.raises(ValueError):
        required_agents(10, 1800, 180, 1.5, 20)


@settings(max_examples=60, deadline=None)
@given(
    load=st.floats(min_value=0.1, max_value=400),
    target_sl=st.floats(min_value=0.05, max_value=0.95),
    target_s=st.floats(min_value=0, max_value=120),
    aht_s=st.floats(min_value=10, max_value=900),
)
def test_required_is_the_smallest_that_meets_the_target(
    load: float, target_sl: float, target_s: float, aht_s: float
) -> None:
    arrivals = load * 1800 / aht_s
    need = required_agents(arrivals, 1800, aht_s, target_sl, target_s)
    assert need.service_level >= target_sl
    below = need.agents - 1
    if below > load:
        assert service_level(load, below, aht_s, target_s) < target_sl


@settings(max_examples=60, deadline=None)
@given(load=st.floats(min_value=0.1, max_value=2000), extra=st.integers(min_value=1, max_value=50))
def test_more_servers_never_wait_longer(load: float, extra: int) -> None:
    agents = math.floor(load) + extra
    assert erlang_c(load, agents + 1) <= erlang_c(load, agents) + 1e-12
    assert 0.0 <= erlang_c(load, agents) <= 1.0
