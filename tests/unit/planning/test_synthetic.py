"""The demo office's synthetic history: seeded, labelled, on the published scale."""

from __future__ import annotations

from datetime import date

import numpy as np

from loket.planning.synthetic import demo_calendar, synthetic_history


def test_seeded_and_labelled() -> None:
    a = synthetic_history(date(2017, 1, 1), date(2017, 3, 31), seed=5)
    b = synthetic_history(date(2017, 1, 1), date(2017, 3, 31), seed=5)
    c = synthetic_history(date(2017, 1, 1), date(2017, 3, 31), seed=6)
    assert np.array_equal(a.counts, b.counts)
    assert not np.array_equal(a.counts, c.counts)
    assert a.synthetic and "synthetic" in a.source
    assert a.office == "PLG"


def test_scale_weekdays_and_closed_days() -> None:
    h = synthetic_history(date(2017, 1, 1), date(2017, 12, 31))
    assert h.weekdays_only
    calendar = demo_calendar()
    for day, count in zip(h.days, h.counts, strict=True):
        if not calendar.is_service_day(day):
            assert count == 0
    open_counts = h.counts[h.counts > 0]
    assert 150 <= open_counts.mean() <= 200
    assert 38_000 <= h.counts.sum() <= 52_000
    december = h.between(date(2017, 12, 4), date(2017, 12, 29)).counts
    assert december[december > 0].mean() > 190  # the story: about 200 a day in December


def test_a_later_end_adds_days_and_keeps_the_story() -> None:
    from loket.planning.synthetic import DEFAULT_FIRST, DEFAULT_LAST, demo_last_day

    assert demo_last_day(date(2017, 12, 28)) == DEFAULT_LAST  # a clock in the story's days
    assert demo_last_day(date(2026, 12, 2)) == date(2026, 12, 1)
    story = synthetic_history(DEFAULT_FIRST, DEFAULT_LAST)
    today = synthetic_history(DEFAULT_FIRST, date(2026, 12, 1))
    assert today.days[: len(story)] == story.days
    assert np.array_equal(today.counts[: len(story)], story.counts)
    assert today.days[-1] == date(2026, 12, 1)
    recent = today.between(date(2026, 1, 1), date(2026, 12, 1)).counts
    assert 150 <= recent[recent > 0].mean() <= 210  # the story's scale, not nine more years of growth
