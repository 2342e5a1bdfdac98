"""Calendar regressors for daily demand: weekday, season, holidays, school breaks, Hijri months."""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays as holidays_lib
import numpy as np
import numpy.typing as npt
from hijridate import Gregorian

from loket.domain.calendar import Closure, national_holidays

# Countries where the Hijri calendar moves everyday life (Ramadan, Eid, umrah and hajj travel).
HIJRI_COUNTRIES = frozenset(
    {"ID", "MY", "BN", "SG", "SA", "AE", "QA", "KW", "BH", "OM", "EG", "JO", "MA", "TN", "DZ",
     "PK", "BD", "TR", "IR", "IQ"}
)
# School-holiday windows (month, day, month, day) by country; Indonesia's follow the school year
# (end of June to mid July) and the semester break around the year end.
SCHOOL_WINDOWS: Mapping[str, tuple[tuple[int, int, int, int], ...]] = {
    "ID": ((6, 20, 7, 15), (12, 18, 12, 31), (1, 1, 1, 5)),
}
# Umrah demand runs from Rabi' al-awwal to Sha'ban; the peak is the months before Ramadan.
UMRAH_MONTHS = frozenset({3, 4, 5, 6, 7, 8})
UMRAH_PEAK_MONTHS = frozenset({7, 8})
RAMADAN = 9
SHAWWAL = 10
HAJJ_MONTHS = frozenset({11, 12})
# A break of this many calendar days or more (weekend included) makes people come in before it.
LONG_BREAK_DAYS = 4


@dataclass(frozen=True)
class CalendarSpec:
    """Which calendar effects a model sees; the same settings serve every series."""

    country: str = "ID"
    hijri: bool | None = None
    closures: tuple[Closure, ...] = ()
    # The highest yearly Fourier order the forecaster may choose (it picks the order from the data).
    fourier_order: int = 10
    # Holidays seen in the training data: each gets a column for how it differs from the shared
    # `holiday` effect, shrunk towards zero by the forecaster's prior (a holiday seen once moves
    # little away from the others).
    holiday_names: tuple[str, ...] = ()

    @property
    def uses_hijri(self) -> bool:
        return self.country.upper() in HIJRI_COUNTRIES if self.hijri is None else self.hijri

    @property
    def school_windows(self) -> tuple[tuple[int, int, int, int], ...]:
        return tuple(SCHOOL_WINDOWS.get(self.country.upper(), ()))


@lru_cache(maxsize=256)
def holidays_of_year(year: int, country: str) -> Mapping[date, str]:
    """Public holidays (and, where the package knows them, government days off) of one year."""
    if country.upper() == "ID":
        # Indonesia's cuti bersama sit in the government category; the domain calendar has both.
        return national_holidays(year, "ID")
    try:
        found = holidays_lib.country_holidays(country, years=year, categories=("public", "government"))
    except (NotImplementedError, ValueError, KeyError):
        found = holidays_lib.country_holidays(country, years=year)
    return dict(found.items())


def holiday_name(day: date, spec: CalendarSpec) -> str | None:
    """The holiday or closure on `day`, if any."""
    for closure in spec.closures:
        if closure.covers(day):
            return closure.reason
    return holidays_of_year(day.year, spec.country).get(day)


@lru_cache(maxsize=65536)
def hijri_month(day: date) -> int:
    """The Hijri (Umm al-Qura) month number of a Gregorian date."""
    try:
        return int(Gregorian(day.year, day.month, day.day).to_hijri().month)
    except (OverflowError, ValueError):
        # hijridate covers 1343-1500 AH (1924-2077); outside it the Hijri effects are off.
        return 0


def _in_windows(day: date, windows: Sequence[tuple[int, int, int, int]]) -> bool:
    key = (day.month, day.day)
    return any((m1, d1) <= key <= (m2, d2) for m1, d1, m2, d2 in windows)


def _off_days(first: date, last: date, spec: CalendarSpec) -> set[date]:
    """Holidays and closures between two dates, weekends left out."""
    found: set[date] = set()
    for year in range(first.year, last.year + 1):
        found.update(d for d in holidays_of_year(year, spec.country) if first <= d <= last)
    for closure in spec.closures:
        day = max(first, closure.start)
        while day <= min(last, closure.end):
            found.add(day)
            day += timedelta(days=1)
    return found


