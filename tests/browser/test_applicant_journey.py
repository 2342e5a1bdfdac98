"""The applicant's whole journey on a phone (360x740, id-ID), with axe-core on every page:

- a family of three is booked, one member pays through the signed bank callback, checks in and
  goes through intake (incomplete, then complete), biometrics, approval, printing and collection;
  after each step the live status page (its signed address) shows the stage, the people before
  them, the expected-ready date and the missing documents, and the outbox holds each message once;
- an empty form shows every error in one answer with the summary focused; a family of three into
  a session with two places books nobody and says why.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from loket.testing.applicants import family

from .applicant_helpers import PHONE, WEIGHT_JS, shot
from .axe_helpers import check_page, with_axe

LIMIT = 100 * 1024
FLOOR = Path(__file__).resolve().parent / "journey_floor.py"


def phone(browser: Any) -> tuple[Any, Any]:
    """A phone-sized page with axe-core, the cache off (each page weighed as a first visit)."""
    context = with_axe(browser.new_context(**PHONE))
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    return context, page


def floor_step(server: Any, code: str, nik: str, minutes: int, *action: str) -> dict[str, int]:
    """One floor step through the real services; the messages queued about the booking after it."""
    done = subprocess.run(
        [sys.executable, str(FLOOR), code, nik, str(minutes), *action],
        env=server.env,
        cwd=server.workdir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def fill_person(page: Any, i: int, person: Any) -> None:
    page.fill(f"#p{i}-nik", person.nik)
    page.fill(f"#p{i}-full_name", person.full_name)
    page.fill(f"#p{i}-birth_date", person.birth_date.isoformat())
    page.check(f"input[name=p{i}-sex][value={person.sex}]")


def open_session(page: Any, server: Any, found: dict[str, list[dict[str, Any]]] | None = None) -> str:
    """From the office's month to the first session with places; the details form's address."""
    page.goto(server.url + "/booking/PLG")
    if page.locator("td.open a").count() == 0:
        page.locator(".month-nav a").last.click()
    if found is not None:
        check_page(page, "month", found)
    page.locator("td.open a").first.click()
    if found is not None:
        check_page(page, "day", found)
    page.locator("li.open a.button").first.click()
    page.wait_for_selector("#p0-nik")
    return str(page.url)


def weigh(page: Any, weights: dict[str, int], name: str) -> None:
    page.wait_for_load_state("load")
    weights[name] = int(page.evaluate(WEIGHT_JS))


def live(page: Any, link: str) -> dict[str, Any]:
    """What the live status page shows now (reloaded, as its refresh does)."""
    page.goto(link)
    text = page.locator("#live").inner_text()
    before = page.locator("[data-before]")
    due = page.locator("[data-due]")
    return {
        "now": page.locator("[data-at]").get_attribute("data-at"),
        "before": int(before.get_attribute("data-before") or -1) if before.count() else None,
        "due": due.get_attribute("data-due") if due.count() else None,
        "missing": page.locator("[data-missing] li").all_inner_texts(),
        "current": page.locator(".pipeline [data-state=current]").evaluate_all(
            "rows => rows.map(r => r.getAttribute('data-stage'))"
        ),
        "text": text,
    }


def test_a_family_booked_then_one_member_through_the_whole_floor(
    browser: Any, live_server: Any, tmp_path: Path
) -> None:
    found: dict[str, list[dict[str, Any]]] = {}
    weights: dict[str, int] = {}
    context, page = phone(browser)
    people = family(3, seed=13, email="keluarga13@example.id")
    page.goto(live_server.url + "/")
    check_page(page, "home", found)
    page.goto(live_server.url + "/booking")
    check_page(page, "offices", found)
    open_session(page, live_server, found)
    check_page(page, "details", found)
    weigh(page, weights, "details")
    for i, person in enumerate(people):
        if i:
            page.locator("button[value=add]").click()
            page.wait_for_selector(f"#p{i}-nik")
        fill_person(page, i, person)
    page.fill("#phone", people[0].phone)
    page.fill("#email", "keluarga13@example.id")
    page.locator("button[value=review]").click()
    page.wait_for_selector("table.review")
    check_page(page, "review", found)
    page.locator("button[value=confirm]").click()
    page.wait_for_selector("article.ticket")
    check_page(page, "confirmation", found)
    weigh(page, weights, "confirmation")
    tickets = page.locator("article.ticket")
    assert tickets.count() == 3
    code = str(tickets.first.get_attribute("data-booking"))
    billing = str(tickets.first.locator(".billing").get_attribute("data-billing"))
    # The billing code and the countdown are on the first screen, grouped in blocks of four.
    assert re.fullmatch(r"\d{4} \d{4} \d{4} \d{3}", tickets.first.locator(".billing").inner_text().strip())
    box = tickets.first.locator(".countdown").bounding_box()
    assert box is not None and box["y"] + box["height"] <= 740
    assert page.locator("[data-copy]").first.is_visible()
    page.goto(live_server.url + "/booking-done/print")
    check_page(page, "confirmation-print", found)
    assert page.locator("article.ticket").count() == 3 and page.locator("header.top").is_hidden()
    paid = live_server.loket("payments", "simulate", "--billing-code", billing, "--url", live_server.url)
    assert paid.returncode == 0, paid.stdout + paid.stderr

    page.goto(live_server.url + "/status")
    check_page(page, "status-form", found)
    page.fill("#booking_code", code)
    page.fill("#nik", people[0].nik)
    page.locator("form button[type=submit]").click()
    page.wait_for_selector("[data-live-link]")
    check_page(page, "status", found)
    weigh(page, weights, "status")
    link = str(page.locator("[data-live-link]").get_attribute("href"))
    assert people[0].nik not in link
    link = live_server.url + link
    seen = live(page, link)
    assert seen["now"] == "paid" and seen["before"] is None and seen["due"]
    messages = floor_step(live_server, code, people[0].nik, 0, "messages")
    assert messages == {"booking_made": 2, "payment_received": 2}

    nik = people[0].nik
    floor_step(live_server, code, nik, -10, "open", "INT1", "budi")
    messages = floor_step(live_server, code, nik, -5, "checkin")
    seen = live(page, link)
    check_page(page, "live-waiting", found)
    weigh(page, weights, "live")
    assert seen["now"] == "intake" and seen["before"] == 0 and seen["current"] == ["intake"]
    assert "sebelum Anda" not in seen["text"] and "Anda berikutnya" in seen["text"]
    shot(page, "09-status-queue", tmp_path)

    messages = floor_step(live_server, code, nik, 0, "step", "INT1", "budi", "incomplete", "kk")
    seen = live(page, link)
    check_page(page, "live-incomplete", found)
    assert seen["missing"] == ["KK (Kartu Keluarga)"] and seen["before"] is None
    assert page.locator(".pipeline [data-stage=intake][data-state=problem]").count() == 1
    assert messages["dossier_incomplete"] == 2
    shot(page, "10-status-incomplete", tmp_path)

    floor_step(live_server, code, nik, 60, "checkin")  # back with the family card
    seen = live(page, link)
    assert seen["missing"] == [] and seen["current"] == ["intake"]
    floor_step(live_server, code, nik, 61, "step", "INT1", "budi", "done")
    seen = live(page, link)
    assert seen["current"] == ["biometrics"]
    for station, officer in (("BIO1", "sari"), ("APP1", "agus"), ("PRI1", "made"), ("COL1", "rina")):
        floor_step(live_server, code, nik, 62, "open", station, officer)
    floor_step(live_server, code, nik, 70, "step", "BIO1", "sari", "done")
    seen = live(page, link)
    assert seen["current"] == ["approval"] and seen["due"]  # the service clock runs
    floor_step(live_server, code, nik, 80, "step", "APP1", "agus", "done")
    floor_step(live_server, code, nik, 90, "step", "PRI1", "made", "done")
    seen = live(page, link)
    assert seen["current"] == ["printing"]
    messages = floor_step(live_server, code, nik, 100, "step", "PRI1", "made", "done")
    seen = live(page, link)
    check_page(page, "live-ready", found)
    assert seen["now"] == "ready" and messages["passport_ready"] == 2
    messages = floor_step(live_server, code, nik, 120, "handover", "COL1", "rina")
    seen = live(page, link)
    check_page(page, "live-collected", found)
    assert seen["now"] == "collected" and seen["current"] == []
    assert page.locator(".pipeline [data-state=done]").count() == page.locator(".pipeline li").count()
    assert page.locator("meta[http-equiv=refresh]").count() == 0 and page.locator("[hx-get]").count() == 0
    shot(page, "11-status-collected", tmp_path)
    # The satisfaction survey its invitation links to, then its thanks.
    with sqlite3.connect(live_server.database_url.removeprefix("sqlite:///")) as conn:
        invites = conn.execute("SELECT params FROM notify_outbox WHERE event = 'survey_invite'").fetchall()
    token = {json.loads(params)["survey"] for (params,) in invites}.pop()
    page.goto(f"{live_server.url}/survey/{token}")
    check_page(page, "survey", found)
    weigh(page, weights, "survey")
    for question in page.locator("fieldset.question").all():
        question.locator("input[type=radio]").last.check()
    with page.expect_navigation():
        page.locator("form.survey button[type=submit]").click()
    check_page(page, "survey-done", found)
    assert messages == {
        "booking_made": 2,
        "payment_received": 2,
        "dossier_incomplete": 2,
        "passport_ready": 2,
        "survey_invite": 2,
    }
    context.close()
    assert found == {}, found
    over = {name: size for name, size in weights.items() if size >= LIMIT}
    assert over == {}, weights
    print("page weights (bytes):", weights)


def test_every_error_at_once_and_a_family_too_big_for_the_session(
    browser: Any, live_server: Any, tmp_path: Path
) -> None:
    found: dict[str, list[dict[str, Any]]] = {}
    context, page = phone(browser)
    form_url = open_session(page, live_server)
    page.locator("button[value=review]").click()
    page.wait_for_selector("[data-error-summary]")
    check_page(page, "errors", found)
    links = page.locator("[data-error-summary] a").evaluate_all("a => a.map(x => x.getAttribute('href'))")
    assert links == ["#p0-nik", "#p0-full_name", "#p0-birth_date", "#p0-sex", "#phone"]
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert "male" not in page.locator("main").inner_text()
    page.locator("[data-error-summary] a[href='#p0-birth_date']").click()
    assert page.evaluate("document.activeElement.id") == "p0-birth_date"
    shot(page, "12-errors", tmp_path)

    # Two places in every session of that day (through the real command), then a family of three.
    day_url = form_url.rstrip("/").rsplit("/", 1)[0]
    day = day_url.rsplit("/", 1)[1]
    page.goto(day_url)
    sessions = page.locator("li[data-session]").count()
    capacity = live_server.loket(
        "quota",
        "set",
        "--office",
        "PLG",
        "--date",
        day,
        "--category",
        "regular",
        "--capacity",
        str(2 * sessions),
    )
    assert capacity.returncode == 0, capacity.stdout + capacity.stderr
    page.goto(day_url)
    assert "2" in page.locator("li[data-session]").first.inner_text()
    people = family(3, seed=14)
    page.goto(form_url)
    for i, person in enumerate(people):
        if i:
            page.locator("button[value=add]").click()
            page.wait_for_selector(f"#p{i}-nik")
        fill_person(page, i, person)
    page.fill("#phone", people[0].phone)
    page.locator("button[value=review]").click()
    page.wait_for_selector("table.review")
    page.locator("button[value=confirm]").click()
    page.wait_for_selector("[data-error-summary]")
    check_page(page, "family-full", found)
    summary = page.locator("[data-error-summary]").inner_text()
    assert "Tidak ada yang dipesan" in summary and people[2].full_name in summary
    assert page.locator("#p2-nik").input_value() == people[2].nik  # what was typed is kept
    assert page.locator("[data-full] a[href^='/waitlist/join/']").count() == 1
    shot(page, "13-family-full", tmp_path)
    page.locator("[data-full] a[href^='/waitlist/join/']").click()
    page.wait_for_load_state("load")
    check_page(page, "waitlist-join", found)
    context.close()
    assert found == {}, found
