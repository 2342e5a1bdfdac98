"""The applicant pages and states the journey tests do not reach, on a phone (360x740, id-ID), each
swept by axe-core (no serious or critical violation) and weighed cold (under 100 KB):

- the ballot: the open day with its form, its errors, the receipt, the result look-up (its form,
  an unknown entry, waiting for the draw, drawn, wait-listed), a drawn day, a day not open yet;
- the waiting list a ballot leaves: waiting, an offer, a refused accept, a lapsed offer, left the
  list, accepted;
- the status page's cancel (asked, then done), an unknown booking, a duplicate NIK on the booking
  form, a month not open yet, the public calendar, a browser's 404 page.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from loket.testing.applicants import Applicant, applicant

from .applicant_helpers import WEIGHT_JS, axe_phone_page
from .axe_helpers import check_page

LIMIT = 100 * 1024
BALLOT = Path(__file__).resolve().parent / "journey_ballot.py"


class Sweep:
    """Every page visited: its axe violations and its weight, asserted together at the end."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.found: dict[str, list[dict[str, Any]]] = {}
        self.weights: dict[str, int] = {}

    def __call__(self, name: str) -> None:
        self.page.wait_for_load_state("load")
        check_page(self.page, name, self.found)
        self.weights[name] = int(self.page.evaluate(WEIGHT_JS))

    def submit(self, selector: str) -> None:
        with self.page.expect_navigation():
            self.page.locator(selector).click()

    def assert_clean(self) -> None:
        assert self.found == {}, self.found
        over = {name: size for name, size in self.weights.items() if size >= LIMIT}
        assert over == {}, self.weights
        print("page weights (bytes):", self.weights)


def open_days(url: str) -> list[str]:
    today = date.today()  # noqa: DTZ011 - the live server runs on the real clock
    found = httpx.get(
        f"{url}/api/v1/offices/PLG/availability",
        params={
            "from": today.isoformat(),
            "to": (today + timedelta(days=30)).isoformat(),
            "category": "regular",
        },
        timeout=30,
    ).json()
    return [str(d["date"]) for d in found["days"]]


def ballot_step(server: Any, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(BALLOT), *args],
        env=server.env,
        cwd=server.workdir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def fill_person(page: Any, person: Applicant) -> None:
    page.fill("#p0-nik", person.nik)
    page.fill("#p0-full_name", person.full_name)
    page.fill("#p0-birth_date", person.birth_date.isoformat())
    page.check(f"input[name=p0-sex][value={person.sex}]")
    page.fill("#phone", person.phone)


