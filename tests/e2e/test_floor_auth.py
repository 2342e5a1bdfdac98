"""Nobody but the office's own staff can call, view or change anything of the office floor:
every staff route is found from app.routes, then tried as staff of another office (each role)
and anonymously. The matrix is a table walked against one app per database, not a test per
route: the app and its database are set up twice instead of some two hundred times."""

from __future__ import annotations

import httpx
import pytest
from fastapi.routing import APIRoute

from loket.clock import FrozenClock
from loket.domain.staff import Role
from loket.store.database import Database
from loket.web.auth import signed_in

from .floor_fixtures import PASSWORD, STAFF, make_staff, sign_in

pytestmark = pytest.mark.usefixtures("fast_hashing")

FILL = {
    "code": "PLG",
    "station": "INT1",
    "kind": "intake",
    "day": "2017-12-29",
    "ticket": "A-001",
    "username": "budi",
    "action": "call",
    "device_id": "0a1b2c3d",
    "refund_id": "R-0001",
    "case_id": "0" * 32,
    "booking_code": "PLG-AAAAAAAAAA",
    "item": "ektp",
    "decision": "verify",
}


def _needs_staff(dependant) -> bool:  # type: ignore[no-untyped-def]
    return any(d.call is signed_in or _needs_staff(d) for d in dependant.dependencies)


def staff_routes() -> list[tuple[str, str]]:
    """(method, path) of every route that requires a signed-in staff member, office-scoped."""
    from loket.settings import Settings
    from loket.web.app import create_app

    app = create_app(Settings(database_url="sqlite:///unused.db"))
    found = []
    for route in all_routes(app.routes):
        if _needs_staff(route.dependant) and "{code}" in route.path:
            for method in sorted(set(route.methods) - {"HEAD"}):
                found.append((method, route.path.format(**FILL)))
    assert found, "no staff route found: has FastAPI changed how it lists routes?"
    return found


def all_routes(routes):  # type: ignore[no-untyped-def]
    """Every API route, also inside included routers (FastAPI >= 0.16x keeps them nested)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "effective_route_contexts"):
            yield from (
                c for c in route.effective_route_contexts() if getattr(c, "dependant", None) is not None
            )


ROUTES = staff_routes()


def test_the_floor_and_quota_routes_are_all_staff_routes() -> None:
    paths = {p for _, p in ROUTES}
    for expected in (
        "/api/v1/offices/PLG/stations/INT1/call-next",
        "/api/v1/offices/PLG/check-in",
        "/api/v1/offices/PLG/stats",
        "/api/v1/offices/PLG/staff",
        "/api/v1/offices/PLG/quotas/2017-12-29",
        "/api/v1/offices/PLG/quota-template",
        "/offices/PLG/floor/console",
        "/offices/PLG/floor/kiosk",
        "/offices/PLG/floor/supervisor",
        "/offices/PLG/admin",
        # Security (issue 7): found the same way, from the app's routes.
        "/api/v1/offices/PLG/fraud-report",
        "/api/v1/offices/PLG/flags",
        "/api/v1/offices/PLG/privacy/export",
        "/api/v1/offices/PLG/audit/verify",
        "/api/v1/offices/PLG/releases/2017-12-29",
        "/api/v1/offices/PLG/ballots/2017-12-29/draw",
        "/offices/PLG/security/fraud",
        "/offices/PLG/security/releases",
    ):
        assert expected in paths
    # The display board is public on purpose: numbers and counters, no names.
    assert "/api/v1/offices/PLG/board" not in paths and "/offices/PLG/board" not in paths


async def test_staff_of_another_office_get_403_on_every_staff_route(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock
) -> None:
    """Every role of Denpasar, on every staff route of Palembang, against one app."""
    denpasar = [name for name, (office, _role) in STAFF.items() if office == "DPS"]
    assert sorted(STAFF[name][1] for name in denpasar) == sorted(Role)
    await make_staff(db, clock, *denpasar)
    wrong = []
    for username in denpasar:  # an admin too, but of Denpasar
        csrf = await sign_in(client, username)
        for method, path in ROUTES:
            answer = await client.request(method, path, json={}, headers={"X-CSRF-Token": csrf})
            if answer.status_code != 403 or _error(answer) != "forbidden":
                wrong.append((username, method, path, answer.status_code, answer.text[:200]))
    assert wrong == []


async def test_anonymous_gets_401_or_the_login_page_on_every_staff_route(client: httpx.AsyncClient) -> None:
    wrong = []
    for method, path in ROUTES:
        answer = await client.request(method, path, json={})
        if method == "GET" and not path.startswith("/api/"):
            ok = answer.status_code == 303 and answer.headers["location"].startswith("/staff/login")
        else:
            ok = answer.status_code == 401
        if not ok:
            wrong.append((method, path, answer.status_code, answer.text[:200]))
    assert wrong == []


def _error(answer: httpx.Response) -> object:
    try:
        return answer.json()["error"]
    except (ValueError, KeyError, TypeError):
        return None


async def test_a_lower_role_is_refused_and_csrf_is_required(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock
) -> None:
    await make_staff(db, clock)
    csrf = await sign_in(client, "budi")  # officer of PLG
    stats = await client.get("/api/v1/offices/PLG/stats")
    assert stats.status_code == 403
    staff = await client.get("/api/v1/offices/PLG/staff")
    assert staff.status_code == 403
    no_token = await client.post("/api/v1/offices/PLG/stations/INT1/state", json={"state": "open"})
    assert no_token.status_code == 403 and no_token.json()["error"] == "csrf_failed"
    opened = await client.post(
        "/api/v1/offices/PLG/stations/INT1/state", json={"state": "open"}, headers={"X-CSRF-Token": csrf}
    )
    assert opened.status_code == 200, opened.text


async def test_login_cookie_and_wrong_password(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock
) -> None:
    await make_staff(db, clock)
    wrong = await client.post("/api/v1/staff/login", json={"username": "budi", "password": "salah-salah-1"})
    unknown = await client.post("/api/v1/staff/login", json={"username": "nobody", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    done = await client.post("/api/v1/staff/login", json={"username": "budi", "password": PASSWORD})
    cookie = done.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    me = await client.get("/api/v1/staff/me")
    assert me.json()["roles"] == {"PLG": "officer"}
    await client.post("/api/v1/staff/logout", headers={"X-CSRF-Token": done.json()["csrf_token"]})
    assert (await client.get("/api/v1/staff/me")).status_code == 401
