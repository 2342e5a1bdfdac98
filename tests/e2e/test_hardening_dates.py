"""Dates at the edges (issue 21): every date a route takes, in its path or its query, is bounded
to a sane window and read only as YYYY-MM-DD. The routes are found from the app, not listed by
hand, so a new route with a date is covered the day it is added; the months of the month pages
and the working days of the due date are bounded the same way. None of them may answer 500."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from loket.clock import FrozenClock
from loket.services.national_admins import grant_national_admin
from loket.store.database import Database
from loket.web.csrf import COOKIE as CSRF_COOKIE

from .floor_fixtures import make_staff, sign_in
from .test_floor_auth import FILL, all_routes

pytestmark = pytest.mark.usefixtures("fast_hashing")

BAD_DAYS = ("9999-12-31", "0001-01-01", "0", "1e5")


def _date_params(dependant: Any) -> list[tuple[str, str]]:
    """(where, name) of every path or query parameter typed as a date, in sub-dependencies too."""
    found = [
        (where, p.alias)
        for where, params in (("path", dependant.path_params), ("query", dependant.query_params))
        for p in params
        if date in _types(p.field_info.annotation)
    ]
    for sub in dependant.dependencies:
        found.extend(_date_params(sub))
    return found


def _types(annotation: Any) -> set[Any]:
    found = {annotation}
    for arg in getattr(annotation, "__args__", ()) or ():
        found |= _types(arg)
    origin = getattr(annotation, "__origin__", None)
    if origin is not None:
        found.add(origin)
    return found


def date_cases() -> list[tuple[str, str, str, str]]:
    """(method, path template, where, name) for every date parameter of every route."""
    from loket.settings import Settings
    from loket.web.app import create_app

    app = create_app(Settings(database_url="sqlite:///unused.db"))
    cases = []
    for route in all_routes(app.routes):
        for where, name in _date_params(route.dependant):
            for method in sorted(set(route.methods) - {"HEAD"}):
                cases.append((method, route.path, where, name))
    assert len(cases) > 30, "the date parameters were not found: has FastAPI changed its routes?"
    return cases


CASES = date_cases()


def _url(path: str, where: str, name: str, value: str) -> tuple[str, dict[str, str]]:
    fill = {**FILL, "office": "PLG", "session": "pagi", name: value if where == "path" else FILL["day"]}
    return path.format(**fill), ({name: value} if where == "query" else {})


async def _signed_in_admin(client: httpx.AsyncClient, db: Database, clock: FrozenClock) -> None:
    await make_staff(db, clock, "adi")
    # Also a national administrator, so that the national routes' dates are checked too.
    await grant_national_admin(db, "adi", now=clock())
    token = await sign_in(client, "adi")
    # One token serves both checks: the staff session's and the double-submit cookie's.
    client.headers["X-CSRF-Token"] = token
    client.cookies.set(CSRF_COOKIE, token, domain="loket.test")


async def test_every_date_parameter_refuses_days_out_of_range_naming_the_field(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock
) -> None:
    await _signed_in_admin(client, db, clock)
    wrong = []
    for method, path, where, name in CASES:
        for value in BAD_DAYS:
            url, params = _url(path, where, name, value)
            answer = await client.request(method, url, params=params, json={})
            fields = _fields(answer)
            if answer.status_code != 422 or name not in fields:
                wrong.append((method, url, params, answer.status_code, answer.text[:160]))
    assert wrong == []


def _fields(answer: httpx.Response) -> set[str]:
    """The fields an error names: the JSON's, or on an applicant's error page the month or day
    whose range its message gives."""
    if answer.headers.get("content-type", "").startswith("text/html"):
        said = 'data-error="date_out_of_range"' in answer.text and "2099-12-31" in answer.text
        return {"month", "day"} if said else set()
    try:
        body = answer.json()
    except ValueError:  # not JSON at all (a file, an empty answer): the date was not refused
        return set()
    if not isinstance(body, dict):  # a route that answered (a list) instead of refusing the date
        return set()
    return {body.get("field")} | {e.get("field") for e in body.get("errors", [])}


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/offices/PLG/availability?from=9999-12-31", "from"),
        ("/api/v1/offices/PLG/availability?from=0", "from"),
        ("/api/v1/offices/PLG/calendar?from=9999-12-31", "from"),
        ("/api/v1/offices/PLG/calendar?from=2017-12-28&to=9999-12-31", "to"),
        ("/api/v1/offices/PLG/due-date?start=9999-12-31&working_days=60", "start"),
        ("/api/v1/offices/PLG/due-date?start=2199-12-31&working_days=60", "start"),
        ("/api/v1/offices/PLG/due-date?start=2017-12-28&working_days=100000000", "working_days"),
        ("/api/v1/offices/PLG/due-date?start=2017-12-28&working_days=-5", "working_days"),
        ("/booking/PLG?month=9999-12", "month"),
        ("/booking/PLG?month=0001-01", "month"),
        ("/booking/PLG/9999-12-31", "day"),
        ("/offices/PLG/calendar?month=0001-01", "month"),
        ("/offices/PLG/calendar?month=9999-12", "month"),
    ],
)
async def test_the_dates_of_the_penetration_test_answer_422(
    client: httpx.AsyncClient, url: str, field: str
) -> None:
    answer = await client.get(url)
    assert answer.status_code == 422, answer.text[:300]
    assert field in _fields(answer)


async def test_a_date_inside_the_window_still_works(client: httpx.AsyncClient) -> None:
    due = await client.get("/api/v1/offices/PLG/due-date?start=2017-12-28&working_days=4")
    assert due.status_code == 200 and due.json()["due_date"] == "2018-01-04"
    month = await client.get("/booking/PLG?month=2018-01")
    assert month.status_code == 200


async def test_a_booking_body_with_a_day_out_of_range_is_refused(client: httpx.AsyncClient) -> None:
    body = {
        "nik": "1671014508900001",
        "full_name": "Siti Nur'aini",
        "birth_date": "1990-08-05",
        "sex": "female",
        "phone": "0812-3456-7890",
        "date": "9999-12-31",
        "session": "08:00",
        "category": "regular",
        "product": "regular",
        "service": "new",
    }
    answer = await client.post("/api/v1/offices/PLG/bookings", json=body)
    assert answer.status_code == 422 and answer.json()["field"] == "date", answer.text
    born = await client.post(
        "/api/v1/offices/PLG/bookings", json={**body, "date": "2018-01-02", "birth_date": 0}
    )
    assert born.status_code == 422 and born.json()["field"] == "birth_date", born.text
