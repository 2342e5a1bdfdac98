"""The calling policy and the stage machine, without a database: hypothesis drives random
floors (check-ins, calls, completions, no-shows) and checks that no ticket is served twice or lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loket.domain.booking import Category
from loket.domain.calling import (
    QueueEntry,
    check_in_window,
    check_no_show,
    check_recall,
    check_station_move,
    estimate_wait_s,
    is_late,
    percentile,
    pick_next,
    queue_order,
    spoken_label,
    ticket_label,
)
from loket.domain.errors import Conflict

T0 = datetime(2017, 12, 29, 1, 0, tzinfo=UTC)  # 08:00 WIB


def entry(
    ticket: str, category: Category, minutes: int, late: bool = False, seq: int = 1, target=None
) -> QueueEntry:  # type: ignore[no-untyped-def]
    return QueueEntry(ticket, category, seq, T0 + timedelta(minutes=minutes), late, target)


def test_ticket_labels_the_indonesian_way() -> None:
    assert ticket_label("regular", 1) == "A-001"
    assert ticket_label("priority", 12) == "B-012"
    assert ticket_label("express", 123) == "C-123"
    assert spoken_label("A-001") == "A 0 0 1"


def test_priority_then_express_then_booked_in_appointment_order_late_behind() -> None:
    waiting = [
        entry("A-001", Category.REGULAR, 60, seq=1),
        entry("A-002", Category.REGULAR, 0, late=True, seq=2),
        entry("A-003", Category.REGULAR, 0, seq=3),
        entry("C-001", Category.EXPRESS, 120, seq=1),
        entry("B-001", Category.PRIORITY, 180, seq=1),
    ]
    assert [e.ticket for e in queue_order(waiting)] == ["B-001", "C-001", "A-003", "A-001", "A-002"]


def test_same_appointment_goes_by_ticket_number_and_transfers_only_to_their_station() -> None:
    waiting = [
        entry("A-002", Category.REGULAR, 0, seq=2),
        entry("A-001", Category.REGULAR, 0, seq=1, target="INT2"),
    ]
    pick = pick_next(waiting, "INT1")
    assert pick is not None and pick.ticket == "A-002"
    pick = pick_next(waiting, "INT2")
    assert pick is not None and pick.ticket == "A-001"
    assert pick_next([], "INT1") is None


def test_lateness_window_recalls_and_station_moves() -> None:
    assert not is_late(T0 + timedelta(minutes=15), T0, 15)
    assert is_late(T0 + timedelta(minutes=16), T0, 15)
    assert not is_late(T0 + timedelta(hours=5), None, 15)
    check_in_window(T0 - timedelta(minutes=60), T0, T0 + timedelta(hours=1), 60, 60)
    with pytest.raises(Conflict) as early:
        check_in_window(T0 - timedelta(minutes=61), T0, T0 + timedelta(hours=1), 60, 60)
    assert early.value.code == "check_in_too_early"
    with pytest.raises(Conflict) as late:
        check_in_window(T0 + timedelta(minutes=121), T0, T0 + timedelta(hours=1), 60, 60)
    assert late.value.code == "check_in_too_late"
    check_recall(1, 2)
    with pytest.raises(Conflict):
        check_recall(2, 2)
    with pytest.raises(Conflict):
        check_no_show(1, 2)
    check_no_show(2, 2)
    assert check_station_move("closed", "open", "") == "open"
    with pytest.raises(Conflict):
        check_station_move("open", "down", " ")
    with pytest.raises(Conflict):
        check_station_move("down", "paused", "")


def test_estimates_and_percentiles() -> None:
    assert estimate_wait_s(0, 2, 300) == 150
    assert estimate_wait_s(4, 2, 300) == 750
    assert estimate_wait_s(0, 0, 300) is None
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90) == pytest.approx(9.1)
    assert percentile([], 90) is None


arrivals = st.lists(
    st.tuples(st.sampled_from(list(Category)), st.integers(0, 300), st.booleans()), min_size=1, max_size=40
)
actions = st.lists(st.tuples(st.sampled_from(["call", "finish", "no_show"]), st.integers(0, 3)), max_size=120)


@settings(max_examples=200, deadline=None)
@given(arrivals=arrivals, actions=actions)
def test_no_ticket_is_served_twice_or_lost(arrivals, actions) -> None:  # type: ignore[no-untyped-def]
    """Four stations call, finish and give up on tickets in any order: each ticket is called at
    most once, and every ticket ends served, no-show, or still waiting, never two or none."""
    numbers = {c: 0 for c in Category}
    waiting: list[QueueEntry] = []
    for category, minutes, late in arrivals:
        numbers[category] += 1
        waiting.append(
            entry(ticket_label(category, numbers[category]), category, minutes, late, numbers[category])
        )
    issued = {e.ticket for e in waiting}
    assert len(issued) == len(waiting)  # numbers never repeat within a category
    at_station: dict[int, QueueEntry] = {}
    served: list[str] = []
    gone: list[str] = []
    called: list[str] = []
    for action, station in actions:
        if action == "call" and station not in at_station:
            pick = pick_next(waiting, f"S{station}")
            if pick is not None:
                # The policy picks the head of the queue: nobody waiting ranks before it.
                assert all(pick.key <= other.key for other in waiting)
                waiting.remove(pick)
                at_station[station] = pick
                called.append(pick.ticket)
        elif action in ("finish", "no_show") and station in at_station:
            (served if action == "finish" else gone).append(at_station.pop(station).ticket)
    assert len(called) == len(set(called))
    everywhere = served + gone + [e.ticket for e in waiting] + [e.ticket for e in at_station.values()]
    assert sorted(everywhere) == sorted(issued)
