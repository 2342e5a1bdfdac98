"""The booking form over HTTP on both databases: every field error in one answer with the summary,
and a family booked all or nothing (the page says who and why, keeps what was typed, offers the
nearest sessions and the waiting list)."""

from __future__ import annotations

import re
from datetime import date

import httpx
from sqlalchemy import func, select

from loket.clock import FrozenClock
from loket.services import quotas
from loket.services.catalog import Catalog
from loket.store.database import Database
from loket.store.tables import bookings
from loket.testing.applicants import family

from .floor_helpers import at
from .test_applicant_journey_pages import http  # noqa: F401  (the fixture)

DAY = date(2017, 12, 29)


def form_of(people, action: str = "confirm") -> dict[str, str]:  # type: ignore[no-untyped-def]
    form = {"people": str(len(people)), "action": action, "phone": people[0].phone, "email": ""}
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


async def booked_count(db: Database) -> int:
    async with db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(bookings))).scalar_one())


async def test_an_empty_form_shows_every_error_at_once_with_a_focused_summary(
    http: tuple[httpx.AsyncClient, FrozenClock],  # noqa: F811
) -> None:
    client, _clock = http
    page = await client.post(f"/booking/PLG/{DAY}/08:00?lang=id", data={"people": "1", "action": "review"})
    assert page.status_code == 422
    summary = re.search(r'<div class="error-summary".*?</div>', page.text, re.S)
    assert summary and "autofocus" in summary.group(0) and 'tabindex="-1"' in summary.group(0)
    links = re.findall(r'<a href="#([^"]+)">', summary.group(0))
    assert links == ["p0-nik", "p0-full_name", "p0-birth_date", "p0-sex", "phone"]
    for field in links:  # each link lands on its field, and the field says what is wrong
        assert f'id="{field}"' in page.text and f'id="{field}-error"' in page.text
    assert "male, female" not in page.text and "Pilih perempuan atau laki-laki" in page.text


async def test_wrong_birth_date_sex_and_phone_come_back_in_one_answer(
    http: tuple[httpx.AsyncClient, FrozenClock],  # noqa: F811
) -> None:
    client, clock = http
    clock.now = at(9, day=date(2017, 12, 28))
    person = family(1)[0]
    form = form_of([person], "review") | {
        "p0-birth_date": "1990-02-30",
        "p0-sex": "x",
        "phone": "12",
    }
    page = await client.post(f"/booking/PLG/{DAY}/08:00", data=form)
    assert page.status_code == 422
    for field in ("p0-birth_date", "p0-sex", "phone"):
        assert f'id="{field}-error"' in page.text, field
    assert f'value="{person.nik}"' in page.text  # what was typed is kept


async def test_a_family_of_three_into_two_places_books_nobody_and_says_why(
    demo: Database,
    http: tuple[httpx.AsyncClient, FrozenClock],  # noqa: F811
) -> None:
    client, clock = http
    clock.now = at(9, day=date(2017, 12, 28))  # the day before
    catalog = Catalog(ttl=0)
    office = (await catalog.get(demo, "PLG")).office
    # Two places in every session of the day.
    await quotas.set_day_capacity(
        demo, catalog, "PLG", DAY, "regular", 2 * len(office.sessions), actor="sari", now=clock()
    )
    people = family(3)
    before = await booked_count(demo)
    page = await client.post(f"/booking/PLG/{DAY}/08:00?lang=en", data=form_of(people))
    assert page.status_code == 409, re.findall(r"<li>(?:<a[^>]*>)?([^<]*)", page.text)
    assert await booked_count(demo) == before  # not two of three: nobody
    assert people[2].full_name in page.text and "family member 3" in page.text
    for p in people:
        assert f'value="{p.nik}"' in page.text
    assert "data-full" in page.text and f"/waitlist/join/PLG/{DAY}/08:00" in page.text
    assert page.text.count("This session has no places for everyone") == 1
    assert re.search(r'action="/booking/PLG/\d{4}-\d\d-\d\d/\d\d:\d\d"', page.text)  # a nearest session

    two = await client.post(f"/booking/PLG/{DAY}/08:00", data=form_of(people[:2]))
    assert two.status_code == 303 and await booked_count(demo) == before + 2


async def test_a_duplicate_nik_in_the_family_names_the_person_and_books_nobody(
    demo: Database,
    http: tuple[httpx.AsyncClient, FrozenClock],  # noqa: F811
) -> None:
    client, clock = http
    clock.now = at(9, day=date(2017, 12, 28))
    people = family(2)
    first = await client.post(f"/booking/PLG/{DAY}/09:00", data=form_of(people[:1]))
    assert first.status_code == 303
    before = await booked_count(demo)
    again = await client.post(f"/booking/PLG/{DAY}/10:00?lang=en", data=form_of(people[::-1]))
    assert again.status_code == 409 and await booked_count(demo) == before
    assert people[0].full_name in again.text and 'id="p1-nik-error"' in again.text
    assert re.search(r'data-existing-booking>[^<]*<a href="/status">', again.text)


async def test_one_person_losing_the_last_place_sees_it_once_with_the_ways_on(
    demo: Database,
    http: tuple[httpx.AsyncClient, FrozenClock],  # noqa: F811
) -> None:
    client, clock = http
    clock.now = at(9, day=date(2017, 12, 28))
    catalog = Catalog(ttl=0)
    office = (await catalog.get(demo, "PLG")).office
    await quotas.set_day_capacity(
        demo, catalog, "PLG", DAY, "regular", len(office.sessions), actor="sari", now=clock()
    )
    first, second = family(1, seed=21)[0], family(1, seed=22, phone="+6281200002222")[0]
    review = await client.post(f"/booking/PLG/{DAY}/08:00", data=form_of([second], "review"))
    assert review.status_code == 200  # the place was free when the form was checked
    won = await client.post(f"/booking/PLG/{DAY}/08:00", data=form_of([first]))
    assert won.status_code == 303
    lost = await client.post(f"/booking/PLG/{DAY}/08:00?lang=en", data=form_of([second]))
    assert lost.status_code == 409
    assert lost.text.count("No places left in this session") == 1  # once, in the summary
    assert "data-full" in lost.text and f"/waitlist/join/PLG/{DAY}/08:00" in lost.text
    assert 'action="/booking/PLG/2017-12-29/09:00"' in lost.text  # the nearest session, kept filled in
    assert f'value="{second.nik}"' in lost.text
