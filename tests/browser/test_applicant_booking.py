"""The applicant's whole journey on a phone (360x740, id-ID): book two family members, see the QR
and the countdown, pay through the signed bank callback, see the status change to paid."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from loket.testing.applicants import family

from .applicant_helpers import phone_page, shot, weigh

LIMIT = 100 * 1024


def test_book_two_family_members_pay_and_see_paid(browser: Any, live_server: Any, tmp_path: Path) -> None:
    hosts: set[str] = set()
    weights: dict[str, int] = {}
    context, page = phone_page(browser, hosts)
    mother, child = family(2, seed=5, email="keluarga@example.id")
    page.goto(live_server.url + "/booking")
    weigh(page, weights, "offices")
    page.get_by_label(re.compile("Search|Cari", re.I)).fill("palem")
    page.wait_for_selector("#office-list li[hidden] a[href='/booking/DPS']", state="attached")
    assert page.locator("a[href='/booking/PLG']").is_visible()
    assert page.locator("#office-list li:visible").count() == 1  # Denpasar filtered out in place
    shot(page, "01-offices", tmp_path)
    page.locator("a[href='/booking/PLG']").click()
    weigh(page, weights, "month")
    if page.locator("td.open a").count() == 0:
        page.locator(".month-nav a").last.click()
    shot(page, "02-month", tmp_path)
    page.locator("td.open a").first.click()
    weigh(page, weights, "day")
    shot(page, "03-sessions", tmp_path)
    page.locator("li.open a.button").first.click()
    weigh(page, weights, "details")
    page.fill("#p0-nik", "12345")
    page.wait_for_selector("#p0-nik-check [data-nik=invalid]")
    _fill_person(page, 0, mother)
    page.wait_for_selector("#p0-nik-check [data-nik=valid]")
    page.locator("button[value=add]").click()
    page.wait_for_selector("#p1-nik")
    _fill_person(page, 1, child)
    page.fill("#phone", mother.phone)
    page.fill("#email", "keluarga@example.id")
    shot(page, "04-details", tmp_path)
    page.locator("button[value=review]").click()
    weigh(page, weights, "review")
    assert page.locator("table.review tbody tr").count() == 2
    shot(page, "05-review", tmp_path)
    page.locator("button[value=confirm]").click()
    page.wait_for_selector("article.ticket")
    weigh(page, weights, "confirmation")
    tickets = page.locator("article.ticket")
    assert tickets.count() == 2
    assert page.locator(".qr img").first.evaluate("img => img.complete && img.naturalWidth > 0")
    page.wait_for_function("document.querySelector('.countdown.live .countdown-value') !== null")
    assert re.fullmatch(r"0[01]:\d\d:\d\d", page.locator(".countdown-value").first.inner_text())
    assert "Rp 355.000" in tickets.first.inner_text() or "Rp 350.000" in tickets.first.inner_text()
    shot(page, "06-confirmation", tmp_path)
    page.emulate_media(media="print")
    shot(page, "07-confirmation-print", tmp_path)
    page.emulate_media(media="screen")
    code = tickets.first.get_attribute("data-booking")
    billing = str(tickets.first.locator(".billing").get_attribute("data-billing"))
    paid = live_server.loket("payments", "simulate", "--billing-code", billing, "--url", live_server.url)
    assert paid.returncode == 0, paid.stdout + paid.stderr
    page.goto(live_server.url + "/status")
    weigh(page, weights, "status-form")
    page.fill("#booking_code", code)
    page.fill("#nik", mother.nik)
    page.locator("form button[type=submit]").click()
    page.wait_for_selector("[data-status=paid]")
    assert mother.nik not in page.url
    assert page.locator("[data-stage=paid][data-state=done]").count() == 1
    weigh(page, weights, "status")
    shot(page, "08-status-paid", tmp_path)
    context.close()
    assert hosts == {live_server.url.split("/")[2]}, hosts
    over = {name: size for name, size in weights.items() if size >= LIMIT}
    assert over == {}, weights
    (tmp_path / "weights.txt").write_text(repr(weights))
    print("page weights (bytes):", weights)


def _fill_person(page: Any, i: int, person: Any) -> None:
    page.fill(f"#p{i}-nik", person.nik)
    page.fill(f"#p{i}-full_name", person.full_name)
    page.fill(f"#p{i}-birth_date", person.birth_date.isoformat())
    page.check(f"input[name=p{i}-sex][value={person.sex}]")
