"""The date type of every day a route takes (path, query or body): YYYY-MM-DD only, inside Loket's
window of days (domain/calendar.py). Pydantic alone would read `0` or `1e5` as a Unix time and let
9999-12-31 through to arithmetic that overflows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from loket.domain.calendar import FIRST_DAY, LAST_DAY

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_only(value: Any) -> Any:
    if isinstance(value, str) and not ISO_DAY.fullmatch(value.strip()):
        raise PydanticCustomError("date_parsing", "Give a date as YYYY-MM-DD")
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise PydanticCustomError("date_parsing", "Give a date as YYYY-MM-DD")
    return value


# The windows below as patterns, so that the OpenAPI schema says which days are accepted and a
# client (or schemathesis) reading it sends no date the route then refuses.
_MONTH_DAY = "-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
DAY_PATTERN = "^20[0-9]{2}" + _MONTH_DAY
BIRTH_PATTERN = "^(19|20)[0-9]{2}" + _MONTH_DAY


@dataclass(frozen=True)
class _Pattern:
    """Adds a `pattern` to a date's JSON Schema (the validators above do the refusing)."""

    pattern: str

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        found = handler(schema)
        found["pattern"] = self.pattern
        return found


def _in_window(value: date) -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise PydanticCustomError(
            "date_out_of_range",
            "Give a date between {first} and {last}",
            {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()},
        )
    return value


Day = Annotated[date, BeforeValidator(_iso_only), AfterValidator(_in_window), _Pattern(DAY_PATTERN)]

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


BirthDate = Annotated[
    date, BeforeValidator(_iso_only), AfterValidator(_born_in_window), _Pattern(BIRTH_PATTERN)
]
