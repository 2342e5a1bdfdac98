"""The report pages over HTTP on both databases: the dashboard, the service report and its files,
the revenue page with a statement upload, and the public survey behind its single-use link."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from loket.clock import FrozenClock
from loket.domain.booking import BookingPolicy, BookingRequest
from loket.domain.calling import FloorPolicy
from loket.domain.payment import sign
from loket.domain.waitlist import WaitlistPolicy
from loket.notify.messages import render
from loket.services import booking as booking_service
from loket.services import checkin, floor
from loket.services import stations as station_service
from loket.services.catalog import Catalog
from loket.services.payments import bank_secret, receive_bank_callback
from loket.store import offices_repo
from loket.store.database import Database
from loket.store.outbox_repo import messages_about
from loket.testing.applicants import applicant

from .floor_fixtures import make_staff, sign_in

pytestmark = pytest.mark.usefixtures("fast_hashing")
DAY = date(2017, 12, 29)


def wib(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour - 7, minutes=minute)


async def booked_and_paid(db: Database, index: int, now: datetime, ntpn: str) -> tuple[Any, str]:
    person = applicant(index)
    done = await booking_service.book_slot(
        db,
        Catalog(ttl=0),
        "PLG",
        BookingRequest(
            person.nik,
            person.full_name,
            person.birth_date,
            person.sex,
            person.phone,
            person.email,
            DAY,
            "08:00",
            "regular",
            "regular",
            "new",
        ),
        policy=BookingPolicy(),
        now=now,
    )
    body = json.dumps(
        {
            "billing_code": done.billing_code,
            "amount": done.amount,
            "paid_at": now.isoformat(),
            "ntpn": ntpn,
            "bank": "BNI",
        }
    ).encode()
    await receive_bank_callback(db, body, sign(await bank_secret(db, "BNI"), body), now=now)
    return done, person.nik


async def collected(db: Database, now: datetime) -> str:
    """One applicant from booking to hand-over through the floor services; the survey token sent."""
    done, nik = await booked_and_paid(db, 41, now, "SURVEY0001")
    policy = FloorPolicy()
    at = wib(DAY, 8)
    await checkin.check_in(db, "PLG", done.booking_code, nik, policy=policy, actor="kiosk", now=at)
    for station in ("INT1", "BIO1", "APP1", "PRI1"):
        await station_service.set_station_state(db, "PLG", station, "open", officer="budi", now=at)
    for station in ("INT1", "BIO1", "APP1", "PRI1", "PRI1"):
        at += timedelta(minutes=10)
        assert await floor.call_next(db, "PLG", station, officer="budi", now=at)
        await floor.complete_stage(db, "PLG", station, "done", officer="budi", policy=policy, now=at)
    await station_service.hand_over(db, "PLG", "COL1", done.booking_code, nik, officer="budi", now=at)
    async with db.read() as conn:
        invites = [
            m for m in await messages_about(conn, "PLG", done.booking_code) if m.event == "survey_invite"
        ]
    assert sorted(m.channel for m in invites) == ["email", "phone"]  # one link, told on both channels
    [token] = {str(m.params["survey"]) for m in invites}
    async with db.read() as conn:
        office = await offices_repo.load_office(conn, "PLG")
    text = render(
        "survey_invite",
        dict(invites[0].params),
        office,
        "id",
        public_url="https://loket.example",
        policy=WaitlistPolicy(30),
    ).text
    assert f"https://loket.example/survey/{token}?lang=id" in text and text.startswith("Loket: terima kasih")
    assert re.fullmatch(r"PLG\.[A-Za-z0-9_-]{43}", token)
    return token


async def test_the_dashboard_is_for_the_offices_supervisors(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock
) -> None:
    await make_staff(db, clock)
    anonymous = await client.get("/offices/PLG/dashboard")
    assert anonymous.status_code == 303 and "/staff/login" in anonymous.headers["location"]
    await sign_in(client, "budi")
    assert (await client.get("/offices/PLG/dashboard")).status_code == 403  # an officer
    await sign_in(client, "wayan")
    assert (await client.get("/offices/PLG/dashboard")).status_code == 403  # an admin of Denpasar
    await sign_in(client, "sari")
    home = await client.get("/staff")
    assert 'href="/offices/PLG/dashboard"' in home.text
    await booked_and_paid(db, 40, clock(), "DASH00001")
    page = await client.get("/offices/PLG/dashboard")
    assert page.status_code == 200
    assert "Ringkasan hari ini" in page.text and "Kamis, 28 Desember 2017" in page.text
    revenue = re.search(r'data-testid="revenue-today">\s*<span class="value">([^<]+)<', page.text)
    assert revenue and revenue.group(1) == "Rp 355.000"
    for link in (
        "/offices/PLG/reports/service?from=2017-12-28&to=2017-12-28#applications",
        "/offices/PLG/reports/revenue?from=2017-12-28&to=2017-12-28",
        "/offices/PLG/reports/satisfaction?from=2017-12-01&to=2017-12-28",
        "/offices/PLG/reports/service?from=2017-12-01&to=2017-12-28#sla",
        "/offices/PLG/floor/supervisor",
    ):
        assert f'href="{link.replace("&", "&amp;")}"' in page.text, link
    assert "<script>" not in page.text and " style=" not in page.text


async def test_the_service_report_page_and_its_files(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock
) -> None:
    await make_staff(db, clock, "sari")
    await sign_in(client, "sari")
    await booked_and_paid(db, 42, clock(), "REPORT001")
    query = "from=2017-12-01&to=2017-12-31"
    page = await client.get(f"/offices/PLG/reports/service?{query}")
    assert page.status_code == 200
    assert "Laporan Layanan" in page.text and 'data-section="stages"' in page.text
    xlsx = await client.get(f"/offices/PLG/reports/service/download?{query}&format=xlsx")
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert 'filename="laporan-layanan-PLG-2017-12-01-2017-12-31.xlsx"' in xlsx.headers["content-disposition"]
    summary = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    figures = {row[0]: row[1] for row in summary.iter_rows(min_row=5, values_only=True)}
    assert figures["Permohonan"] == 1  # the paid booking for 29 December
    pdf = await client.get(f"/offices/PLG/reports/service/download?{query}&format=pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Laporan Layanan" in text and "Jumat, 1 Desember 2017" in text
    data = (await client.get(f"/offices/PLG/reports/service/download?{query}&format=json")).json()
    assert data["applications"]["total"] == 1
    csv_text = (await client.get(f"/offices/PLG/reports/service/download?{query}&format=csv")).text
    assert csv_text.startswith("# Ringkasan")
    chart = await client.get(f"/offices/PLG/reports/service/chart?{query}&kind=stages")
    assert chart.headers["content-type"] == "image/svg+xml" and b"<svg" in chart.content
    bad = await client.get(f"/offices/PLG/reports/service/download?{query}&format=docx")
    assert (bad.status_code, bad.json()["error"]) == (422, "format_invalid")
    backwards = await client.get("/offices/PLG/reports/service?from=2017-12-31&to=2017-12-01")
    assert backwards.status_code == 422 and "Tanggal akhir sebelum tanggal awal" in backwards.text
    too_long = await client.get("/offices/PLG/reports/service/download?from=2016-01-01&to=2017-12-31")
    assert (too_long.status_code, too_long.json()["error"]) == (422, "range_too_long")


async def test_a_statement_uploaded_on_the_revenue_page(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock
) -> None:
    await make_staff(db, clock, "sari")
    csrf = await sign_in(client, "sari")
    done, _nik = await booked_and_paid(db, 43, clock(), "UPLOAD001")
    line = f"UPLOAD001,{done.billing_code},355000,{clock().isoformat()},BNI"
    statement = f"ntpn,billing_code,amount,paid_at,bank\n{line}\n"

    async def upload(text: str) -> httpx.Response:
        return await client.post(
            "/offices/PLG/reports/revenue/statement",
            data={"csrf_token": csrf},
            files={"statement": ("bni.csv", text.encode(), "text/csv")},
            headers={"X-CSRF-Token": csrf},  # the page's form field works too; the client sets a header
        )

    first = await upload(statement)
    assert first.status_code == 200, first.text
    assert 'id="import-result"' in first.text
    assert 'data-kind="matched"><td>Cocok</td><td class="num">1</td>' in first.text
    again = await upload(statement)
    assert "sudah pernah diimpor" in again.text
    broken = await upload(statement.replace("355000", "355.000"))
    assert broken.status_code == 422 and "Baris 2, kolom amount" in broken.text
    no_csrf = await client.post(
        "/offices/PLG/reports/revenue/statement", files={"statement": ("x.csv", b"x", "text/csv")}
    )
    assert no_csrf.status_code == 403
    download = await client.get(
        "/offices/PLG/reports/revenue/download?from=2017-12-28&to=2017-12-28&format=json"
    )
    assert download.json()["revenue"] == 355_000


async def test_the_survey_link_works_once(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock
) -> None:
    token = await collected(db, clock())
    form = await client.get(f"/survey/{token}")
    assert form.status_code == 200 and form.headers["cache-control"] == "no-store"
    assert form.text.count('<fieldset class="radios question"') == 9 and "Persyaratan" in form.text
    answers = {f"u{i}": "4" for i in range(1, 10)}
    partial = await client.post(f"/survey/{token}", data={**answers, "u9": ""})
    assert partial.status_code == 422 and "Jawablah kesembilan pertanyaan" in partial.text
    sent = await client.post(f"/survey/{token}", data={**answers, "comment": "Ruang tunggu nyaman"})
    assert sent.status_code == 200 and 'id="survey-thanks"' in sent.text
    twice = await client.post(f"/survey/{token}", data=answers)
    assert twice.status_code == 409 and "sudah dijawab" in twice.text
    assert "sudah dijawab" in (await client.get(f"/survey/{token}")).text
    for wrong in (token[:-1] + ("A" if token[-1] != "A" else "B"), "DPS" + token[3:], "nonsense"):
        assert (await client.get(f"/survey/{wrong}")).status_code == 404
    await make_staff(db, clock, "sari")
    await sign_in(client, "sari")
    report = await client.get("/offices/PLG/reports/satisfaction?from=2017-12-01&to=2017-12-31")
    assert '<strong id="ikm-value">100.00</strong>' in report.text and "Ruang tunggu nyaman" in report.text


async def test_a_survey_link_expires(client: httpx.AsyncClient, db: Database, clock: FrozenClock) -> None:
    token = await collected(db, clock())
    clock.advance(days=45)
    assert (await client.get(f"/survey/{token}")).status_code == 404
