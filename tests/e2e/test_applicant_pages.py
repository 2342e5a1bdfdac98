"""The applicant's pages over HTTP on both databases: booking a family, status, cancel, waiting list."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx

from loket.clock import FrozenClock
from loket.testing.applicants import applicant, family

DAY = "2017-12-29"


def _form(people, phone: str, action: str, email: str = "") -> dict[str, str]:  # type: ignore[no-untyped-def]
    form = {
        "category": "regular",
        "people": str(len(people)),
        "phone": phone,
        "email": email,
        "action": action,
    }
    for i, p in enumerate(people):
        form |= {
            f"p{i}-nik": p.nik,
            f"p{i}-full_name": p.full_name,
            f"p{i}-birth_date": p.birth_date.isoformat(),
            f"p{i}-sex": p.sex,
            f"p{i}-service": "new",
            f"p{i}-product": "regular",
        }
    return form


async def test_book_a_family_then_check_and_cancel(client: httpx.AsyncClient) -> None:
    people = family(2, email="k@example.id")
    review = await client.post(f"/booking/PLG/{DAY}/08:00", data=_form(people, people[0].phone, "review"))
    assert review.status_code == 200 and review.text.count("Rp 355.000") == 2 and "Rp 710.000" in review.text
    done = await client.post(f"/booking/PLG/{DAY}/08:00", data=_form(people, people[0].phone, "confirm"))
    assert done.status_code == 303 and done.headers["location"] == "/booking-done"
    page = await client.get("/booking-done")
    codes = re.findall(r'data-booking="(PLG-[0-9A-Z]{10})"', page.text)
    assert len(codes) == 2 and page.text.count("/booking-qr/") == 2 and "data-deadline=" in page.text
    qr = await client.get(f"/booking-qr/{codes[0]}.svg")
    assert qr.status_code == 200 and qr.headers["content-type"] == "image/svg+xml" and b"<svg" in qr.content
    status = await client.post("/status", data={"booking_code": codes[0], "nik": people[0].nik})
    assert 'data-status="awaiting_payment"' in status.text
    # The NIK travels only in the POST bodies of the cancel and move forms, never shown or in a URL.
    assert people[0].nik not in re.sub(r'<input type="hidden" name="nik" value="\d+">', "", status.text)
    wrong = await client.post("/status", data={"booking_code": codes[0], "nik": people[1].nik})
    assert wrong.status_code == 404 and 'id="booking_code-error"' in wrong.text
    ask = await client.post("/status/cancel", data={"booking_code": codes[0], "nik": people[0].nik})
    assert 'name="confirm"' in ask.text
    gone = await client.post(
        "/status/cancel", data={"booking_code": codes[0], "nik": people[0].nik, "confirm": "yes"}
    )
    assert 'data-status="cancelled"' in gone.text


async def test_errors_are_shown_next_to_their_field(client: httpx.AsyncClient) -> None:
    person = applicant(3)
    form = _form([person], "12", "review") | {"p0-nik": person.nik[:-1]}
    page = await client.post(f"/booking/PLG/{DAY}/08:00", data=form)
    assert page.status_code == 422
    assert 'id="p0-nik-error"' in page.text and 'aria-describedby="p0-nik-error"' in page.text
    assert 'id="phone-error"' not in page.text or 'aria-describedby="phone-error"' in page.text


async def test_the_nik_check_answers_in_the_request_language(client: httpx.AsyncClient) -> None:
    good = await client.post(
        "/booking-check/nik",
        data={"index": "0", "p0-nik": applicant(4).nik},
        headers={"Accept-Language": "en-US,en;q=0.8"},
    )
    assert 'data-nik="valid"' in good.text and "born" in good.text
    bad = await client.post(
        "/booking-check/nik", data={"index": "0", "p0-nik": "123"}, headers={"Accept-Language": "id-ID"}
    )
    assert 'data-nik="invalid"' in bad.text and "16 digit" in bad.text


async def test_every_applicant_page_has_the_language_toggle(client: httpx.AsyncClient) -> None:
    for path in (
        "/booking",
        "/booking/PLG",
        f"/booking/PLG/{DAY}",
        f"/booking/PLG/{DAY}/08:00",
        "/status",
        f"/waitlist/join/PLG/{DAY}/08:00",
        "/booking-done",
    ):
        page = await client.get(path)
        assert page.status_code == 200, path
        assert 'href="?lang=en"' in page.text and 'href="?lang=id"' in page.text, path
        assert "<script>" not in page.text and " onclick=" not in page.text, path
    english = await client.get("/booking?lang=en")
    assert '<html lang="en">' in english.text and english.cookies.get("lang") == "en"


async def test_unknown_office_answers_an_html_page(client: httpx.AsyncClient) -> None:
    page = await client.get("/booking/XXX")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")


async def test_the_office_calendar_opens_on_the_office_month(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    """At 01:30 WIB on 1 January the UTC date is still 31 December: the calendar shows January."""
    clock.now = datetime(2017, 12, 31, 18, 30, tzinfo=UTC)
    page = await client.get("/offices/PLG/calendar", params={"lang": "id"})
    assert page.status_code == 200 and "Januari 2018" in page.text and "Desember 2017" not in page.text


async def test_the_office_search_works_without_javascript(client: httpx.AsyncClient) -> None:
    """The server hides the offices that do not match; the page's script filters the same list."""
    page = await client.get("/booking", params={"q": "palem", "lang": "id"})
    items = re.findall(r"<li data-search=\"([^\"]*)\"( hidden)?>", page.text)
    assert sorted(("palembang" in text, not hidden) for text, hidden in items) == [
        (False, False),
        (True, True),
    ]
    assert 'data-no-match role="status" hidden' in page.text
    nothing = await client.get("/booking", params={"q": "atlantis"})
    assert 'data-no-match role="status">' in nothing.text
