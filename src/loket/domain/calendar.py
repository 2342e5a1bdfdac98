"""The working-day calendar of one office.

A service day is Monday to Friday, minus national holidays and cuti bersama, minus the office's
declared closures, plus the extra service days the office declares (weekend sessions, overtime).
The SLA due date is the Nth service day after a start date, the start date itself not counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import holidays as holidays_lib

from loket.domain.errors import invalid

# The days Loket answers about: wide enough for any real history, plan or booking window, narrow
# enough that no arithmetic on them (a month on, 60 working days later, a year of history back)
# leaves Python's dates (OverflowError) or walks centuries of days.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)

# A due date further out than this is a bug in the caller (or a calendar with no service days).
MAX_SEARCH_DAYS = 3 * 366


@dataclass(frozen=True)
class Closure:
    """The office is closed from `start` to `end` inclusive, for `reason`."""

    start: date
    end: date
    reason: str

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class DayInfo:
    """Why a day is or is not a service day."""

    day: date
    service_day: bool
    weekend: bool
    holiday: str | None = None
    closure: str | None = None
    extra: str | None = None


@lru_cache(maxsize=64)
def national_holidays(year: int, country: str = "ID") -> Mapping[date, str]:
    """National holidays and cuti bersama of one year, named in Indonesian."""
    found = holidays_lib.country_holidays(
        country, years=year, categories=("public", "government"), language="id"
    )
    return dict(found.items())


class HolidayTable(Mapping[date, str]):
    """Lazily loaded holidays for any year, so the calendar works without a year range.

    The package lags behind the decrees (cuti bersama are set by a joint ministerial decree and
    sometimes moved mid-year), so the directorate's decisions apply on top of it: `declared` adds
    days off (by name), `cancelled` removes days the package lists.
    """

    def __init__(
        self,
        country: str = "ID",
        declared: Mapping[date, str] | None = None,
        cancelled: frozenset[date] = frozenset(),
    ) -> None:
        self.country = country
        self.declared: Mapping[date, str] = dict(declared or {})
        self.cancelled = frozenset(cancelled)

    def _lookup(self, day: date) -> str | None:
        declared = self.declared.get(day)
        if declared is not None:
            return declared
        if day in self.cancelled:
            return None
        return national_holidays(day.year, self.country).get(day)

    def __getitem__(self, day: date) -> str:
        found = self._lookup(day)
        if found is None:
            raise KeyError(day)
        return found

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self._lookup(day) is not None

    def __iter__(self) -> Iterator[date]:
        raise TypeError("HolidayTable has no fixed range; ask for a year")

    def __len__(self) -> int:
        raise TypeError("HolidayTable has no fixed range; ask for a year")

    def get(self, day: date, default: str | None = None) -> str | None:  # type: ignore[override]
        found = self._lookup(day)
        return default if found is None else found

    def _key(self) -> tuple[object, ...]:
        return (self.country, tuple(sorted(self.declared.items())), self.cancelled)

    # Mapping's own __eq__ walks every key, which this table cannot do: compare by what decides it.
    def __eq__(self, other: object) -> bool:
        if isinstance(other, HolidayTable):
            return self._key() == other._key()
        return NotImplemented

    def __hash__(self) -> int:
        return hash((HolidayTable, *self._key()))


@dataclass(frozen=True)
class WorkingCalendar:
    """One office's calendar: national holidays, its closures and its extra service days."""

    holidays: Mapping[date, str] = field(default_factory=HolidayTable)
    closures: tuple[Closure, ...] = ()
    extra_days: Mapping[date, str] = field(default_factory=dict)
    weekend: frozenset[int] = frozenset({5, 6})

    def closure_on(self, day: date) -> Closure | None:
        for closure in self.closures:
            if closure.covers(day):
                return closure
        return None

    def info(self, day: date) -> DayInfo:
        """Everything the calendar knows about one day."""
        closure = self.closure_on(day)
        holiday = self.holidays.get(day)
        extra = self.extra_days.get(day)
        weekend = day.weekday() in self.weekend
        if closure is not None:
            # A closure wins over everything: the office is shut, whatever else was planned.
            service = False
        elif extra is not None:
            service = True
        else:
            service = not weekend and holiday is None
        return DayInfo(
            day=day,
            service_day=service,
            weekend=weekend,
            holiday=holiday,
            closure=closure.reason if closure else None,
            extra=extra,
        )

    def is_service_day(self, day: date) -> bool:
        """True when the office serves applicants on `day`."""
        return self.info(day).service_day

    def service_days_after(self, start: date) -> Iterator[date]:
        """Service days strictly after `start`, in order (bounded by MAX_SEARCH_DAYS)."""
        day = start
        for _ in range(MAX_SEARCH_DAYS):
            day += timedelta(days=1)
            if self.is_service_day(day):
                yield day

    def next_service_days(
        self, start: date, count: int, *, include_start: bool = True
    ) -> list[date]:
        """The next `count` service days from `start` (itself included when it is one)."""
        if count < 0:
            raise ValueError("count must not be negative")
        found: list[date] = []
        if include_start and count and self.is_service_day(start):
            found.append(start)
        for day in self.service_days_after(start):
            if len(found) >= count:
                break
            found.append(day)
        if len(found) < count:
            raise ValueError(f"fewer than {count} service days within {MAX_SEARCH_DAYS} days")
        return found

    def due_date(self, start: date, working_days: int) -> date:
        """The `working_days`-th service day after `start` (start not counted); 0 means `start`."""
        if working_days < 0:
            raise ValueError("working_days must not be negative")
        if working_days == 0:
            return start
        return self.next_service_days(start, working_days, include_start=False)[-1]

    def working_days_between(self, start: date, end: date) -> int:
        """Service days in (start, end]: how many working days `end` lies after `start`."""
        if end <= start:
            return 0
        days = iter_days(start + timedelta(days=1), end)
        return sum(1 for day in days if self.is_service_day(day))

    def month(self, year: int, month: int) -> list[DayInfo]:
        """Every day of one month with its status."""
        first = date(year, month, 1)
        last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        return [self.info(day) for day in iter_days(first, last)]


def iter_days(first: date, last: date) -> Iterable[date]:
    """Every date from `first` to `last` inclusive."""
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def check_day(day: date, field_name: str) -> date:
    """`day` if it lies in Loket's window of days, else a 422 naming the field."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise invalid(
            field_name,
            "date_out_of_range",
            "Give a date between %(first)s and %(last)s",
            first=FIRST_DAY.isoformat(),
            last=LAST_DAY.isoformat(),
        )
    return day