def _break_starts(off: set[date], first: date, last: date) -> set[date]:
    """First days of runs of at least LONG_BREAK_DAYS closed calendar days."""
    starts: set[date] = set()
    day = first
    while day <= last:
        closed = day in off or day.weekday() >= 5
        if closed:
            run_start = day
            while day <= last and (day in off or day.weekday() >= 5):
                day += timedelta(days=1)
            if (day - run_start).days >= LONG_BREAK_DAYS:
                starts.add(run_start)
        else:
            day += timedelta(days=1)
    return starts


def feature_names(spec: CalendarSpec) -> list[str]:
    """Column names of `design`, in order."""
    names = ["const", "trend"] + [f"wd{i}" for i in range(1, 7)]
    for k in range(1, spec.fourier_order + 1):
        names += [f"sin{k}", f"cos{k}"]
    names += ["holiday", "pre_holiday", "post_holiday", "pre_break", "year_end"]
    names += [f"h:{name}" for name in spec.holiday_names]
    if spec.school_windows:
        names.append("school_break")
    if spec.uses_hijri:
        names += ["ramadan", "shawwal", "umrah", "umrah_peak", "hajj"]
    return names


def design(days: Sequence[date], spec: CalendarSpec, origin: date) -> npt.NDArray[np.float64]:
    """The regressor matrix of `days` (one row per day), trend measured in years from `origin`."""
    if not days:
        return np.zeros((0, len(feature_names(spec))))
    pad = timedelta(days=21)
    off = _off_days(days[0] - pad, days[-1] + pad, spec)
    breaks = sorted(_break_starts(off, days[0] - pad, days[-1] + pad))
    off_sorted = sorted(off)
    windows = spec.school_windows
    rows: list[list[float]] = []
    for day in days:
        row = [1.0, (day - origin).days / 365.25]
        row += [1.0 if day.weekday() == i else 0.0 for i in range(1, 7)]
        angle = 2 * math.pi * (day.timetuple().tm_yday - 1) / 365.25
        for k in range(1, spec.fourier_order + 1):
            row += [math.sin(k * angle), math.cos(k * angle)]
        ahead = _days_to_next(day, off_sorted)
        behind = _days_since_last(day, off_sorted)
        to_break = _days_to_next(day, breaks)
        name = holiday_name(day, spec) if day in off else None
        row += [
            1.0 if day in off else 0.0,
            1.0 if 1 <= ahead <= 3 else 0.0,
            1.0 if 1 <= behind <= 3 else 0.0,
            1.0 if 1 <= to_break <= 7 else 0.0,
            1.0 if (day.month == 12 and day.day >= 20) or (day.month == 1 and day.day <= 3) else 0.0,
        ]
        row += [1.0 if name == known else 0.0 for known in spec.holiday_names]
        if windows:
            row.append(1.0 if _in_windows(day, windows) else 0.0)
        if spec.uses_hijri:
            month = hijri_month(day)
            row += [
                1.0 if month == RAMADAN else 0.0,
                1.0 if month == SHAWWAL else 0.0,
                1.0 if month in UMRAH_MONTHS else 0.0,
                1.0 if month in UMRAH_PEAK_MONTHS else 0.0,
                1.0 if month in HAJJ_MONTHS else 0.0,
            ]
        rows.append(row)
    return np.asarray(rows, dtype=float)


def _days_to_next(day: date, ordered: Sequence[date]) -> int:
    """Days until the next date in `ordered` strictly after `day` (a large number if none)."""
    index = bisect.bisect_right(ordered, day)
    return (ordered[index] - day).days if index < len(ordered) else 10_000


def _days_since_last(day: date, ordered: Sequence[date]) -> int:
    """Days since the last date in `ordered` strictly before `day` (a large number if none)."""
    index = bisect.bisect_left(ordered, day)
    return (day - ordered[index - 1]).days if index > 0 else 10_000
