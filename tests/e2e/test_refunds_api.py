"""The refund workflow over JSON: supervisors of the office only; errors name the field in the
caller's language; the revenue page shows net revenue. Both databases."""

from __future__ import annotations

import httpx
import pytest

from loket.clock import FrozenClock
from loket.store.database import Database
from loket.testing.applicants import applicant

from .floor_fixtures import make_staff, sign_in
from .test_api_booking import book

pytestmark = pytest.mark.usefixtures("fast_hashing")


async def paid_then_cancelled(client: httpx.AsyncClient, demo: Database, clock: FrozenClock) -> str:
    from ..integration.conftest import pay

    made = (await book(client, 70)).json()
    assert (
        await pay(demo, made["billing_code"], 355_000, clock(), ntpn="APIREFUND0000001")
    ).outcome == "accepted"
    cancelled = await client.post(
        f"/api/v1/bookings/{made['booking_code']}/cancel", json={"nik": applicant(70).nik}
    )
    assert cancelled.status_code == 200 and cancelled.json()["refund_due"] == 355_000
    return str(made["booking_code"])


async def test_supervisor_approves_and_pays_officers_may_not(
    client: httpx.AsyncClient, demo: Database, clock: FrozenClock
) -> None:
    booking = await paid_then_cancelled(client, demo, clock)
    await make_staff(demo, clock, "budi", "sari", "komang")
    for outsider in ("budi", "komang"):  # an officer of PLG, a supervisor of DPS
        csrf = await sign_in(client, outsider)
        assert (await client.get("/api/v1/offices/PLG/refunds")).status_code == 403
        client.cookies.clear()
    csrf = await sign_in(client, "sari")
    headers = {"X-CSRF-Token": csrf, "Accept-Language": "id"}
    [refund] = (await client.get("/api/v1/offices/PLG/refunds?status=due")).json()
    assert (refund["booking_code"], refund["status"], refund["amount"]) == (booking, "due", 355_000)
    rid = refund["refund_id"]
    no_reason = await client.post(f"/api/v1/offices/PLG/refunds/{rid}/reject", json={}, headers=headers)
    assert no_reason.status_code == 422
    assert no_reason.json() == {
        "error": "note_required",
        "field": "note",
        "message": "Sebutkan alasan pengembalian ditolak",
    }
    approved = await client.post(f"/api/v1/offices/PLG/refunds/{rid}/approve", json={}, headers=headers)
    assert approved.status_code == 200 and approved.json()["decided_by"] == "sari"
    again = await client.post(f"/api/v1/offices/PLG/refunds/{rid}/approve", json={}, headers=headers)
    assert again.status_code == 409 and again.json()["error"] == "refund_decided"
    bad = await client.post(
        f"/api/v1/offices/PLG/refunds/{rid}/paid", json={"bank_reference": "?"}, headers=headers
    )
    assert bad.status_code == 422 and bad.json()["field"] == "bank_reference"
    paid = await client.post(
        f"/api/v1/offices/PLG/refunds/{rid}/paid", json={"bank_reference": "BNI/TRF/0001"}, headers=headers
    )
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    revenue = await client.get("/api/v1/offices/PLG/revenue?from=2017-12-28&to=2017-12-28")
    assert revenue.json() == [
        {
            "date": "2017-12-28",
            "received": 355_000,
            "refund_due": 0,
            "refund_approved": 0,
            "refund_paid": 355_000,
            "refund_rejected": 0,
            "net": 0,
        }
    ]
    page = await client.get("/offices/PLG/reports/revenue?from=2017-12-28&to=2017-12-28&lang=id")
    assert page.status_code == 200 and "Penerimaan bersih per hari" in page.text
    assert 'data-day="2017-12-28"' in page.text


async def test_supervisor_decides_on_the_revenue_page_without_javascript(
    client: httpx.AsyncClient, demo: Database, clock: FrozenClock
) -> None:
    from loket.services import refunds as refund_service

    booking = await paid_then_cancelled(client, demo, clock)
    await make_staff(demo, clock, "sari")
    csrf = await sign_in(client, "sari")
    [refund] = await refund_service.refunds(demo, "PLG")
    base = f"/offices/PLG/reports/revenue/refunds/{refund.refund_id}"
    page = await client.get("/offices/PLG/reports/revenue?lang=id")
    assert f'data-refund="{refund.refund_id}"' in page.text and "Setujui" in page.text
    forged = await client.post(base, data={"action": "approve"}, headers={"X-CSRF-Token": ""})
    assert forged.status_code == 403
    form = {"X-CSRF-Token": csrf}  # the page's form field works too; the client sets a header
    no_note = await client.post(
        f"{base}?lang=id", data={"action": "reject", "csrf_token": csrf}, headers=form
    )
    assert no_note.status_code == 422 and "Sebutkan alasan pengembalian ditolak" in no_note.text
    approved = await client.post(base, data={"action": "approve", "csrf_token": csrf}, headers=form)
    assert approved.status_code == 303
    paid = await client.post(
        base, data={"action": "paid", "bank_reference": "BNI/TRF/0002", "csrf_token": csrf}, headers=form
    )
    assert paid.status_code == 303
    [after] = await refund_service.refunds(demo, "PLG")
    assert (after.booking_code, after.status, after.bank_reference, after.decided_by) == (
        booking,
        "paid",
        "BNI/TRF/0002",
        "sari",
    )
    page = await client.get("/offices/PLG/reports/revenue?lang=id")
    assert f'data-refund="{refund.refund_id}"' not in page.text  # nothing waits any more
