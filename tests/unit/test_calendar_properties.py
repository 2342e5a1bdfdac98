"""Properties of the SLA due date that hold for any start, any N and any declared calendar."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from loket.domain.calendar import Closure, WorkingCalendar

FIRST = date(2016, 1, 1)
LAST = date(2026, 12, 31)

starts = st.dates(min_value=FIRST, max_value=LAST)
working_days = st.integers(min_value=0, max_value=40)


@st.composite
def closures(draw: st.DrawFn) -> Closure:
    start = draw(starts)
    length = draw(st.integers(min_value=0, max_value=20))
    return Closure(start, start + timedelta(days=length), draw(st.sampled_from(["a", "b"])))


@st.composite
def calendars(draw: st.DrawFn) -> WorkingCalendar:
    """The national calendar with some closures and some weekend or holiday service days."""
    extra = draw(st.dictionaries(starts, st.just("Layanan tambahan"), max_size=20))
    return WorkingCalendar(closures=tuple(draw(st.lists(closures(), max_size=5))), extra_days=extra)


@settings(max_examples=150, deadline=None)
@given(calendar=calendars(), start=starts, n=st.integers(min_value=1, max_value=40))
def test_the_due_date_is_a_working_day_never_on_a_closure(
    calendar: WorkingCalendar, start: date, n: int
) -> None:
    due = calendar.due_date(start, n)
    assert due > start
    assert calendar.is_service_day(due)
    assert calendar.closure_on(due) is None
    info = calendar.info(due)
    assert info.extra is not None or (not info.weekend and info.holiday is None)


@settings(max_examples=150, deadline=None)
@given(calendar=calendars(), start=starts, n=working_days)
def test_exactly_n_working_days_lie_between_start_and_due_date(
    calendar: WorkingCalendar, start: date, n: int
) -> None:
    due = calendar.due_date(start, n)
    assert calendar.working_days_between(start, due) == n
    # ...and the day before the due date still has one working day to go.
    if n:
        assert calendar.working_days_between(start, due - timedelta(days=1)) == n - 1


@settings(max_examples=100, deadline=None)
@given(calendar=calendars(), start=starts, n=working_days, more=st.integers(1, 10))
def test_the_due_date_is_strictly_monotone_in_n(
    calendar: WorkingCalendar, start: date, n: int, more: int
) -> None:
    assert calendar.due_date(start, n) < calendar.due_date(start, n + more)


@settings(max_examples=100, deadline=None)
@given(calendar=calendars(), start=starts, later=st.integers(0, 30), n=working_days)
def test_a_later_start_never_gives_an_earlier_due_date(
    calendar: WorkingCalendar, start: date, later: int, n: int
) -> None:
    assert calendar.due_date(start, n) <= calendar.due_date(start + timedelta(days=later), n)


@settings(max_examples=100, deadline=None)
@given(calendar=calendars(), start=starts, n=st.integers(min_value=1, max_value=20))
def test_next_service_days_agree_with_due_dates(
    calendar: WorkingCalendar, start: date, n: int
) -> None:
    after = calendar.next_service_days(start, n, include_start=False)
    assert after == [calendar.due_date(start, k) for k in range(1, n + 1)]
    counted = calendar.next_service_days(start, n)
    if calendar.is_service_day(start):
        assert counted == [start, *after[:-1]]
    else:
        assert counted == after


@settings(max_examples=50, deadline=None)
@given(closure=closures(), n=st.integers(min_value=1, max_value=10))
def test_no_day_inside_a_closure_is_ever_due(closure: Closure, n: int) -> None:
    calendar = WorkingCalendar(closures=(closure,))
    due = calendar.due_date(closure.start - timedelta(days=1), n)
    assert not closure.covers(due)
    assert due > closure.end
