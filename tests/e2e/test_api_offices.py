"""The offices and calendar API over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx


async def test_healthz_checks_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_office_list_and_detail(client: httpx.AsyncClient) -> None:
    listed = (await client.get("/api/v1/offices")).json()
    assert [o["code"] for o in listed] == ["DPS", "PLG"]
    plg = (await client.get("/api/v1/offices/PLG")).json()
    assert plg["timezone"] == "Asia/Jakarta" and plg["zone"] == "WIB"
    assert plg["sessions"][0] == {"session": "08:00", "ends": "09:00"}


async def test_unknown_office_is_404_in_the_users_language(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/v1/offices/XYZ/calendar", headers={"Accept-Language": "id-ID"}
    )
    assert response.status_code == 404
    assert response.json() == {
        "error": "office_not_found",
        "field": "office",
        "message": "Kantor XYZ tidak dikenal",
    }
    english = await client.get("/api/v1/offices/XYZ", headers={"Accept-Language": "en"})
    assert english.json()["message"] == "Unknown office XYZ"


async def test_calendar_names_holidays(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/v1/offices/PLG/calendar", params={"from": "2017-12-24", "to": "2017-12-27"}
    )
    assert response.status_code == 200
    days = response.json()["days"]
    assert [d["service_day"] for d in days] == [False, False, False, True]
    assert days[1]["holiday"] == "Hari Raya Natal"
    assert days[2]["holiday"] == "Cuti Bersama Hari Raya Natal"
    assert days[3]["label"] == "Rabu, 27 Desember 2017"


async def test_due_date_endpoint(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/v1/offices/PLG/due-date", params={"start": "2017-12-21", "working_days": 4}
    )
    assert response.status_code == 200
    assert response.json()["due_date"] == "2017-12-29"
    assert response.json()["label"] == "Jumat, 29 Desember 2017"


async def test_bad_query_gets_field_and_reason(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/v1/offices/PLG/due-date",
        params={"start": "2017-13-40"},
        headers={"Accept-Language": "id"},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "start"
    assert body["message"] == "Tulis tanggal dengan format TTTT-BB-HH"
    too_many = await client.get(
        "/api/v1/offices/PLG/due-date", params={"start": "2017-12-21", "working_days": 999}
    )
    assert too_many.status_code == 422 and too_many.json()["field"] == "working_days"
    backwards = await client.get(
        "/api/v1/offices/PLG/calendar", params={"from": "2017-12-24", "to": "2017-12-01"}
    )
    assert backwards.status_code == 422 and backwards.json()["field"] == "to"


async def test_openapi_and_docs_are_served(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert "/api/v1/offices/{code}/due-date" in spec["paths"]
    assert (await client.get("/docs")).status_code == 200


async def test_pages_default_to_indonesian_and_offer_english(client: httpx.AsyncClient) -> None:
    home = await client.get("/")
    assert home.status_code == 200
    assert "Layanan paspor kantor imigrasi" in home.text
    assert "Kamis, 28 Desember 2017" in home.text
    english = await client.get("/?lang=en")
    assert "Passport service of the immigration offices" in english.text
    assert english.cookies.get("lang") == "en"
    # The English choice sticks (cookie); ?lang=id switches back.
    calendar = await client.get("/offices/PLG/calendar", params={"month": "2017-12", "lang": "id"})
    assert "Hari Raya Natal" in calendar.text and "Senin, 25 Desember 2017" in calendar.text