def lookup(server: Any, code: str, person: Applicant) -> dict[str, Any]:
    answer = httpx.post(
        f"{server.url}/api/v1/ballot-entries/lookup", json={"entry_code": code, "nik": person.nik}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_the_ballot_and_the_waiting_list_it_leaves(browser: Any, live_server: Any) -> None:
    url = live_server.url
    later_days = [d for d in open_days(url) if date.fromisoformat(d) >= date.today() + timedelta(days=4)]  # noqa: DTZ011
    day, not_yet = later_days[0], later_days[1]
    quota = live_server.loket(
        "quota", "set", "--office", "PLG", "--date", day, "--category", "regular", "--capacity", "6"
    )
    assert quota.returncode == 0, quota.stderr  # one place per session
    ballot_step(live_server, "schedule", "PLG", day, "-5", "60")  # open now, for an hour
    ballot_step(live_server, "schedule", "PLG", not_yet, "1440", "1500")  # opens tomorrow
    context, page = axe_phone_page(browser)
    visit = Sweep(page)

    page.goto(f"{url}/ballot/PLG/{day}")
    visit("ballot-open")
    visit.submit("form[action^='/ballot/'] button[type=submit]")
    assert page.locator("[aria-invalid=true]").count() > 0
    visit("ballot-errors")
    people = [applicant(i, seed=41) for i in range(1, 5)]
    fill_person(page, people[0])
    page.select_option("#session", "08:00")
    page.uncheck("input[name=flexible]")
    visit.submit("form[action^='/ballot/'] button[type=submit]")
    codes = [str(page.locator("article.ticket[data-entry]").get_attribute("data-entry"))]
    visit("ballot-entered")
    for person in people[1:]:
        body = person.booking_body(date.fromisoformat(day))
        entry = {k: body[k] for k in ("nik", "full_name", "birth_date", "sex", "phone", "email", "session")}
        entered = httpx.post(
            f"{url}/api/v1/offices/PLG/ballots/{day}/entries", json={**entry, "flexible": False}, timeout=30
        )
        assert entered.status_code == 201, entered.text
        codes.append(str(entered.json()["entry_code"]))

    page.goto(f"{url}/ballot-status")
    visit("ballot-status-form")
    page.fill("#entry_code", codes[0])
    page.fill("#nik", people[1].nik)
    visit.submit("form[action='/ballot-status'] button[type=submit]")
    assert page.locator("article.ticket").count() == 0
    visit("ballot-status-unknown")
    page.fill("#entry_code", codes[0])
    page.fill("#nik", people[0].nik)
    visit.submit("form[action='/ballot-status'] button[type=submit]")
    assert page.locator("[data-entry-status=entered]").count() == 1
    visit("ballot-status-entered")

    assert ballot_step(live_server, "draw", "PLG", day) == {"won": 1, "waitlisted": 3}
    results = [
        (lookup(live_server, code, person), person) for code, person in zip(codes, people, strict=True)
    ]
    ((winner, winner_person),) = [(r, p) for r, p in results if r["status"] == "won"]
    waiting = sorted(
        ((r, p) for r, p in results if r["status"] == "waitlisted"), key=lambda rp: rp[0]["rank"]
    )
    for (result, person), state in (((winner, winner_person), "won"), (waiting[0], "waitlisted")):
        page.goto(f"{url}/ballot-status")
        page.fill("#entry_code", result["entry_code"])
        page.fill("#nik", person.nik)
        visit.submit("form[action='/ballot-status'] button[type=submit]")
        assert page.locator(f"[data-entry-status={state}]").count() == 1
        visit(f"ballot-status-{state}")
    page.goto(f"{url}/ballot/PLG/{day}")
    assert page.locator("a[href='/ballot-status']").count() == 1
    visit("ballot-drawn")
    page.goto(f"{url}/ballot/PLG/{not_yet}")
    assert page.locator("form[action^='/ballot/']").count() == 0
    visit("ballot-not-open")

    # The waiting list in draw order: the first is offered the winner's place when it is cancelled.
    (first, _), (second, second_p), (third, third_p) = waiting
    page.goto(f"{url}/waitlist/{second['waitlist_code']}")
    assert page.locator("[data-entry-status=waiting]").count() == 1
    visit("waitlist-waiting")
    cancelled = httpx.post(
        f"{url}/api/v1/bookings/{winner['booking_code']}/cancel", json={"nik": winner_person.nik}, timeout=30
    )
    assert cancelled.status_code == 200, cancelled.text
    page.goto(f"{url}/waitlist/{first['waitlist_code']}")
    assert page.locator("[data-entry-status=offered]").count() == 1
    visit("waitlist-offered")
    page.fill("#accept-nik", second_p.nik)
    visit.submit("#entry form[action$='/accept'] button[type=submit]")
    assert page.locator("#entry [aria-invalid=true]").count() == 1
    visit("waitlist-accept-refused")
    minutes = 31  # the offer's 30 minutes (the default) are over
    assert ballot_step(live_server, "sweep", str(minutes))["passed"] == 1
    page.goto(f"{url}/waitlist/{first['waitlist_code']}")
    assert page.locator("[data-entry-status=passed]").count() == 1
    visit("waitlist-offer-passed")
    page.goto(f"{url}/waitlist/{second['waitlist_code']}")
    assert page.locator("[data-entry-status=offered]").count() == 1  # handed on
    page.locator("#entry details summary").click()
    page.fill("#withdraw-nik", second_p.nik)
    visit.submit("#entry form[action$='/withdraw'] button[type=submit]")
    assert page.locator("[data-entry-status=withdrawn]").count() == 1
    visit("waitlist-withdrawn")
    page.goto(f"{url}/waitlist/{third['waitlist_code']}")
    assert page.locator("[data-entry-status=offered]").count() == 1
    page.fill("#accept-nik", third_p.nik)
    visit.submit("#entry form[action$='/accept'] button[type=submit]")
    assert page.locator("article.ticket").count() == 1
    page.goto(f"{url}/waitlist/{third['waitlist_code']}")
    assert page.locator("[data-entry-status=accepted]").count() == 1
    visit("waitlist-accepted")
    context.close()
    visit.assert_clean()


def test_cancel_an_unknown_booking_a_duplicate_nik_a_closed_month_and_the_404_page(
    browser: Any, live_server: Any
) -> None:
    url = live_server.url
    day = open_days(url)[0]
    holder = applicant(1, seed=42)
    booked = httpx.post(
        f"{url}/api/v1/offices/PLG/bookings", json=holder.booking_body(date.fromisoformat(day)), timeout=30
    )
    assert booked.status_code == 201, booked.text
    code = str(booked.json()["booking_code"])
    context, page = axe_phone_page(browser)
    visit = Sweep(page)

    # The same NIK again, on the booking form: refused, with the way to the existing booking.
    page.goto(f"{url}/booking/PLG/{day}")
    page.locator("li.open a.button").first.click()
    page.wait_for_selector("#p0-nik")
    fill_person(page, holder)
    visit.submit("button[value=review]")
    if page.locator("button[value=confirm]").count():
        visit.submit("button[value=confirm]")
    assert page.locator("[data-error-summary] a[href='/status'], main a[href='/status']").count() >= 1
    visit("details-duplicate-nik")

    page.goto(f"{url}/status")
    page.fill("#booking_code", code)
    page.fill("#nik", applicant(2, seed=42).nik)
    visit.submit("form button[type=submit]")
    visit("status-unknown")
    page.fill("#booking_code", code)
    page.fill("#nik", holder.nik)
    visit.submit("form button[type=submit]")
    visit.submit("#cancel button[type=submit]")
    assert page.locator("#cancel input[name=confirm][value=yes]").count() == 1
    visit("status-cancel-asked")
    visit.submit("#cancel button[type=submit]")
    assert page.locator("[data-status=cancelled]").count() >= 1
    visit("status-cancelled")

    far = (date.today().replace(day=1) + timedelta(days=200)).strftime("%Y-%m")  # noqa: DTZ011
    page.goto(f"{url}/booking/PLG?month={far}")
    assert page.locator("td.open a").count() == 0
    visit("month-not-open")
    page.goto(f"{url}/offices/PLG/calendar")
    visit("office-calendar")
    answer = page.goto(f"{url}/no-such-page")
    assert answer is not None and answer.status == 404
    visit("not-found")
    context.close()
    visit.assert_clean()
