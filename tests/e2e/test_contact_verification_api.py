"""NIK squatting and the NIK oracle over HTTP (issue 21), verification ON, both databases: the
booking answer is the same `202` for a held and a free NIK (before, `409 active_booking_exists`
told), the code's answer for a held NIK is the one of a code used up, the billing provider is
asked only after the code, and the holder's release works through the status pages."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date

import httpx
import pytest
from sqlalchemy import select

from loket.clock import FrozenClock
from loket.settings import Settings
from loket.store.database import Database
from loket.store.tables import bookings, nik_holds, notify_outbox
from loket.testing.applicants import applicant
from loket.web.app import create_app
from loket.web.csrf import COOKIE as CSRF_COOKIE
from loket.web.csrf import HEADER as CSRF_HEADER

from .billing_peer import running
from .conftest import E2E_CSRF

DAY = date(2017, 12, 29)
SECRET_KEY = "e2e-secret-key-for-contact-codes-0123456789"


@pytest.fixture
async def verifying(demo: Database, db_url: str, clock: FrozenClock) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(database_url=db_url, verify_contact=True, secret_key=SECRET_KEY, rate_limit=False)
    app = create_app(settings, db=demo, clock=clock)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://loket.test") as http:
        http.cookies.set(CSRF_COOKIE, E2E_CSRF, domain="loket.test")
        http.headers[CSRF_HEADER] = E2E_CSRF
        yield http


async def otp(db: Database, verification_id: str) -> str:
    async with db.read() as conn:
        row = (
            await conn.execute(
                select(notify_outbox.c.params).where(
                    notify_outbox.c.subject == verification_id, notify_outbox.c.event == "contact_code"
                )
            )
        ).first()
    assert row is not None
    return str(row.params["otp"])


def shape(body: dict) -> tuple:  # type: ignore[type-arg]
    return (sorted(body), body["status"], len(body["verification_id"]))


async def test_the_booking_answer_is_the_same_whether_or_not_the_nik_holds_a_booking(
    verifying: httpx.AsyncClient, demo: Database
) -> None:
    holder = applicant(31)
    first = await verifying.post("/api/v1/offices/PLG/bookings", json=holder.booking_body(DAY))
    assert first.status_code == 202, first.text
    vid = first.json()["verification_id"]
    confirmed = await verifying.post(
        f"/api/v1/offices/PLG/verifications/{vid}", json={"code": await otp(demo, vid)}
    )
    assert confirmed.status_code == 200, confirmed.text
    [made] = confirmed.json()["bookings"]
    assert made["status"] == "awaiting_payment" and len(made["billing_code"]) == 15

    squat_body = holder.booking_body(DAY, phone="081377770001", email=None)
    squat = await verifying.post("/api/v1/offices/PLG/bookings", json=squat_body)
    free = await verifying.post(
        "/api/v1/offices/PLG/bookings", json=applicant(32).booking_body(DAY, phone="081377770002", email=None)
    )
    assert squat.status_code == free.status_code == 202  # not 409 active_booking_exists
    assert shape(squat.json()) == shape(free.json())
    assert squat.json()["expires_at"] == free.json()["expires_at"]

    held = await verifying.post(
        f"/api/v1/offices/PLG/verifications/{squat.json()['verification_id']}",
        json={"code": await otp(demo, squat.json()["verification_id"])},
    )
    fid = free.json()["verification_id"]
    miss = f"{(int(await otp(demo, fid)) + 1) % 1_000_000:06d}"
    for left in (2, 1):
        wrong = await verifying.post(f"/api/v1/offices/PLG/verifications/{fid}", json={"code": miss})
        assert wrong.status_code == 422 and wrong.json()["error"] == "code_wrong", wrong.text
        assert str(left) in wrong.json()["message"]
    spent = await verifying.post(f"/api/v1/offices/PLG/verifications/{fid}", json={"code": miss})
    assert held.status_code == spent.status_code == 409
    assert held.json() == spent.json()
    assert held.json()["error"] == "booking_not_confirmed"
    async with demo.read() as conn:
        told = (await conn.execute(select(notify_outbox).where(notify_outbox.c.event == "nik_attempt"))).all()
        hold = (await conn.execute(select(nik_holds).where(nik_holds.c.nik == holder.nik))).first()
    assert {t.subject for t in told} == {made["booking_code"]}
    assert hold is not None and hold.booking_code == made["booking_code"]


async def test_the_billing_provider_is_asked_only_once_the_code_is_entered(
    db_url: str, demo: Database, clock: FrozenClock
) -> None:
    async with running(db_url, demo, clock, verify_contact=True) as peers:
        made = await peers.loket.post("/api/v1/offices/PLG/bookings", json=applicant(33).booking_body(DAY))
        assert made.status_code == 202, made.text
        assert (await peers.billing.get("/v1/state")).json()["codes"] == []
        vid = made.json()["verification_id"]
        done = await peers.loket.post(
            f"/api/v1/offices/PLG/verifications/{vid}", json={"code": await otp(demo, vid)}
        )
        assert done.status_code == 200, done.text
        [booking] = done.json()["bookings"]
        issued = {c["reference"]: c for c in (await peers.billing.get("/v1/state")).json()["codes"]}
        assert issued[booking["booking_code"]]["billing_code"] == booking["billing_code"]


async def test_the_holder_releases_a_squatted_nik_on_the_status_pages(
    verifying: httpx.AsyncClient, demo: Database
) -> None:
    victim = applicant(34)
    squat = await verifying.post(
        "/api/v1/offices/PLG/bookings", json=victim.booking_body(DAY, phone="081344440001", email=None)
    )
    vid = squat.json()["verification_id"]
    done = await verifying.post(
        f"/api/v1/offices/PLG/verifications/{vid}", json={"code": await otp(demo, vid)}
    )
    squat_code = done.json()["bookings"][0]["booking_code"]

    form = await verifying.get("/status/release")
    assert form.status_code == 200 and 'name="kk"' in form.text
    bad = await verifying.post(
        "/status/release",
        data={
            "csrf_token": E2E_CSRF,
            "office": "PLG",
            "nik": victim.nik,
            "kk": "12",
            "phone": "081355550009",
        },
    )
    assert bad.status_code == 422 and 'id="kk-error"' in bad.text
    started = await verifying.post(
        "/status/release",
        data={
            "csrf_token": E2E_CSRF,
            "office": "PLG",
            "nik": victim.nik,
            "kk": "1671010101170001",
            "phone": "081355550009",
        },
    )
    assert started.status_code == 303
    page = await verifying.get(started.headers["location"])
    assert page.status_code == 200 and re.search(r"•+009", page.text)
    rid = started.headers["location"].rsplit("/", 1)[1]
    entered = await verifying.post(
        started.headers["location"], data={"csrf_token": E2E_CSRF, "code": await otp(demo, rid)}
    )
    assert entered.status_code == 200, entered.text
    async with demo.read() as conn:
        row = (
            await conn.execute(select(bookings.c.status).where(bookings.c.booking_code == squat_code))
        ).first()
    assert row is not None and row.status == "cancelled"
    # And the holder books through the pages: the form asks the optional KK, then the code page.
    booked = await verifying.post(
        "/api/v1/offices/PLG/bookings", json=victim.booking_body(DAY, kk="1671010101170001")
    )
    assert booked.status_code == 202
