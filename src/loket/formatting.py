"""How money, dates and times are shown to people: `Rp 355.000`, `Kamis, 28 Desember 2017`."""

from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time, get_day_names
from babel.numbers import format_decimal

from loket.domain.office import INDONESIAN_ZONES

DEFAULT_LOCALE = "id"
SUPPORTED_LOCALES = ("id", "en")



def rupiah(amount: int, locale: str = DEFAULT_LOCALE) -> str:
    """Whole rupiah with dots for thousands whatever the language: `Rp 355.000`."""
    if isinstance(amount, float | bool) or amount != int(amount):
        raise TypeError("money is whole rupiah, never a float or a fraction")
    # Rupiah amounts are written the Indonesian way in both languages, as on the bank slip.
    return _rupiah(int(amount))


@lru_cache(maxsize=1024)
def _rupiah(amount: int) -> str:
    # Cached: a handful of tariffs are formatted on every booking answer (babel is slow at it).
    return "Rp " + format_decimal(amount, locale="id")


def long_date(day: date, locale: str = DEFAULT_LOCALE) -> str:
    """`Kamis, 28 Desember 2017` (or `Thursday, 28 December 2017`)."""
    return format_date(day, "EEEE, d MMMM y", locale=locale)


def short_date(day: date, locale: str = DEFAULT_LOCALE) -> str:
    """`28 Des 2017`."""
    return format_date(day, "d MMM y", locale=locale)


def zone_abbreviation(tz_name: str) -> str:
    """WIB, WITA or WIT for Indonesian zones; the IANA name otherwise."""
    return INDONESIAN_ZONES.get(tz_name, tz_name)


def local_time(moment: datetime, tz_name: str, locale: str = DEFAULT_LOCALE) -> str:
    """A UTC moment as the office's wall-clock time: `14.05 WIB`."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: store and pass UTC-aware moments")
    local = moment.astimezone(ZoneInfo(tz_name))
    return f"{format_time(local, 'HH.mm', locale=locale)} {zone_abbreviation(tz_name)}"


def local_datetime(moment: datetime, tz_name: str, locale: str = DEFAULT_LOCALE) -> str:
    """`Kamis, 28 Desember 2017 14.05 WIB`."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: store and pass UTC-aware moments")
    # To the minute, which is all the label shows (Indonesia's zones are whole hours from UTC): every
    # booking of a rush has a deadline in the same few minutes, and Babel takes ~0.1 ms a label.
    return _local_minute(moment.replace(second=0, microsecond=0), tz_name, locale)


@lru_cache(maxsize=4096)
def _local_minute(moment: datetime, tz_name: str, locale: str) -> str:
    local = moment.astimezone(ZoneInfo(tz_name))
    text = format_datetime(local, "EEEE, d MMMM y HH.mm", locale=locale)
    return f"{text} {zone_abbreviation(tz_name)}"


def opening_hours(hours: dict[int, tuple[time, time]], tz_name: str, locale: str = DEFAULT_LOCALE) -> str:
    """`Sen-Jum 08.00-16.00 WIB`: runs of weekdays (ISO numbers) with the same hours.

    ASCII hyphens, not dashes: a dash would take the SMS out of GSM-7 and cut it to 70 characters."""
    names = get_day_names("abbreviated", locale=locale)  # 0 = Monday
    runs: list[tuple[int, int, tuple[time, time]]] = []
    for day in sorted(hours):
        if runs and runs[-1][1] == day - 1 and runs[-1][2] == hours[day]:
            runs[-1] = (runs[-1][0], day, hours[day])
        else:
            runs.append((day, day, hours[day]))
    shown = []
    for first, last, (opens, closes) in runs:
        days = names[first - 1] if first == last else f"{names[first - 1]}-{names[last - 1]}"
        span = f"{format_time(opens, 'HH.mm', locale=locale)}-{format_time(closes, 'HH.mm', locale=locale)}"
        shown.append(f"{days} {span}")
    return f"{', '.join(shown)} {zone_abbreviation(tz_name)}" if shown else ""
