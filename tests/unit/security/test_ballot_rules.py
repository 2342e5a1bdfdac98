"""The ballot's rules, pure: commitment, a re-runnable draw order, the allocation down that order,
and the fairness claim: a bot with 500 entries at the release instant does no better than 500
honest applicants spread over the window."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, date, datetime, timedelta

import pytest

from loket.domain.ballot import (
    Mode,
    Preference,
    Release,
    allocate,
    check_bookable,
    check_entry_window,
    check_schedule,
    commitment_of,
    draw_order,
    new_seed,
    seed_matches,
)
from loket.domain.errors import Conflict, InvalidInput
from loket.domain.office import Office

PLG = Office(code="PLG", name="Palembang", timezone="Asia/Jakarta")
NOW = datetime(2017, 12, 28, 1, 30, tzinfo=UTC)


def test_the_seed_is_committed_and_checked() -> None:
    seed = new_seed()
    assert len(seed) == 64 and seed_matches(seed, commitment_of(seed))
    assert not seed_matches(new_seed(), commitment_of(seed))


def test_the_draw_order_is_a_function_of_the_seed_and_the_entry_list() -> None:
    codes = [f"PLG-B{i:012d}" for i in range(50)]
    order = draw_order("a" * 64, codes)
    assert sorted(order) == sorted(codes)
    assert draw_order("a" * 64, list(reversed(codes))) == order  # the order entries came in is irrelevant
    assert draw_order("b" * 64, codes) != order
    # Adding one entry after the close changes everyone's key: nobody can place a late entry.
    assert draw_order("a" * 64, [*codes, "PLG-B999999999999"])[:10] != order[:10]


def test_allocation_goes_down_the_order_preferring_the_chosen_then_the_nearest_session() -> None:
    sessions = ["08:00", "09:00", "10:00"]
    order = [
        Preference("A", "09:00", "regular"),
        Preference("B", "09:00", "regular"),
        Preference("C", "09:00", "regular", flexible=False),
        Preference("D", "10:00", "regular"),
        Preference("E", "10:00", "regular"),
    ]
    capacity = {("08:00", "regular"): 1, ("09:00", "regular"): 1, ("10:00", "regular"): 1}
    assert allocate(order, capacity, sessions) == {
        "A": "09:00",
        "B": "08:00",
        "C": None,
        "D": "10:00",
        "E": None,
    }


def test_windows_and_release_checks() -> None:
    day = date(2018, 1, 3)
    with pytest.raises(InvalidInput):  # a ballot must close before the eve of the day
        check_schedule(
            PLG, day, Mode.BALLOT, NOW + timedelta(hours=1), datetime(2018, 1, 2, 12, tzinfo=UTC), NOW
        )
    with pytest.raises(InvalidInput):
        check_schedule(PLG, day, Mode.BALLOT, NOW - timedelta(hours=1), NOW + timedelta(days=1), NOW)
    ballot = Release("PLG", day, Mode.BALLOT, NOW + timedelta(hours=1), NOW + timedelta(days=1), "c" * 64)
    with pytest.raises(Conflict) as refused:
        check_bookable(ballot, PLG, NOW)
    assert refused.value.code == "ballot_day"
    with pytest.raises(Conflict) as early:
        check_entry_window(ballot, PLG, NOW)
    assert early.value.code == "ballot_not_open"
    assert check_entry_window(ballot, PLG, NOW + timedelta(hours=2)) is ballot
    fcfs = Release("PLG", day, Mode.FCFS, NOW + timedelta(hours=1))
    with pytest.raises(Conflict) as closed:
        check_bookable(fcfs, PLG, NOW)
    assert closed.value.code == "release_not_open"
    check_bookable(fcfs, PLG, NOW + timedelta(hours=1))
    check_bookable(None, PLG, NOW)


def _fcfs(arrivals: list[tuple[float, str]], capacity: int) -> list[str]:
    """First come, first served: the earliest requests take the places."""
    return [who for _t, who in sorted(arrivals)[:capacity]]


def test_a_bot_at_the_release_instant_gets_no_more_than_honest_applicants_in_a_ballot() -> None:
    capacity, people, draws = 200, 500, 300
    rng = random.Random(7)
    window_s = 2 * 24 * 3600.0
    honest = [(rng.uniform(0, window_s), f"PLG-BH{i:011d}") for i in range(people)]  # spread over two days
    bot = [(rng.uniform(0, 0.05), f"PLG-BX{i:011d}") for i in range(people)]  # 500 connections at once
    codes = [code for _t, code in honest + bot]
    prefs = [Preference(code, "08:00", "regular") for code in codes]
    by_code = {p.entry_code: p for p in prefs}
    bot_shares, honest_shares = [], []
    for draw in range(draws):
        order = draw_order(f"{draw:064x}", codes)
        won = [
            c
            for c, s in allocate(
                [by_code[c] for c in order], {("08:00", "regular"): capacity}, ["08:00"]
            ).items()
            if s
        ]
        assert len(won) == capacity
        bot_shares.append(sum(c.startswith("PLG-BX") for c in won) / capacity)
        honest_shares.append(sum(c.startswith("PLG-BH") for c in won) / capacity)
    bot_mean, honest_mean = statistics.fmean(bot_shares), statistics.fmean(honest_shares)
    spread = statistics.stdev(bot_shares) / draws**0.5
    assert bot_mean <= honest_mean + 3 * spread  # no better than the honest half
    assert abs(bot_mean - 0.5) < 4 * spread  # and exactly its share of the entries, on average
    # The same rush under first come, first served: the bot takes every place.
    fcfs = _fcfs(honest + bot, capacity)
    assert all(code.startswith("PLG-BX") for code in fcfs)
