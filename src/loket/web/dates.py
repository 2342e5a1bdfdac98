"""The date type of every day a route takes (path, query or body): YYYY-MM-DD only, inside Loket's
window of days (domain/calendar.py). Pydantic alone would read `0` or `1e5` as a Unix time and let
9999-12-31 through to arithmetic that overflows."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

from loket.domain.calendar import FIRST_DAY, LAST_DAY

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_only(value: Any) -> Any:
    if isinstance(value, str) and not ISO_DAY.fullmatch(value.strip()):
        raise PydanticCustomError("date_parsing", "Give a date as YYYY-MM-DD")
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise PydanticCustomError("date_parsing", "Give a date as YYYY-MM-DD")
    return value


def _in_window(value: date) -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise PydanticCustomError(
            "date_out_of_range",
            "Give a date between {first} and {last}",
            {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()},
        )
    return value


Day = Annotated[date, BeforeValidator(_iso_only), AfterValidator(_in_window)]

# A birth date is older than any day of service; the domain refuses one in the future.
FIRST_BIRTH = date(1900, 1, 1)


def _born_in_window(value: date) -> date:
    if not FIRST_BIRTH <= value <= LAST_DAY:
        raise PydanticCustomError(
            "date_out_of_range",
            "Give a date between {first} and {last}",
            {"first": FIRST_BIRTH.isoformat(), "last": LAST_DAY.isoformat()},
        )
    return value


BirthDate = Annotated[date, BeforeValidator(_iso_only), AfterValidator(_born_in_window)]
