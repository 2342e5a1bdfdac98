"""The kiosk's pages over HTTP, on both databases: only a registered device opens them, the
one-time link moves the token into a cookie and out of the address, the page may use the camera
(no other page may), is never cached and has no way out; bad input answers in the applicant's
language, naming the field, and changes nothing; a revoked kiosk is shut out."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from loket.clock import FrozenClock
from loket.services import kiosks
from loket.store.database import Database
from loket.store.tables import tickets


async def _register(db: Database, clock: FrozenClock) -> tuple[kiosks.Kiosk, str]:
    return await kiosks.register_kiosk(db, "PLG", "Kios Lobi", "", actor="sari", now=clock())


async def test_only_a_registered_kiosk_opens_the_screen(
    client: httpx.AsyncClient, demo: Database, clock: FrozenClock
) -> None:
    assert (await client.get("/offices/PLG/kiosk", headers={"Accept": "application/json"})).status_code == 401
    assert (await client.get("/offices/PLG/kiosk?token=not-a-token")).status_code == 401
    device, token = await _register(demo, clock)
    answer = await client.get(f"/offices/PLG/kiosk?token={token}")
    assert answer.status_code == 303 and answer.headers["location"] == "/offices/PLG/kiosk"
    cookie = answer.headers["set-cookie"]
    assert (
        "HttpOnly" in cookie and "samesite=strict" in cookie.lower() and "Path=/offices/PLG/kiosk" in cookie
    )
    client.cookies.set("loket_kiosk", token, domain="loket.test", path="/offices/PLG/kiosk")
    page = await client.get("/offices/PLG/kiosk")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "camera=(self)" in page.headers["permissions-policy"]
    assert "camera=()" in (await client.get("/status")).headers["permissions-policy"]
    assert "<a " not in page.text and "<nav" not in page.text and "verified_in_person" not in page.text
    assert 'autocomplete="off"' in page.text and 'data-reset-s="15"' in page.text
    # Another office's kiosk screen does not open with this token.
    client.cookies.set("loket_kiosk", token, domain="loket.test", path="/offices/DPS/kiosk")
    other = await client.get("/offices/DPS/kiosk")
    assert other.status_code == 401

    await kiosks.revoke_kiosk(demo, "PLG", device.device_id, actor="sari", now=clock())
    assert (await client.get("/offices/PLG/kiosk")).status_code == 401


async def test_bad_input_names_the_field_and_changes_nothing(
    client: httpx.AsyncClient, demo: Database, clock: FrozenClock
) -> None:
    _device, token = await _register(demo, clock)
    client.cookies.set("loket_kiosk", token, domain="loket.test", path="/offices/PLG/kiosk")
    wrong = await client.post(
        "/offices/PLG/kiosk/check-in", data={"booking_code": "ZZZZZZZZZZ", "nik": "1671010101900001"}
    )
    assert wrong.status_code == 200
    assert 'data-field="booking_code"' in wrong.text and "Tidak ada pemesanan" in wrong.text
    walk = await client.post(
        "/offices/PLG/kiosk/walk-in", data={"nik": "12", "full_name": "Siti", "priority_reason": "elderly"}
    )
    assert 'data-field="nik"' in walk.text
    reason = await client.post(
        "/offices/PLG/kiosk/walk-in",
        data={"nik": "1671014403500001", "full_name": "Siti", "priority_reason": "vip"},
    )
    assert 'data-field="priority_reason"' in reason.text
    # Without the page's CSRF token nothing is posted.
    del client.headers["X-CSRF-Token"]
    refused = await client.post("/offices/PLG/kiosk/check-in", data={"booking_code": "X", "nik": "1"})
    assert refused.status_code == 403
    async with demo.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(tickets))).scalar_one() == 0
