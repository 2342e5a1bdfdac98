"""A seeded, synthetic daily history for the demo office PLG (Palembang). Not real data.

How a day's expected count is made (multiplicative, then negative-binomial noise):

* level: 172 applicants on an ordinary Wednesday of 2017, growing 4% a year up to
  the end of 2017 and flat after it;
* weekday: Monday 1.10, Tuesday 1.04, Wednesday 1.00, Thursday 0.98, Friday 0.88 (Friday prayers);
* December run-up to the year-end closure: x1.10 from 1 December (with the umrah season and the
  school break this takes the story's ~150 a day to ~200), school holidays (late June to mid
  July, late December to early January): x1.06;
* Hijri calendar (via `hijridate`): umrah season Rabi' al-awwal to Sha'ban x1.08, its peak
  Rajab and Sha'ban a further x1.08, Ramadan x0.85, Shawwal x0.92, the hajj months x0.97;
* surges: 1-3 days before a holiday x1.05, the week before a break of four or more days
  (Lebaran, the year end) x1.06, 1-3 days after a holiday x1.05 (the queue that waited);
* a slow AR(1) wobble of the level (sd 4%) so that recent weeks carry information;
* closed days (national holidays, cuti bersama from `holidays`, the office's year-end closure on
  30-31 December) have zero applicants; weekends have no rows (a weekdays-only series).

The demo loads it from 2 January 2012 to yesterday (`demo_last_day`). Days are drawn in order
from the first, so a later end adds days and never changes the ones before it: the story's
December 2017 reads the same whenever the demo is loaded.

This lands at about 150-200 a day and 40,000-50,000 a year, the published Palembang scale.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np

from loket.domain.calendar import Closure, WorkingCalendar
from loket.planning.features import (
    HAJJ_MONTHS,
    RAMADAN,
    SHAWWAL,
    UMRAH_MONTHS,
    UMRAH_PEAK_MONTHS,
    CalendarSpec,
    hijri_month,
)
from loket.planning.history import History

SYNTHETIC_LABEL = "synthetic (seeded generator, not real data)"
DEMO_OFFICE = "PLG"
DEFAULT_FIRST = date(2012, 1, 2)
DEFAULT_LAST = date(2017, 12, 29)
DEFAULT_SEED = 2017

LEVEL_2017 = 172.0
GROWTH = 0.04
WEEKDAY = (1.10, 1.04, 1.00, 0.98, 0.88)
DISPERSION = 0.008  # negative-binomial alpha: variance = mean + alpha * mean**2


def demo_last_day(today: date) -> date:
    """Where the demo history ends: yesterday, so the planning page's chart and forecast start
    from the present; never before the story's 29 December 2017 (a clock set in the story's
    days, as the tests run, still sees the whole of December)."""
    return max(DEFAULT_LAST, today - timedelta(days=1))


def year_end_closures(first_year: int, last_year: int) -> tuple[Closure, ...]:
    """The demo office's closure on 30-31 December of each year (it reopens in January)."""
    return tuple(
        Closure(date(year, 12, 30), date(year, 12, 31), "Penutupan akhir tahun")
        for year in range(first_year, last_year + 1)
    )


def demo_closures() -> tuple[Closure, ...]:
    """Closures of the demo office over the years planning looks at."""
    return year_end_closures(2010, 2035)


def demo_calendar() -> WorkingCalendar:
    """The demo office's working calendar: Indonesian holidays plus the year-end closure."""
    return WorkingCalendar(closures=demo_closures())


def demo_spec() -> CalendarSpec:
    """Calendar regressors for the demo office (Indonesia, Hijri on, the office's closures)."""
    return CalendarSpec(country="ID", closures=demo_closures())


def _expected(day: date, calendar: WorkingCalendar, off: set[date], breaks: list[date]) -> float:
    # Growth up to the end of 2017, flat after: the demo office stays at the story's scale.
    grown = (min(day, date(2017, 12, 31)) - date(2017, 7, 1)).days
    level = LEVEL_2017 * (1 + GROWTH) ** (grown / 365.25)
    factor = WEEKDAY[day.weekday()]
    if day.month == 12:
        factor *= 1.10
    key = (day.month, day.day)
    if (6, 20) <= key <= (7, 15) or key >= (12, 18) or key <= (1, 5):
        factor *= 1.06
    month = hijri_month(day)
    if month in UMRAH_MONTHS:
        factor *= 1.08
    if month in UMRAH_PEAK_MONTHS:
        factor *= 1.08
    if month == RAMADAN:
        factor *= 0.85
    if month == SHAWWAL:
        factor *= 0.92
    if month in HAJJ_MONTHS:
        factor *= 0.97
    ahead = min(((d - day).days for d in off if d > day), default=99)
    behind = min(((day - d).days for d in off if d < day), default=99)
    to_break = min(((d - day).days for d in breaks if d > day), default=99)
    if 1 <= ahead <= 3:
        factor *= 1.05
    if 1 <= to_break <= 7:
        factor *= 1.06
    if 1 <= behind <= 3:
        factor *= 1.05
    factor *= 1 + 0.03 * math.sin(2 * math.pi * day.timetuple().tm_yday / 365.25)
    return level * factor


def synthetic_history(
    first: date = DEFAULT_FIRST, last: date = DEFAULT_LAST, *, seed: int = DEFAULT_SEED
) -> History:
    """The demo office's synthetic weekday history from `first` to `last` (seeded, repeatable)."""
    rng = np.random.default_rng(seed)
    calendar = demo_calendar()
    days: list[date] = []
    day = first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    # Closed calendar days (holidays, closures, weekends) within reach of the series.
    span_first, span_last = first - timedelta(days=30), last + timedelta(days=30)
    off: set[date] = set()
    closed: list[date] = []
    day = span_first
    while day <= span_last:
        info = calendar.info(day)
        if not info.service_day:
            closed.append(day)
            if not info.weekend:
                off.add(day)
        day += timedelta(days=1)
    breaks = _long_break_starts(closed)
    off_list = sorted(off)
    wobble = 0.0
    counts = np.zeros(len(days))
    for i, day in enumerate(days):
        wobble = 0.9 * wobble + rng.normal(0.0, 0.04 * math.sqrt(1 - 0.9**2))
        if not calendar.is_service_day(day):
            continue
        near = [d for d in off_list if abs((d - day).days) <= 10]
        mean = _expected(day, calendar, set(near), breaks) * math.exp(wobble)
        shape = 1.0 / DISPERSION
        counts[i] = rng.poisson(rng.gamma(shape, mean / shape))
    return History(
        tuple(days),
        counts,
        office=DEMO_OFFICE,
        source=SYNTHETIC_LABEL,
        synthetic=True,
        notes=(f"seed={seed}", "generator: loket.planning.synthetic"),
    )


def _long_break_starts(closed: list[date]) -> list[date]:
    """Start days of runs of four or more consecutive closed days."""
    starts: list[date] = []
    run: list[date] = []
    for day in closed:
        if run and (day - run[-1]).days == 1:
            run.append(day)
            continue
        if len(run) >= 4:
            starts.append(run[0])
        run = [day]
    if len(run) >= 4:
        starts.append(run[0])
    return starts
