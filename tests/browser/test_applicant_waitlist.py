"""A full session offers the waiting list; a cancellation makes the offer arrive on the waiting
page by itself (htmx polling), and the applicant accepts it. Phone-sized, id-ID."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from loket.testing.applicants import applicant

from .applicant_helpers import phone_page, shot, weigh


def _first_open_day(url: str) -> str:
    today = date.today()  # noqa: DTZ011 - the live server runs on the real clock
    found = httpx.get(
        f"{url}/api/v1/offices/PLG/availability",
        params={
            "from": today.isoformat(),
            "to": (today + timedelta(days=14)).isoformat(),
            "category": "regular",
        },
        timeout=30,
    ).json()
    return str(found["days"][0]["date"])


def test_full_session_offers_the_waiting_list_and_a_cancellation_makes_the_offer_arrive(
    browser: Any, live_server: Any, tmp_path: Path
) -> None:
    day = _first_open_day(live_server.url)
    done = live_server.loket(
        "quota", "set", "--office", "PLG", "--date", day, "--category", "regular", "--capacity", "6"
    )
    assert done.returncode == 0, done.stderr  # one place per session
    holder, waiting = applicant(1, seed=9), applicant(2, seed=9)
    booked = httpx.post(
        f"{live_server.url}/api/v1/offices/PLG/bookings",
        json=holder.booking_body(date.fromisoformat(day)),
        timeout=30,
    )
    assert booked.status_code == 201, booked.text
    hosts: set[str] = set()
    weights: dict[str, int] = {}
    context, page = phone_page(browser, hosts)
    page.goto(f"{live_server.url}/booking/PLG/{day}?category=regular")
    full = page.locator("li.full[data-session='08:00']")
    assert full.count() == 1
    shot(page, "09-session-full", tmp_path)
    full.locator("a.button").click()
    weigh(page, weights, "waitlist-join")
    page.fill("#p0-nik", waiting.nik)
    page.fill("#p0-full_name", waiting.full_name)
    page.fill("#p0-birth_date", waiting.birth_date.isoformat())
    page.check(f"input[name=p0-sex][value={waiting.sex}]")
    page.fill("#phone", waiting.phone)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_selector("[data-entry-status=waiting]")
    weigh(page, weights, "waitlist-entry")
    shot(page, "10-waitlist", tmp_path)
    cancelled = httpx.post(
        f"{live_server.url}/api/v1/bookings/{booked.json()['booking_code']}/cancel",
        json={"nik": holder.nik},
        timeout=30,
    )
    assert cancelled.status_code == 200, cancelled.text
    page.wait_for_selector("[data-entry-status=offered]", timeout=20_000)  # no reload: htmx polls
    page.wait_for_function("document.querySelector('.countdown.live') !== null")
    shot(page, "11-waitlist-offer", tmp_path)
    with sqlite3.connect(live_server.database_url.removeprefix("sqlite:///")) as conn:
        offers = conn.execute("SELECT recipient FROM notify_outbox WHERE event = 'waitlist_offer'").fetchall()
    assert offers == [(waiting.phone,)] or sorted(offers) == sorted([(waiting.phone,), (waiting.email,)])
    page.fill("#accept-nik", waiting.nik)
    page.locator("#entry form button[type=submit]").first.click()
    page.wait_for_selector("article.ticket")
    assert page.locator("article.ticket [data-status=awaiting_payment]").count() == 1
    context.close()
    assert hosts == {live_server.url.split("/")[2]}, hosts
    assert all(size < 100 * 1024 for size in weights.values()), weights
