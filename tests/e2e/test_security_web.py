"""Web security over HTTP on both databases: a bot rushing a first-come release is rate limited
(429 + Retry-After), sign-in locks out, forms need their CSRF token, every answer carries the
security headers, an applicant reaches only their own booking, and the ballot API end to end."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from loket.clock import FrozenClock
from loket.services.demo import load_demo
from loket.settings import Settings
from loket.store.database import Database
from loket.testing.applicants import applicant
from loket.web.app import create_app

from .floor_fixtures import PASSWORD, make_staff, sign_in

pytestmark = pytest.mark.usefixtures("fast_hashing")
DAY = "2017-12-29"


@pytest.fixture
async def proxied(demo: Database, demo_url: str, clock: FrozenClock) -> AsyncIterator[httpx.AsyncClient]:
    """The app behind a trusted proxy (127.0.0.1): X-Forwarded-For names each client."""
    app = create_app(Settings(database_url=demo_url, trusted_proxies=["127.0.0.1"]), db=demo, clock=clock)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://loket.test") as http:
        yield http


async def test_a_bot_rushing_a_release_is_rate_limited_and_honest_applicants_are_not(
    proxied: httpx.AsyncClient,
) -> None:
    bot = {"X-Forwarded-For": "103.99.1.1"}

    async def one(i: int) -> httpx.Response:
        body = applicant(1000 + i, seed=2).booking_body(datetime.fromisoformat(DAY).date())
        return await proxied.post("/api/v1/offices/PLG/bookings", json=body, headers=bot)

    answers = await asyncio.gather(*(one(i) for i in range(500)))  # 500 connections at the instant
    codes = Counter(a.status_code for a in answers)
    assert codes[429] >= 460 and codes[201] <= 30, codes
    refused = next(a for a in answers if a.status_code == 429)
    assert int(refused.headers["retry-after"]) >= 1 and refused.json()["error"] == "rate_limited"
    # Honest applicants, each from their own address, still get places.
    for i in range(5):
        body = applicant(i, seed=3).booking_body(datetime.fromisoformat(DAY).date(), session="10:00")
        made = await proxied.post(
            "/api/v1/offices/PLG/bookings", json=body, headers={"X-Forwarded-For": f"36.70.1.{i + 1}"}
        )
        assert made.status_code == 201, made.text


async def test_one_nik_retrying_is_limited_per_identity(proxied: httpx.AsyncClient) -> None:
    body = applicant(1).booking_body(datetime.fromisoformat(DAY).date())
    answers = [
        await proxied.post(
            "/api/v1/offices/PLG/bookings", json=body, headers={"X-Forwarded-For": f"36.71.0.{i}"}
        )
        for i in range(1, 8)
    ]
    assert [a.status_code for a in answers][:2] == [201, 409] and answers[-1].status_code == 429


async def test_rate_limit_off_lets_everything_through(db: Database, db_url: str, clock: FrozenClock) -> None:
    await load_demo(db, now=clock())
    app = create_app(Settings(database_url=db_url, rate_limit=False), db=db, clock=clock)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://loket.test"
    ) as http:
        answers = [
            await http.post("/api/v1/bookings/lookup", json={"booking_code": "PLG-0000000000", "nik": "1"})
            for _ in range(80)
        ]
    assert {a.status_code for a in answers} == {404}


async def test_sign_in_locks_out_after_repeated_failures(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock
) -> None:
    await make_staff(db, clock, "budi")
    for _ in range(5):
        wrong = await client.post(
            "/api/v1/staff/login", json={"username": "budi", "password": "salah-salah-1"}
        )
        assert wrong.status_code == 401
    locked = await client.post("/api/v1/staff/login", json={"username": "budi", "password": PASSWORD})
    assert locked.status_code == 429 and locked.json()["error"] == "login_locked"
    assert int(locked.headers["retry-after"]) > 0
    # An unknown name locks the same way: the lock-out tells nobody which accounts exist.
    for _ in range(5):
        await client.post("/api/v1/staff/login", json={"username": "nobody", "password": "salah-salah-1"})
    assert (
        await client.post("/api/v1/staff/login", json={"username": "nobody", "password": "x"})
    ).status_code == 429
    clock.advance(minutes=16)
    assert (
        await client.post("/api/v1/staff/login", json={"username": "budi", "password": PASSWORD})
    ).status_code == 200


async def test_forms_need_their_csrf_token(db: Database, db_url: str, clock: FrozenClock) -> None:
    await load_demo(db, now=clock())
    app = create_app(Settings(database_url=db_url), db=db, clock=clock)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://loket.test"
    ) as http:
        forged = await http.post("/status", data={"booking_code": "PLG-0000000000", "nik": "1"})
        assert forged.status_code == 403 and forged.json()["error"] == "csrf_failed"
        page = await http.get("/status")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token and "httponly" in page.headers["set-cookie"].lower()
        lookup = await http.post(
            "/status", data={"booking_code": "PLG-0000000000", "nik": "1", "csrf_token": token[1]}
        )
        assert lookup.status_code == 404  # past the CSRF check: an unknown booking
        login = await http.post("/staff/login", data={"username": "x", "password": "y"})
        assert login.status_code == 403


async def test_every_answer_carries_the_security_headers(client: httpx.AsyncClient) -> None:
    for path in ("/", "/booking", "/status", "/staff/login", "/api/v1/offices", "/healthz"):
        answer = await client.get(path)
        assert answer.headers["x-content-type-options"] == "nosniff", path
        assert answer.headers["referrer-policy"] == "no-referrer", path
        csp = answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp, path
        if answer.headers["content-type"].startswith("text/html"):
            assert "script-src 'self';" in csp and "unsafe" not in csp, path
            assert "<script>" not in answer.text and " style=" not in answer.text, path


async def test_an_applicant_reaches_only_their_own_booking(client: httpx.AsyncClient) -> None:
    day = datetime.fromisoformat(DAY).date()
    mine, theirs = applicant(1), applicant(2)
    a = (await client.post("/api/v1/offices/PLG/bookings", json=mine.booking_body(day))).json()[
        "booking_code"
    ]
    b = (await client.post("/api/v1/offices/PLG/bookings", json=theirs.booking_body(day))).json()[
        "booking_code"
    ]
    own = await client.post("/api/v1/bookings/lookup", json={"booking_code": a, "nik": mine.nik})
    assert own.status_code == 200 and own.json()["nik"] == mine.nik[:4] + "********" + mine.nik[-4:]
    for path, body in (
        ("/api/v1/bookings/lookup", {"booking_code": b, "nik": mine.nik}),
        (f"/api/v1/bookings/{b}/cancel", {"nik": mine.nik}),
        (f"/api/v1/bookings/{b}/reschedule", {"nik": mine.nik, "date": "2018-01-02", "session": "08:00"}),
    ):
        other = await client.post(path, json=body)
        assert other.status_code == 404 and other.json()["error"] == "booking_not_found", path
    page = await client.post("/status", data={"booking_code": b, "nik": mine.nik})
    assert page.status_code == 404 and theirs.full_name not in page.text
    client.cookies.set("loket_recent", f"{b}~9999999999~forged", domain="loket.test")
    forged = await client.get("/booking-done")
    assert forged.status_code == 200 and b not in forged.text


async def test_the_ballot_over_http(client: httpx.AsyncClient, db: Database, clock: FrozenClock) -> None:
    await make_staff(db, clock, "sari")
    csrf = await sign_in(client, "sari")
    opens = clock() + timedelta(hours=1)
    closes = datetime(2017, 12, 30, 5, 0, tzinfo=UTC)
    made = await client.put(
        "/api/v1/offices/PLG/releases/2018-01-03",
        json={"mode": "ballot", "opens_at": opens.isoformat(), "closes_at": closes.isoformat()},
        headers={"X-CSRF-Token": csrf},
    )
    assert made.status_code == 200, made.text
    public = (await client.get("/api/v1/offices/PLG/ballots/2018-01-03")).json()
    assert len(public["commitment"]) == 64 and public["seed"] is None
    page = await client.get("/ballot/PLG/2018-01-03")
    assert page.status_code == 200 and public["commitment"] in page.text
    clock.advance(hours=2)
    person = applicant(3)
    body = person.booking_body(datetime(2018, 1, 3).date())
    entry = {k: body[k] for k in ("nik", "full_name", "birth_date", "sex", "phone", "email", "session")}
    entered = await client.post("/api/v1/offices/PLG/ballots/2018-01-03/entries", json=entry)
    assert entered.status_code == 201, entered.text
    code = entered.json()["entry_code"]
    again = await client.post("/api/v1/offices/PLG/ballots/2018-01-03/entries", json=entry)
    assert again.status_code == 409 and again.json()["error"] == "already_entered"
    direct = await client.post("/api/v1/offices/PLG/bookings", json=body)
    assert direct.status_code == 409 and direct.json()["error"] == "ballot_day"
    clock.now = closes
    csrf = await sign_in(client, "sari")  # two days later: a new sign-in
    drawn = await client.post("/api/v1/offices/PLG/ballots/2018-01-03/draw", headers={"X-CSRF-Token": csrf})
    assert drawn.status_code == 200 and drawn.json()["won"] == 1
    public = (await client.get("/api/v1/offices/PLG/ballots/2018-01-03")).json()
    assert public["seed"] == drawn.json()["seed"] and public["results"][0]["entry_code"] == code
    mine = await client.post("/api/v1/ballot-entries/lookup", json={"entry_code": code, "nik": person.nik})
    assert mine.json()["status"] == "won" and mine.json()["booking_code"]
    wrong = await client.post(
        "/api/v1/ballot-entries/lookup", json={"entry_code": code, "nik": applicant(4).nik}
    )
    assert wrong.status_code == 404


async def test_supervisor_security_pages_and_api(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock
) -> None:
    await make_staff(db, clock, "sari")
    csrf = await sign_in(client, "sari")
    made = await client.post(
        "/api/v1/offices/PLG/bookings", json=applicant(1).booking_body(datetime.fromisoformat(DAY).date())
    )
    code = made.json()["booking_code"]
    report = await client.get("/api/v1/offices/PLG/fraud-report", params={"from": DAY, "to": DAY})
    assert report.status_code == 200 and report.json()["findings"] == []
    flagged = await client.post(
        "/api/v1/offices/PLG/flags",
        json={"bookings": [code], "reason": "test"},
        headers={"X-CSRF-Token": csrf},
    )
    assert flagged.json() == {"changed": 1}
    page = await client.get("/offices/PLG/security/fraud", params={"from": DAY, "to": DAY})
    assert page.status_code == 200 and 'data-kind="' not in page.text
    assert (await client.get("/offices/PLG/security/releases")).status_code == 200
    exported = await client.post(
        "/api/v1/offices/PLG/privacy/export", json={"nik": applicant(1).nik}, headers={"X-CSRF-Token": csrf}
    )
    assert exported.status_code == 200 and exported.json()["bookings"][0]["booking_code"] == code
    chain = await client.get("/api/v1/offices/PLG/audit/verify")
    assert chain.status_code == 403  # admins only
