"""The national administrator's API over HTTP: only a national administrator gets in; offices as
files (every mistake with its path, in the caller's language), banks, tariffs, the calendar."""

from __future__ import annotations

from pathlib import Path

import httpx

from loket.clock import FrozenClock
from loket.services import national_admins, staff
from loket.store.database import Database

DJJ = (Path(__file__).parent / "data" / "djj.yaml").read_text()
PASSWORD = "Direktorat-2026!"


async def _signed_in(client: httpx.AsyncClient, db: Database, clock: FrozenClock, *, national: bool) -> None:
    name = "pusat" if national else "kepala"
    await staff.create_staff(
        db, office_code="PLG", username=name, full_name=name, password=PASSWORD, role="admin", now=clock()
    )
    if national:
        await national_admins.grant_national_admin(db, name, now=clock())
    signed = await client.post("/api/v1/staff/login", json={"username": name, "password": PASSWORD})
    assert signed.status_code == 200, signed.text
    assert signed.json()["national"] is national
    client.headers["X-CSRF-Token"] = signed.json()["csrf_token"]


async def test_an_office_admin_is_not_a_national_admin(
    client: httpx.AsyncClient, demo: Database, clock: FrozenClock
) -> None:
    await _signed_in(client, demo, clock, national=False)
    for method, path in (
        ("POST", "/api/v1/admin/offices/import"),
        ("GET", "/api/v1/admin/banks"),
        ("POST", "/api/v1/admin/calendar/holidays"),
    ):
        answer = await client.request(method, path, content=DJJ if method == "POST" else None)
        assert answer.status_code == 403, (path, answer.text)
    assert (await client.get("/api/v1/offices/DJJ")).status_code == 404


async def test_the_national_admin_runs_offices_banks_fees_and_calendar(
    client: httpx.AsyncClient, demo: Database, clock: FrozenClock
) -> None:
    await _signed_in(client, demo, clock, national=True)
    bad = DJJ.replace("stage: biometrics", "stage: foto").replace("Asia/Jayapura", "Asia/Tokyo")
    refused = await client.post(
        "/api/v1/admin/offices/import", content=bad.replace('"09:00-10:00"', '"9:00-10:00"'),
        headers={"Accept-Language": "id", "Content-Type": "application/yaml"},
    )  # fmt: skip
    assert refused.status_code == 422
    body = refused.json()
    assert [e["path"] for e in body["errors"]] == ["sessions[1]", "stations[2].stage", "time_zone"]
    assert body["message"] == "Berkas kantor memiliki 3 kesalahan; tidak ada yang diimpor"
    assert body["errors"][1]["message"].startswith('stage "foto" tidak dikenal')

    made = await client.post("/api/v1/admin/offices/import", content=DJJ)
    assert made.status_code == 200 and made.json()["created"] == ["DJJ"]
    exported = await client.get("/api/v1/admin/offices/DJJ/export")
    assert exported.json()["time_zone"] == "Asia/Jayapura"
    again = await client.post("/api/v1/admin/offices/import", json=exported.json())
    assert again.json() == {"created": [], "updated": [], "unchanged": ["DJJ"]}
    assert (await client.get("/api/v1/offices/DJJ")).json()["zone"] == "WIT"

    bank = await client.post("/api/v1/admin/banks", json={"code": "bjb", "name": "Bank BJB"})
    assert bank.status_code == 201 and bank.json()["code"] == "BJB" and len(bank.json()["secret"]) >= 32
    twice = await client.post("/api/v1/admin/banks", json={"code": "BJB", "name": "Bank BJB"})
    assert twice.status_code == 409
    assert (await client.post("/api/v1/admin/banks/BJB/disable")).status_code == 204
    assert {b["code"]: b["active"] for b in (await client.get("/api/v1/admin/banks")).json()}["BJB"] is False

    # The demo's tariffs are in force: a new price supersedes them from a later day only.
    edit = {"product": "regular", "validity_years": 5, "amount": 400000, "basis": "PP 99/2017"}
    past = await client.post("/api/v1/admin/fees", json={**edit, "effective_from": "2017-12-01"})
    assert past.status_code == 409 and past.json()["error"] == "tariff_in_force"
    later = await client.post("/api/v1/admin/fees", json={**edit, "effective_from": "2018-01-02"})
    assert later.status_code == 201
    on = await client.get("/api/v1/admin/fees", params={"on": "2018-01-02"})
    assert {t["product"]: t["amount"] for t in on.json()}["regular_5y"] == 400000

    declared = await client.post(
        "/api/v1/admin/calendar/holidays", json={"date": "2018-01-02", "name": "Cuti bersama tambahan"}
    )
    assert declared.status_code == 204
    day = await client.get("/api/v1/offices/DJJ/calendar", params={"from": "2018-01-02", "to": "2018-01-02"})
    assert day.json()["days"][0]["service_day"] is False
    assert (await client.delete("/api/v1/admin/calendar/holidays/2018-01-02")).status_code == 204
    day = await client.get("/api/v1/offices/DJJ/calendar", params={"from": "2018-01-02", "to": "2018-01-02"})
    assert day.json()["days"][0]["service_day"] is True
    assert (await client.delete("/api/v1/admin/calendar/holidays/2018-01-03")).status_code == 404


async def test_the_national_admin_pages(
    client: httpx.AsyncClient, demo: Database, clock: FrozenClock
) -> None:
    assert (await client.get("/admin")).status_code == 303  # not signed in: to the sign-in page
    await _signed_in(client, demo, clock, national=True)
    page = await client.get("/admin", headers={"Accept-Language": "id"})
    assert page.status_code == 200 and "PLG" in page.text
    home = await client.get("/staff")
    assert 'href="/admin"' in home.text

    bad = await client.post(
        "/admin/office-import", data={"file": DJJ.replace("stage: biometrics", "stage: foto")}
    )
    assert bad.status_code == 422 and "stations[2].stage: stage &#34;foto&#34; tidak dikenal" in bad.text
    made = await client.post("/admin/office-import", data={"file": DJJ})
    assert made.status_code == 200 and "DJJ: created" in made.text
    declared = await client.post(
        "/admin/holiday-add", data={"date": "2018-01-02", "name": "Cuti bersama tambahan"}
    )
    assert declared.status_code == 303
    page = await client.get("/admin", headers={"Accept-Language": "id"})
    assert "Selasa, 2 Januari 2018" in page.text and "Cuti bersama tambahan" in page.text
    no_date = await client.post("/admin/holiday-add", data={"date": "2-1-2018", "name": "x"})
    assert no_date.status_code == 422
    link = await client.post(
        "/admin/invite", data={"office": "DJJ", "role": "officer", "email": "eko@imigrasi.go.id"}
    )
    assert link.status_code == 200 and "/staff/invite/" in link.text
    secret = await client.post("/admin/bank-add", data={"code": "BJB", "name": "Bank BJB"})
    assert secret.status_code == 200 and "BJB: " in secret.text
