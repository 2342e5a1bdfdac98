"""The booking API over HTTP: shapes, errors in both languages, the signed bank callback."""

from __future__ import annotations

import json
from datetime import date

import httpx

from loket.domain.payment import SIGNATURE_HEADER, sign
from loket.services.payments import bank_secret
from loket.store.database import Database
from loket.testing.applicants import applicant

DAY = date(2017, 12, 29)


async def book(client: httpx.AsyncClient, index: int, **extra) -> httpx.Response:  # type: ignore[no-untyped-def]
    return await client.post("/api/v1/offices/PLG/bookings", json=applicant(index).booking_body(DAY, **extra))


async def test_availability_shape(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/v1/offices/PLG/availability",
        params={"from": "2017-12-29", "to": "2018-01-02", "category": "regular"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["office"] == "PLG"
    assert [d["date"] for d in body["days"]] == ["2017-12-29", "2018-01-02"]  # weekend and New Year skipped
    assert body["days"][0]["sessions"][0] == {
        "session": "08:00",
        "category": "regular",
        "capacity": 25,
        "left": 25,
    }


async def test_booking_201_then_lookup_cancel(client: httpx.AsyncClient) -> None:
    created = await book(client, 1)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "awaiting_payment" and body["amount"] == 355000
    assert body["amount_label"] == "Rp 355.000"
    assert body["pay_before"] == "2017-12-28T03:30:00+00:00"
    assert body["pay_before_local"] == "Kamis, 28 Desember 2017 10.30 WIB"
    assert (body["date"], body["session"]) == ("2017-12-29", "08:00")
    person = applicant(1)
    found = await client.post(
        "/api/v1/bookings/lookup", json={"booking_code": body["booking_code"], "nik": person.nik}
    )
    assert found.status_code == 200
    assert found.json()["nik"] == person.nik[:4] + "********" + person.nik[-4:]
    assert found.json()["date_label"] == "Jumat, 29 Desember 2017"
    wrong = await client.post(
        "/api/v1/bookings/lookup", json={"booking_code": body["booking_code"], "nik": applicant(2).nik}
    )
    unknown = await client.post(
        "/api/v1/bookings/lookup", json={"booking_code": "PLG-0000000000", "nik": person.nik}
    )
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()
    cancelled = await client.post(f"/api/v1/bookings/{body['booking_code']}/cancel", json={"nik": person.nik})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


async def test_bad_input_is_422_with_field_and_language(client: httpx.AsyncClient) -> None:
    bad_nik = await client.post(
        "/api/v1/offices/PLG/bookings",
        headers={"Accept-Language": "id"},
        json={**applicant(3).booking_body(DAY), "nik": "123"},
    )
    assert bad_nik.status_code == 422
    assert bad_nik.json() == {
        "error": "nik_length",
        "field": "nik",
        "message": "NIK harus terdiri dari tepat 16 digit",
    }
    english = await client.post(
        "/api/v1/offices/PLG/bookings",
        headers={"Accept-Language": "en"},
        json={**applicant(3).booking_body(DAY), "nik": "123"},
    )
    assert english.json()["message"] == "The NIK must have exactly 16 digits"
    missing = await client.post("/api/v1/offices/PLG/bookings", json={"nik": applicant(3).nik})
    assert missing.status_code == 422 and missing.json()["error"] == "validation_error"
    assert {e["field"] for e in missing.json()["errors"]} >= {"full_name", "date", "session"}
    malformed = await client.post(
        "/api/v1/offices/PLG/bookings", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code == 422 and malformed.json()["error"] == "malformed_json"
    extra = await client.post(
        "/api/v1/offices/PLG/bookings", json={**applicant(3).booking_body(DAY), "vip": True}
    )
    assert extra.status_code == 422 and extra.json()["field"] == "vip"
    holiday = await client.post(
        "/api/v1/offices/PLG/bookings", json=applicant(3).booking_body(date(2018, 1, 1))
    )
    assert holiday.status_code == 422 and holiday.json()["error"] == "not_a_service_day"
    unknown_office = await client.post("/api/v1/offices/XYZ/bookings", json=applicant(3).booking_body(DAY))
    assert unknown_office.status_code == 404


async def test_full_session_is_409_with_alternatives(client: httpx.AsyncClient) -> None:
    for i in range(25):
        assert (await book(client, 10 + i)).status_code == 201
    full = await book(client, 40)
    assert full.status_code == 409
    body = full.json()
    assert body["error"] == "quota_full"
    assert body["alternatives"][0] == {
        "date": "2017-12-29",
        "session": "09:00",
        "category": "regular",
        "left": 25,
    }


async def test_supervisor_quota_api_needs_the_token(client: httpx.AsyncClient, db: Database, clock) -> None:  # type: ignore[no-untyped-def]
    """Quota changes need a signed-in supervisor of the office (staff accounts, issue 4)."""
    from .floor_fixtures import make_staff, sign_in

    anonymous = await client.put(
        "/api/v1/offices/PLG/quotas/2017-12-29", json={"category": "regular", "capacity": 6}
    )
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "unauthorized"
    await make_staff(db, clock, "budi", "sari")
    csrf = await sign_in(client, "budi")  # an officer: not enough
    officer = await client.put(
        "/api/v1/offices/PLG/quotas/2017-12-29",
        json={"category": "regular", "capacity": 6},
        headers={"X-CSRF-Token": csrf},
    )
    assert officer.status_code == 403
    csrf = await sign_in(client, "sari")
    done = await client.put(
        "/api/v1/offices/PLG/quotas/2017-12-29",
        json={"category": "regular", "capacity": 200},
        headers={"X-CSRF-Token": csrf},
    )
    assert done.status_code == 200, done.text
    assert [s["capacity"] for s in done.json()["sessions"]] == [34, 34, 33, 33, 33, 33]


async def test_bank_callback_over_http(client: httpx.AsyncClient, db: Database) -> None:
    booking = (await book(client, 50)).json()
    raw = json.dumps(
        {
            "billing_code": booking["billing_code"],
            "amount": 355000,
            "ntpn": "0A1B2C3D4E5F6071",
            "paid_at": "2017-12-28T02:00:00+00:00",
            "bank": "BNI",
        }
    ).encode()
    headers = {"Content-Type": "application/json"}
    unsigned = await client.post("/api/v1/payments/bank-callback", content=raw, headers=headers)
    assert unsigned.status_code == 401 and unsigned.json()["error"] == "bad_signature"
    headers[SIGNATURE_HEADER] = sign(await bank_secret(db, "BNI"), raw)
    paid = await client.post("/api/v1/payments/bank-callback", content=raw, headers=headers)
    assert paid.status_code == 200, paid.text
    assert paid.json()["outcome"] == "accepted" and paid.json()["booking_status"] == "paid"
    replay = await client.post("/api/v1/payments/bank-callback", content=raw, headers=headers)
    assert replay.status_code == 200 and replay.json()["replayed"] is True
    short = json.dumps(
        {
            "billing_code": booking["billing_code"],
            "amount": 1000,
            "ntpn": "0A1B2C3D4E5F6072",
            "paid_at": "2017-12-28T02:00:00+00:00",
            "bank": "BNI",
        }
    ).encode()
    refused = await client.post(
        "/api/v1/payments/bank-callback",
        content=short,
        headers={**headers, SIGNATURE_HEADER: sign(await bank_secret(db, "BNI"), short)},
    )
    assert refused.status_code == 409 and refused.json()["error"] == "amount_mismatch"


async def test_reschedule_over_http(client: httpx.AsyncClient) -> None:
    booking = (await book(client, 60)).json()
    person = applicant(60)
    moved = await client.post(
        f"/api/v1/bookings/{booking['booking_code']}/reschedule",
        json={"nik": person.nik, "date": "2018-01-02", "session": "09:00"},
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["date"], moved.json()["session"], moved.json()["reschedules_left"]) == (
        "2018-01-02",
        "09:00",
        0,
    )
    again = await client.post(
        f"/api/v1/bookings/{booking['booking_code']}/reschedule",
        json={"nik": person.nik, "date": "2018-01-03", "session": "09:00"},
    )
    assert again.status_code == 409 and again.json()["error"] == "reschedule_used"
