"""NIK squatting through the ballot over HTTP (issue 21), verification ON, both databases: an
entry's answer is the same for a NIK that holds a booking and a free one (before, `409
active_booking_exists` told), the held NIK's right code answers as a code used up, and only an
entry whose code was entered is drawn."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from loket.clock import FrozenClock
from loket.store.database import Database
from loket.testing.applicants import applicant

from .floor_fixtures import make_staff, sign_in
from .test_contact_verification_api import DAY, otp, verifying  # noqa: F401 (verifying: fixture)

pytestmark = pytest.mark.usefixtures("fast_hashing")
BALLOT = "2018-01-03"


def entry_body(person, **extra) -> dict:  # type: ignore[no-untyped-def,type-arg]
    body = person.booking_body(date(2018, 1, 3), **extra)
    return {k: body[k] for k in ("nik", "full_name", "birth_date", "sex", "phone", "email", "session")}


def shape(body: dict) -> tuple:  # type: ignore[type-arg]
    return (sorted(body), body["status"], body["rank"], len(body["verification_id"]))


async def test_a_ballot_entry_answers_the_same_for_a_held_nik_and_counts_after_its_code(
    verifying: httpx.AsyncClient,  # noqa: F811 (the fixture imported above)
    demo: Database,
    clock: FrozenClock,
) -> None:
    await make_staff(demo, clock, "sari")
    csrf = await sign_in(verifying, "sari")
    closes = datetime(2017, 12, 30, 5, 0, tzinfo=UTC)
    made = await verifying.put(
        f"/api/v1/offices/PLG/releases/{BALLOT}",
        json={
            "mode": "ballot",
            "opens_at": (clock() + timedelta(hours=1)).isoformat(),
            "closes_at": closes.isoformat(),
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert made.status_code == 200, made.text
    clock.advance(hours=2)

    holder = applicant(41)
    booked = await verifying.post("/api/v1/offices/PLG/bookings", json=holder.booking_body(DAY))
    vid = booked.json()["verification_id"]
    done = await verifying.post(
        f"/api/v1/offices/PLG/verifications/{vid}", json={"code": await otp(demo, vid)}
    )
    assert done.status_code == 200, done.text

    url = f"/api/v1/offices/PLG/ballots/{BALLOT}/entries"
    squat = await verifying.post(url, json=entry_body(holder, phone="081377770011", email=None))
    free = await verifying.post(url, json=entry_body(applicant(42), phone="081377770012", email=None))
    assert squat.status_code == free.status_code == 201, (squat.text, free.text)
    assert shape(squat.json()) == shape(free.json())  # not 409 active_booking_exists
    assert free.json()["status"] == "unverified"

    status = await verifying.post(
        "/ballot-status",
        data={"entry_code": free.json()["entry_code"], "nik": applicant(42).nik},
        headers={"Accept-Language": "en"},
    )
    assert 'data-entry-status="unverified"' in status.text and "enter the code sent" in status.text

    sid = squat.json()["verification_id"]
    refused = await verifying.post(
        f"/api/v1/offices/PLG/entry-verifications/{sid}", json={"code": await otp(demo, sid)}
    )
    assert refused.status_code == 409 and refused.json()["error"] == "booking_not_confirmed"
    fid = free.json()["verification_id"]
    counted = await verifying.post(
        f"/api/v1/offices/PLG/entry-verifications/{fid}", json={"code": await otp(demo, fid)}
    )
    assert counted.status_code == 200 and counted.json() == {"entry_code": free.json()["entry_code"]}

    # The pages: the entry form sends to the code page, the right code to the entry's receipt.
    person = applicant(43)
    form = {
        "session": "08:00",
        "flexible": "yes",
        "people": "1",
        "phone": "081377770013",
        "email": "",
        "p0-nik": person.nik,
        "p0-full_name": person.full_name,
        "p0-birth_date": person.birth_date.isoformat(),
        "p0-sex": person.sex,
        "p0-service": "new",
        "p0-product": "regular",
    }
    page = await verifying.post(f"/ballot/PLG/{BALLOT}", data=form)
    assert page.status_code == 303 and page.headers["location"].startswith("/entry-verify/PLG/"), page.text
    code_page = await verifying.get(page.headers["location"])
    assert code_page.status_code == 200 and 'autocomplete="one-time-code"' in code_page.text
    pid = page.headers["location"].rsplit("/", 1)[1]
    receipt = await verifying.post(page.headers["location"], data={"code": await otp(demo, pid)})
    assert receipt.status_code == 200 and 'data-entry="PLG-B' in receipt.text, receipt.text

    clock.now = closes
    csrf = await sign_in(verifying, "sari")
    drawn = await verifying.post(f"/api/v1/offices/PLG/ballots/{BALLOT}/draw", headers={"X-CSRF-Token": csrf})
    assert drawn.status_code == 200, drawn.text
    assert (drawn.json()["entries"], drawn.json()["won"]) == (2, 2)
    mine = await verifying.post(
        "/api/v1/ballot-entries/lookup",
        json={"entry_code": free.json()["entry_code"], "nik": applicant(42).nik},
    )
    assert mine.json()["status"] == "won" and mine.json()["booking_code"]
