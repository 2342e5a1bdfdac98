"""The rush's two routes answered without FastAPI's routing (web/hot_routes.py): every answer the
same as FastAPI's own for the same request, status, body and headers, the bad and the unusual
ones included; and a bug inside still a plain 500."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest

from loket.clock import FrozenClock
from loket.services import booking as booking_service
from loket.settings import Settings
from loket.store.database import Database
from loket.testing.applicants import applicant
from loket.web.app import create_app
from loket.web.hot_routes import HotRoutes

DAY = date(2017, 12, 29)
PATH = "/api/v1/offices/PLG/bookings"


@pytest.fixture
async def plain(demo: Database, settings: Settings, clock: FrozenClock) -> AsyncIterator[httpx.AsyncClient]:
    """The same app without the hot routes: FastAPI answers everything."""
    app = create_app(settings, db=demo, clock=clock)
    app.user_middleware = [m for m in app.user_middleware if m.cls is not HotRoutes]
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://loket.test") as http:
        yield http


def shown(response: httpx.Response) -> tuple[int, Any, list[tuple[str, str]]]:
    headers = sorted((k, v) for k, v in response.headers.items() if k != "date")
    try:
        body: Any = response.json()
    except json.JSONDecodeError:
        body = response.text
    return response.status_code, body, headers


def body_of(index: int, **changes: Any) -> dict[str, Any]:
    return {**applicant(index).booking_body(DAY), **changes}


async def test_every_refusal_is_answered_as_fastapi_answers_it(
    client: httpx.AsyncClient, plain: httpx.AsyncClient
) -> None:
    first = await client.post(PATH, json=body_of(1))
    assert first.status_code == 201
    json_type = {"content-type": "application/json"}
    cases: list[tuple[str, dict[str, Any]]] = [
        ("empty object", {"json": {}}),
        ("wrong types", {"json": body_of(2, birth_date="28-12-2017", sex=3, date="besok")}),
        ("unknown field", {"json": body_of(2, broker="yes")}),
        ("a list, not an object", {"json": [body_of(2)]}),
        ("not JSON", {"content": b"{nik: 1", "headers": json_type}),
        ("a form, not JSON", {"data": {"nik": "1671014508900001"}}),
        ("no content type", {"content": json.dumps(body_of(2)).encode(), "headers": {}}),
        ("a NIK that cannot be", {"json": body_of(2, nik="1234")}),
        ("the NIK already booked", {"json": body_of(1)}),
        ("an office that does not exist", {"json": body_of(2), "path": "/api/v1/offices/XXX/bookings"}),
        ("a day outside the window", {"json": body_of(2, date="2019-01-02")}),
        ("English", {"json": body_of(2, nik="1234"), "headers": {"accept-language": "en"}}),
    ]
    for name, request in cases:
        path = request.pop("path", PATH)
        fast, slow = await client.post(path, **request), await plain.post(path, **request)
        assert fast.status_code >= 400, name
        assert shown(fast) == shown(slow), name


async def test_a_full_session_gets_the_same_answer_either_way(
    demo: Database, client: httpx.AsyncClient, plain: httpx.AsyncClient
) -> None:
    for index in range(1, 26):  # the 25 places of 08:00
        assert (await client.post(PATH, json=body_of(index))).status_code == 201
    fast, slow = await client.post(PATH, json=body_of(30)), await plain.post(PATH, json=body_of(31))
    assert fast.status_code == 409 and fast.json()["error"] == "quota_full"
    assert fast.json()["alternatives"] and shown(fast) == shown(slow)


async def test_a_booking_and_healthz_carry_the_security_headers(
    client: httpx.AsyncClient, plain: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken: list[str] = []
    real = HotRoutes._booking

    async def spied(self, scope, receive, send, code):  # type: ignore[no-untyped-def]
        taken.append(code)
        await real(self, scope, receive, send, code)

    monkeypatch.setattr(HotRoutes, "_booking", spied)
    made, other = await client.post(PATH, json=body_of(1)), await plain.post(PATH, json=body_of(2))
    assert taken == ["PLG"]  # the first went the short way, the other through FastAPI
    assert made.status_code == other.status_code == 201
    assert sorted(made.json()) == sorted(other.json())
    assert [k for k, _ in shown(made)[2]] == [k for k, _ in shown(other)[2]]
    assert (
        made.headers["x-frame-options"] == "DENY"
        and "default-src 'none'" in made.headers["content-security-policy"]
    )
    assert shown(await client.get("/healthz")) == shown(await plain.get("/healthz"))
    assert (await client.get("/healthz")).json()["status"] == "ok"


async def test_a_bug_inside_is_a_plain_500(
    client: httpx.AsyncClient, plain: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("kaboom-internal-detail")

    monkeypatch.setattr(booking_service, "book_slot", broken)
    fast, slow = await client.post(PATH, json=body_of(1)), await plain.post(PATH, json=body_of(1))
    assert fast.status_code == 500 and fast.json()["error"] == "internal_error"
    assert "kaboom" not in fast.text and (fast.status_code, fast.json()) == (slow.status_code, slow.json())
    # FastAPI's own 500 comes from its outermost layer, past the security headers; this one has them.
    assert fast.headers["x-content-type-options"] == "nosniff"


async def test_call_next_is_answered_as_fastapi_answers_it(
    demo: Database, client: httpx.AsyncClient, plain: httpx.AsyncClient, clock: FrozenClock
) -> None:
    from loket.services import staff as staff_service

    from ..integration.floor_helpers import at, checked_in
    from .floor_fixtures import make_staff, sign_in

    staff_service._hasher = staff_service.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    clock.now = at(8, 5)  # the next service day, its first session under way
    await make_staff(demo, clock, "budi", "dewi")
    station = "/api/v1/offices/PLG/stations/INT1"
    call = station + "/call-next"

    async def both(name: str, path: str, fast: dict[str, str], slow: dict[str, str]) -> httpx.Response:
        answers = await client.post(path, headers=fast), await plain.post(path, headers=slow)
        assert shown(answers[0]) == shown(answers[1]), name
        return answers[0]

    assert (await both("anonymous", call, {}, {})).status_code == 401
    fast, slow = (
        {"X-CSRF-Token": await sign_in(client, "budi")},
        {"X-CSRF-Token": await sign_in(plain, "budi")},
    )
    assert (await both("no CSRF token", call, {}, {})).status_code == 403
    assert (
        await both("unknown station", "/api/v1/offices/PLG/stations/NOPE9/call-next", fast, slow)
    ).status_code == 404
    assert (await both("station closed", call, fast, slow)).status_code == 409  # the demo's INT1
    english = {"accept-language": "en"}
    assert (await both("in English", call, fast | english, slow | english)).status_code == 409
    opened = await client.post(station + "/state", json={"state": "open"}, headers=fast)
    assert opened.status_code == 200, opened.text
    assert (await both("nobody waits", call, fast, slow)).json()["ticket"] is None

    await checked_in(demo, clock, 2, session="08:00")
    first = await client.post(call, headers=fast)  # the hot route calls the front of the queue
    assert first.status_code == 200 and first.json()["ticket"] is not None, first.text
    assert (await both("station busy", call, fast, slow)).status_code == 409
    done = await client.post(station + "/complete", json={"outcome": "done"}, headers=fast)
    assert done.status_code == 200, done.text
    second = await plain.post(call, headers=slow)  # FastAPI calls the next one
    assert second.status_code == 200 and second.json()["ticket"] not in (None, first.json()["ticket"])
    assert sorted(first.json()) == sorted(second.json())
    assert [k for k, _ in shown(first)[2]] == [k for k, _ in shown(second)[2]]
    assert first.json()["station"] == second.json()["station"] == "INT1"

    fast, slow = (
        {"X-CSRF-Token": await sign_in(client, "dewi")},
        {"X-CSRF-Token": await sign_in(plain, "dewi")},
    )
    assert (await both("an officer of Denpasar", call, fast, slow)).json()["error"] == "forbidden"
