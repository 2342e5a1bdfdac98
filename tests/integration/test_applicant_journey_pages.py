"""The live status page over HTTP on both databases: its signed address, the htmx part it refreshes
with (small), the no-JavaScript refresh, and the end of refreshing once the passport is collected."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import httpx
import pytest

from loket.clock import FrozenClock
from loket.services import checkin
from loket.services import stations as station_service
from loket.settings import Settings
from loket.store.database import Database
from loket.web.app import create_app
from loket.web.csrf import COOKIE as CSRF_COOKIE
from loket.web.csrf import HEADER as CSRF_HEADER

from .floor_helpers import POLICY, at, book_and_pay, open_station
from .test_applicant_journey import step, until

LIVE_BUDGET = 20 * 1024  # bytes per refresh (issue 13)
CSRF = "journey-csrf-token-0123456789abcdef0123"


@pytest.fixture
async def http(demo: Database, db_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, FrozenClock]]:
    clock = FrozenClock(at(7, 50))
    app = create_app(Settings(database_url=db_url), db=demo, clock=clock)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://loket.test") as client:
        # Like a browser that has loaded a page: the double-submit CSRF cookie and its echo.
        client.cookies.set(CSRF_COOKIE, CSRF, domain="loket.test")
        client.headers[CSRF_HEADER] = CSRF
        yield client, clock


def live_link(page: str) -> str:
    found = re.search(r'href="(/status/s/[^"]+)" data-live-link', page)
    assert found, "no live link"
    return found.group(1)


async def test_the_live_status_follows_the_floor_and_stays_small(
    demo: Database, http: tuple[httpx.AsyncClient, FrozenClock]
) -> None:
    client, clock = http
    code, nik = await book_and_pay(demo, 70)
    other, other_nik = await book_and_pay(demo, 71)
    await checkin.check_in(demo, "PLG", other, other_nik, policy=POLICY, actor="kiosk", now=clock())
    await checkin.check_in(demo, "PLG", code, nik, policy=POLICY, actor="kiosk", now=clock())
    await open_station(demo, "INT1", "budi", clock())
    looked_up = await client.post("/status", data={"booking_code": code, "nik": nik})
    assert looked_up.status_code == 200
    link = live_link(looked_up.text)
    assert nik not in link and code in link
    # Without JavaScript the page reloads its signed address; with it, htmx swaps the live part.
    assert f'<noscript><meta http-equiv="refresh" content="20;url={link}"></noscript>' in looked_up.text
    page = await client.get(link)
    assert page.status_code == 200 and f'hx-get="{link}/live"' in page.text and nik not in page.text
    assert 'name="nik"' not in page.text  # cancel and move still ask for the NIK
    part = await client.get(f"{link}/live")
    assert part.status_code == 200 and len(part.content) < LIVE_BUDGET
    print("live part:", len(part.content), "bytes; full live page:", len(page.content), "bytes")
    assert "<html" not in part.text and 'data-before="1"' in part.text and "data-wait=" in part.text
    assert 'data-stage="intake" data-state="current"' in part.text

    await step(demo, "INT1", "budi", clock)  # the other applicant
    called = await client.get(f"{link}/live", params={"lang": "en"})
    assert 'data-before="0"' in called.text and "You are next" in called.text
    await step(demo, "INT1", "budi", clock, "incomplete", missing_documents=["kk"])
    part = (await client.get(f"{link}/live", params={"lang": "id"})).text
    assert "data-missing" in part and "KK (Kartu Keluarga)" in part
    await checkin.check_in(demo, "PLG", code, nik, policy=POLICY, actor="kiosk", now=clock())
    await step(demo, "INT1", "budi", clock)
    for station, officer in (("BIO1", "sari"), ("APP1", "agus"), ("PRI1", "made"), ("COL1", "rina")):
        await open_station(demo, station, officer, clock())
    await until(demo, "BIO1", "sari", clock, code, nik, "approval")
    part = (await client.get(f"{link}/live")).text
    assert re.search(r'data-due="2018-01-0\d"', part)
    await until(demo, "APP1", "agus", clock, code, nik, "printing")
    await until(demo, "PRI1", "made", clock, code, nik, "ready")
    await station_service.hand_over(demo, "PLG", "COL1", code, nik, officer="rina", now=clock())
    done = await client.get(link)
    assert 'data-at="collected"' in done.text
    # Nothing more will change: no refresh of either kind.
    assert "hx-get" not in done.text and "http-equiv" not in done.text
    times = re.findall(r'class="muted small">([^<]*WIB)</span>', done.text)
    assert len(times) >= 8 and all("UTC" not in t for t in times)


async def test_a_forged_status_link_is_an_html_404(
    demo: Database, http: tuple[httpx.AsyncClient, FrozenClock]
) -> None:
    client, _clock = http
    code, _nik = await book_and_pay(demo, 72)
    for link in (f"/status/s/{code}.0000000000", f"/status/s/{code}.0000000000/live", "/status/s/nothing"):
        answer = await client.get(link, headers={"accept": "text/html"})
        assert answer.status_code == 404 and "text/html" in answer.headers["content-type"], link
        assert code not in answer.text


async def test_browsers_get_html_error_pages_and_the_api_keeps_json(
    http: tuple[httpx.AsyncClient, FrozenClock],
) -> None:
    client, _clock = http
    page = await client.get("/no/such/page", headers={"accept": "text/html"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert 'data-error="not_found"' in page.text and 'href="/booking"' in page.text
    api = await client.get("/api/no/such/thing", headers={"accept": "text/html"})
    assert api.status_code == 404 and api.json()["error"] == "not_found"


async def test_the_home_page_says_today_in_the_office_zone(
    http: tuple[httpx.AsyncClient, FrozenClock],
) -> None:
    client, clock = http
    clock.now = datetime(2017, 12, 28, 23, 30, tzinfo=UTC)  # Thursday in UTC, Friday 06:30 in WIB
    page = await client.get("/?lang=id")
    assert "Jumat, 29 Desember 2017" in page.text and "Kamis" not in page.text


async def test_days_past_the_booking_window_say_when_they_open(
    http: tuple[httpx.AsyncClient, FrozenClock],
) -> None:
    client, clock = http
    clock.now = datetime(2017, 12, 28, 2, tzinfo=UTC)
    page = await client.get("/booking/PLG?month=2018-01&lang=en")
    assert page.status_code == 200
    # The window is 30 days: 27 January is the last bookable day; the 28th opens on 29 December.
    assert 'data-opens="2017-12-29"' in page.text and "28 Jan 2018" in page.text
    later = await client.get("/booking/PLG?month=2018-02&lang=en")
    assert 'data-opens="2018-01-02"' in later.text  # 1 February opens 30 days before
    assert "aria-label=" not in page.text.split('<table class="month"')[1]  # names are the visible text


async def test_static_files_have_hashed_names_compressed_forms_and_long_cache_lives(
    http: tuple[httpx.AsyncClient, FrozenClock],
) -> None:
    client, clock = http
    clock.now = at(9, day=date(2017, 12, 28))
    # The details form loads htmx (its NIK check); the office list does not need it (slow links).
    page = await client.get("/booking/PLG/2017-12-29/08:00")
    names = re.findall(r'(?:href|src)="http://loket\.test(/static/[^"]+)"', page.text)
    assert any(re.fullmatch(r"/static/vendor/htmx-2\.0\.11\.min\.[0-9a-f]{12}\.js", n) for n in names), names
    assert any(re.fullmatch(r"/static/loket\.[0-9a-f]{12}\.css", n) for n in names), names
    htmx = next(n for n in names if "htmx" in n)
    plain = await client.get(htmx, headers={"accept-encoding": "identity"})
    brotli_ = await client.get(htmx, headers={"accept-encoding": "gzip, deflate, br"})
    gzip_ = await client.get(htmx, headers={"accept-encoding": "gzip"})
    assert plain.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert (brotli_.headers["content-encoding"], gzip_.headers["content-encoding"]) == ("br", "gzip")
    assert brotli_.content == gzip_.content == plain.content  # httpx decodes: the same file
    wire = {int(r.headers["content-length"]) for r in (plain, brotli_, gzip_)}
    assert len(plain.content) == max(wire) and min(wire) < len(plain.content) / 2
    again = await client.get(htmx, headers={"if-none-match": plain.headers["etag"]})
    assert again.status_code == 304
    old = await client.get("/static/vendor/htmx-2.0.11.min.js")  # the plain name still answers
    assert old.status_code == 200 and "immutable" not in old.headers["cache-control"]
    assert (await client.get("/static/../settings.py")).status_code == 404
    print("htmx bytes on the wire:", sorted(wire))


async def test_the_cancel_question_and_answer_are_brought_into_view(
    demo: Database, http: tuple[httpx.AsyncClient, FrozenClock]
) -> None:
    client, clock = http
    clock.now = at(9, day=date(2017, 12, 28))
    code, nik = await book_and_pay(demo, 73)
    ask = await client.post("/status/cancel", data={"booking_code": code, "nik": nik})
    # The form posts to its own anchor, so the browser scrolls to the question and to the answer.
    assert 'action="/status/cancel#cancel"' in ask.text and 'id="cancel"' in ask.text
    assert 'name="confirm"' in ask.text
    done = await client.post("/status/cancel", data={"booking_code": code, "nik": nik, "confirm": "yes"})
    assert 'data-status="cancelled"' in done.text


async def test_the_confirmation_message_links_the_live_status(
    demo: Database, db_url: str, http: tuple[httpx.AsyncClient, FrozenClock]
) -> None:
    from sqlalchemy import select

    from loket.domain.waitlist import WaitlistPolicy
    from loket.notify.messages import render
    from loket.services.catalog import Catalog
    from loket.store.tables import notify_outbox

    client, _clock = http
    code, nik = await book_and_pay(demo, 74)
    async with demo.read() as conn:
        rows = (await conn.execute(select(notify_outbox).where(notify_outbox.c.subject == code))).all()
    office = (await Catalog(ttl=0).get(demo, "PLG")).office
    secret = Settings(database_url=db_url).secret_key
    for event in ("booking_made", "payment_received"):
        row = next(r for r in rows if r.event == event and r.channel == "phone")
        text = render(
            row.event,
            row.params,
            office,
            "id",
            public_url="http://loket.test",
            policy=WaitlistPolicy(),
            secret=secret,
        ).text
        found = re.search(r"http://loket\.test(/status/s/\S+)", text)
        assert found and nik not in text, text
        page = await client.get(found.group(1))
        assert page.status_code == 200 and code in page.text
