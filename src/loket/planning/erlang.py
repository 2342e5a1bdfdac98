"""Erlang C (M/M/c): probability of waiting, service level, average wait, required servers.

Everything is computed in log space through the Poisson distribution, so a queue with
thousands of servers neither overflows `A**N` nor loses precision in `N!`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from scipy.special import gammaincc, gammaln


@dataclass(frozen=True)
class ErlangResult:
    """The steady state of one interval with a fixed number of servers."""

    traffic_erlangs: float
    agents: int
    p_wait: float
    service_level: float
    asa_s: float
    occupancy: float

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


@dataclass(frozen=True)
class Requirement:
    """The smallest staffing that meets a service-level target."""

    agents: int
    positions: int
    service_level: float
    p_wait: float
    asa_s: float
    occupancy: float

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def traffic(arrivals: float, period_s: float, aht_s: float) -> float:
    """Offered load in erlangs: arrivals per second times the mean handling time."""
    if period_s <= 0:
        raise ValueError("the period must be positive")
    if arrivals < 0 or aht_s < 0:
        raise ValueError("arrivals and handling time must not be negative")
    return arrivals / period_s * aht_s


def erlang_c(load: float, agents: int) -> float:
    """Probability that an arrival waits (Erlang C) with `agents` servers and `load` erlangs."""
    if agents <= 0:
        return 1.0
    if load <= 0:
        return 0.0
    if load >= agents:
        # An overloaded queue grows without bound: everyone waits.
        return 1.0
    # C = pmf(N) / (pmf(N) + (1 - rho) * cdf(N - 1)) with Poisson(A); the ratio is taken in logs.
    # scipy.special rather than scipy.stats: the same values, and a second less to start a command.
    log_cdf = math.log(float(gammaincc(agents, load)))  # P(X <= N - 1) = Q(N, A); >= ~0.5 as A < N
    log_pmf = agents * math.log(load) - load - float(gammaln(agents + 1))
    log_ratio = log_cdf - log_pmf
    rho = load / agents
    return 1.0 / (1.0 + (1.0 - rho) * math.exp(log_ratio)) if log_ratio < 700 else 0.0


def service_level(load: float, agents: int, aht_s: float, target_s: float) -> float:
    """Share of arrivals answered within `target_s` seconds."""
    if load >= agents:
        return 0.0
    if aht_s <= 0:
        return 1.0
    p_wait = erlang_c(load, agents)
    return 1.0 - p_wait * math.exp(-(agents - load) * target_s / aht_s)


def average_wait(load: float, agents: int, aht_s: float) -> float:
    """Average speed of answer in seconds (mean wait over all arrivals)."""
    if load >= agents:
        return math.inf
    return erlang_c(load, agents) * aht_s / (agents - load)


def evaluate(
    arrivals: float, period_s: float, aht_s: float, agents: int, target_s: float
) -> ErlangResult:
    """Erlang C figures for a fixed number of agents."""
    load = traffic(arrivals, period_s, aht_s)
    return ErlangResult(
        traffic_erlangs=load,
        agents=agents,
        p_wait=erlang_c(load, agents),
        service_level=service_level(load, agents, aht_s, target_s),
        asa_s=average_wait(load, agents, aht_s),
        occupancy=min(1.0, load / agents) if agents > 0 else 1.0,
    )


def required_agents(
    arrivals: float,
    period_s: float,
    aht_s: float,
    target_sl: float,
    target_s: float,
    *,
    max_occupancy: float = 1.0,
    shrinkage: float = 0.0,
) -> Requirement:
    """The fewest agents meeting `target_sl` within `target_s` and the occupancy ceiling."""
    if not 0 <= target_sl < 1:
        raise ValueError("the service-level target must be in [0, 1)")
    if not 0 < max_occupancy <= 1:
        raise ValueError("maximum occupancy must be in (0, 1]")
    if not 0 <= shrinkage < 1:
        raise ValueError("shrinkage must be in [0, 1)")
    load = traffic(arrivals, period_s, aht_s)
    if load == 0:
        return Requirement(0, 0, 1.0, 0.0, 0.0, 0.0)
    # Start at the occupancy bound: fewer agents can never satisfy it, and it is above the load.
    agents = max(1, math.floor(load) + 1, math.ceil(load / max_occupancy - 1e-12))
    # The service level rises monotonically with agents, so a bisection on a doubling bracket
    # finds the answer in O(log N) Erlang evaluations even for thousands of servers.
    low, high = agents, agents
    while service_level(load, high, aht_s, target_s) < target_sl:
        low, high = high + 1, max(high * 2, high + 1)
    while low < high:
        mid = (low + high) // 2
        if service_level(load, mid, aht_s, target_s) >= target_sl:
            high = mid
        else:
            low = mid + 1
    agents = low
    return Requirement(
        agents=agents,
        positions=math.ceil(agents / (1.0 - shrinkage) - 1e-9),
        service_level=service_level(load, agents, aht_s, target_s),
        p_wait=erlang_c(load, agents),
        asa_s=average_wait(load, agents, aht_s),
        occupancy=load / agents,
    )


def mmc_mean_queue_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean wait in queue of an M/M/c queue, in the time unit of the rates."""
    load = arrival_rate / service_rate
    return average_wait(load, servers, 1.0 / service_rate)
