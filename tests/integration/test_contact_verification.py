"""NIK squatting and the NIK oracle (issue 21): a booking is pending until its contact enters a
one-time code; the answers never tell whether a NIK holds a booking; the real holder releases a
booking made with their NIK by proving the family card (KK). Both databases; verification ON."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from loket.clock import FrozenClock
from loket.domain.booking import BookingPolicy
from loket.domain.errors import Conflict, DomainError, InvalidInput
from loket.services import booking as booking_service
from loket.services import contact_verification as verification
from loket.services import family_booking
from loket.services.catalog import Catalog
from loket.services.expiry import expire_lapsed
from loket.services.fraud import fraud_report
from loket.store.database import Database
from loket.store.tables import (
    audit_log,
    billings,
    booking_verifications,
    bookings,
    contact_codes,
    nik_holds,
    notify_outbox,
)
from loket.testing.applicants import applicant, family

from .booking_paths import booking_path  # noqa: F401 (the fixture)
from .conftest import pay
from .test_booking import DAY, invariants, left, request_for

pytestmark = pytest.mark.usefixtures("booking_path")
SECRET = "a-test-secret-of-at-least-32-characters!"
KK_OWN = "1671010101170001"
KK_OTHER = "3171010202150002"


@pytest.fixture
def verify_policy(policy: BookingPolicy) -> BookingPolicy:
    return replace(policy, verify_contact=True)


async def book(db, catalog, now, policy, person, **extra):  # type: ignore[no-untyped-def]
    return await booking_service.book_slot(
        db, catalog, "PLG", request_for(person, **extra), policy=policy, now=now, secret=SECRET
    )


async def sent_code(db: Database, code_id: str) -> str:
    """The code as the applicant receives it: from the outbox row the sender delivers."""
    async with db.read() as conn:
        row = (
            await conn.execute(
                select(notify_outbox).where(
                    notify_outbox.c.subject == code_id, notify_outbox.c.event == "contact_code"
                )
            )
        ).first()
    assert row is not None
    return str(row.params["otp"])


async def enter(db, catalog, now, policy, code_id, code):  # type: ignore[no-untyped-def]
    return await verification.verify_booking(
        db, catalog, "PLG", code_id, code, policy=policy, secret=SECRET, now=now
    )


async def rows(db: Database, table, *where):  # type: ignore[no-untyped-def]
    async with db.read() as conn:
        return (await conn.execute(select(table).where(*where))).all()


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def test_a_pending_booking_takes_its_place_not_its_nik_until_the_code_is_entered(
    demo: Database, catalog: Catalog, clock: FrozenClock, verify_policy: BookingPolicy
) -> None:
    before = await left(demo, catalog, clock())
    person = applicant(1)
    done = await book(demo, catalog, clock(), verify_policy, person, kk=KK_OWN)
    assert done.status == "awaiting_verification" and done.billing_code is None
    assert done.verification is not None and done.verification.sent_to.endswith(person.phone[-3:])
    assert done.verification.expires_at == clock() + timedelta(minutes=10)
    assert await left(demo, catalog, clock()) == before - 1  # the place is taken: a rush stays fair
    assert await rows(demo, nik_holds, nik_holds.c.nik == person.nik) == []  # the NIK is not
    assert await rows(demo, billings, billings.c.booking_code == done.booking_code) == []
    code = await sent_code(demo, done.verification.code_id)
    assert len(code) == 6 and code.isdigit()
    message = (await rows(demo, notify_outbox, notify_outbox.c.subject == done.verification.code_id))[0]
    assert message.recipient == person.phone and message.locale == "id"
    stored = (await rows(demo, contact_codes, contact_codes.c.id == done.verification.code_id))[0]
    assert code not in stored.code_hash and stored.tries_left == 3  # kept only as a keyed hash

    confirmed = await enter(demo, catalog, clock(), verify_policy, done.verification.code_id, code)
    assert [c.booking_code for c in confirmed] == [done.booking_code]
    billing_code = confirmed[0].billing_code
    assert billing_code is not None and len(billing_code) == 15
    assert len(await rows(demo, nik_holds, nik_holds.c.nik == person.nik)) == 1
    booking = (await rows(demo, bookings, bookings.c.booking_code == done.booking_code))[0]
    assert booking.billing_code == billing_code and booking.pay_before == clock() + timedelta(hours=2)
    made = await rows(
        demo,
        notify_outbox,
        notify_outbox.c.subject == done.booking_code,
        notify_outbox.c.event == "booking_made",
    )
    assert {m.params["billing"] for m in made} == {billing_code}
    result = await pay(demo, billing_code, booking.amount, clock())
    assert result.booking_status == "paid"
    await invariants(demo)


async def test_an_unverified_booking_releases_its_place_when_its_code_expires(
    demo: Database, catalog: Catalog, clock: FrozenClock, verify_policy: BookingPolicy
) -> None:
    before = await left(demo, catalog, clock())
    done = await book(demo, catalog, clock(), verify_policy, applicant(2))
    later = clock() + timedelta(minutes=10, seconds=1)
    assert await expire_lapsed(demo, later, "PLG") == 1  # the existing sweep releases it
    assert await left(demo, catalog, later) == before
    # Nobody was told it was booked, so nobody is told it lapsed (the contact is unproven).
    assert await rows(demo, notify_outbox, notify_outbox.c.event == "hold_lapsed") == []
    assert done.verification is not None
    code = await sent_code(demo, done.verification.code_id)
    with pytest.raises(Conflict) as late:
        await enter(demo, catalog, later, verify_policy, done.verification.code_id, code)
    assert late.value.code == "booking_not_confirmed"
    await invariants(demo)


async def test_three_wrong_tries_use_the_code_up_and_free_the_place(
    demo: Database, catalog: Catalog, clock: FrozenClock, verify_policy: BookingPolicy
) -> None:
    before = await left(demo, catalog, clock())
    done = await book(demo, catalog, clock(), verify_policy, applicant(3))
    assert done.verification is not None
    code_id = done.verification.code_id
    code = await sent_code(demo, code_id)
    for tries_left in (2, 1):
        with pytest.raises(InvalidInput) as bad:
            await enter(demo, catalog, clock(), verify_policy, code_id, wrong(code))
        assert bad.value.code == "code_wrong" and bad.value.params["left"] == tries_left
        assert bad.value.field == "code"
    with pytest.raises(Conflict) as spent:
        await enter(demo, catalog, clock(), verify_policy, code_id, wrong(code))
    assert spent.value.code == "booking_not_confirmed"
    with pytest.raises(Conflict) as after:
        await enter(demo, catalog, clock(), verify_policy, code_id, code)  # the right one, too late
    assert after.value.code == "booking_not_confirmed"
    assert await left(demo, catalog, clock()) == before
    with pytest.raises(InvalidInput) as typo:
        await enter(demo, catalog, clock(), verify_policy, code_id, "12a")
    assert typo.value.code == "code_format"
    await invariants(demo)


async def test_many_tries_at_once_are_counted_one_by_one(
    demo: Database, catalog: Catalog, clock: FrozenClock, verify_policy: BookingPolicy
) -> None:
    done = await book(demo, catalog, clock(), verify_policy, applicant(4))
    assert done.verification is not None
    code_id = done.verification.code_id
    code = await sent_code(demo, code_id)
    guesses = [enter(demo, catalog, clock(), verify_policy, code_id, wrong(code)) for _ in range(12)]
    results = await asyncio.gather(*guesses, return_exceptions=True)
    codes = sorted(r.code for r in results if isinstance(r, DomainError))
    assert len(codes) == 12
    # Exactly three tries were compared: two told "wrong", the third used the code up.
    assert codes.count("code_wrong") == 2
    assert codes.count("booking_not_confirmed") == 10
    stored = (await rows(demo, contact_codes, contact_codes.c.id == code_id))[0]
    assert stored.tries_left == 0 and stored.state == "failed"
    await invariants(demo)


async def test_the_right_code_entered_at_once_confirms_once(
    demo: Database, catalog: Catalog, clock: FrozenClock, verify_policy: BookingPolicy
) -> None:
    done = await book(demo, catalog, clock(), verify_policy, applicant(5))
    assert done.verification is not None
    code_id = done.verification.code_id
    code = await sent_code(demo, code_id)
    results = await asyncio.gather(
        *[enter(demo, catalog, clock(), verify_policy, code_id, code) for _ in range(8)],
        return_exceptions=True,
    )
    wins = [r for r in results if not isinstance(r, BaseException)]
    assert len(wins) == 1
    assert all(
        isinstance(r, Conflict) and r.code == "booking_not_confirmed" for r in results if r not in wins
    )
    assert len(await rows(demo, billings, billings.c.booking_code == done.booking_code)) == 1
    await invariants(demo)


async def test_the_answers_do_not_tell_whether_the_nik_holds_a_booking(
    demo: Database, catalog: Catalog, clock: FrozenClock, verify_policy: BookingPolicy
) -> None:
    holder = applicant(6)
    own = await book(demo, catalog, clock(), verify_policy, holder, kk=KK_OWN)
    assert own.verification is not None
    await enter(
        demo,
        catalog,
        clock(),
        verify_policy,
        own.verification.code_id,
        await sent_code(demo, own.verification.code_id),
    )

    squatter_phone = "+6281377770001"
    attempt = await book(
        demo, catalog, clock(), verify_policy, replace(holder, phone=squatter_phone, email=None)
    )
    fresh = await book(
        demo, catalog, clock(), verify_policy, replace(applicant(7), phone="+6281377770002", email=None)
    )
    # The same answer for a NIK that holds a booking and for one that does not.
    assert attempt.status == fresh.status == "awaiting_verification"
    assert attempt.billing_code is fresh.billing_code is None
    assert attempt.verification is not None and fresh.verification is not None
    assert attempt.pay_before - clock() == fresh.pay_before - clock() == timedelta(minutes=10)
    # The holder's verified contact is told; the attempt's contact gets its code like anyone.
    told = await rows(demo, notify_outbox, notify_outbox.c.event == "nik_attempt")
    assert {t.recipient for t in told} == {holder.phone, holder.email}
    assert {t.subject for t in told} == {own.booking_code}

    # The right code for the held NIK answers as a code used up by three wrong tries.
    with pytest.raises(Conflict) as held:
        await enter(
            demo,
            catalog,
            clock(),
            verify_policy,
            attempt.verification.code_id,
            await sent_code(demo, attempt.verification.code_id),
        )
    for _ in range(3):
        try:
            await enter(demo, catalog, clock(), verify_policy, fresh.verification.code_id, "000000")
        except DomainError as exc:
            spent = exc
    assert (held.value.code, held.value.message, held.value.field, held.value.status) == (
        spent.code,
        spent.message,
        spent.field,
        spent.status,
    )
    # The holder's booking stands; the attempt's place went back.
    assert (await rows(demo, nik_holds, nik_holds.c.nik == holder.nik))[0].booking_code == own.booking_code
    states = {r.booking_code: r.status for r in await rows(demo, bookings)}
    assert states[own.booking_code] == "awaiting_payment" and states[attempt.booking_code] == "expired"
    await invariants(demo)


async def test_a_family_gets_one_code_that_confirms_every_member(
    demo: Database, catalog: Catalog, clock: FrozenClock, verify_policy: BookingPolicy
) -> None:
    members = family(3, seed=21)
    made = await family_booking.book_family(
        demo,
        catalog,
        "PLG",
        [request_for(m) for m in members],
        policy=verify_policy,
        now=clock(),
        secret=SECRET,
    )
    ids = {m.verification.code_id for m in made if m.verification is not None}
    assert len(ids) == 1 and all(m.billing_code is None for m in made)
    assert await rows(demo, nik_holds) == []
    confirmed = await enter(
        demo, catalog, clock(), verify_policy, ids.pop(), await sent_code(demo, made[0].verification.code_id)
    )
    assert sorted(c.booking_code for c in confirmed) == sorted(m.booking_code for m in made)
    assert all(c.billing_code for c in confirmed)
    assert len(await rows(demo, nik_holds)) == 3
    await invariants(demo)


async def claim(db, catalog, now, nik, kk, phone):  # type: ignore[no-untyped-def]
    sent = await verification.start_release(
        db, catalog, "PLG", nik, kk, phone, None, locale="id", secret=SECRET, now=now
    )
    await verification.verify_release(
        db, catalog, "PLG", sent.code_id, await sent_code(db, sent.code_id), secret=SECRET, now=now
    )
    return sent


async def test_the_real_holder_releases_a_squatted_nik_with_the_family_card(
    demo: Database, catalog: Catalog, clock: FrozenClock, verify_policy: BookingPolicy
) -> None:
    victim = applicant(8)
    squatter = replace(victim, full_name="Budi Calo", phone="+6281344440001", email=None)
    squat = await book(demo, catalog, clock(), verify_policy, squatter)  # no KK: the squatter has none
    assert squat.verification is not None
    await enter(
        demo,
        catalog,
        clock(),
        verify_policy,
        squat.verification.code_id,
        await sent_code(demo, squat.verification.code_id),
    )
    assert (await rows(demo, nik_holds, nik_holds.c.nik == victim.nik))[0].booking_code == squat.booking_code

    # A wrong KK format is refused naming the field; a wrong code is counted.
    with pytest.raises(InvalidInput) as bad_kk:
        await verification.start_release(
            demo,
            catalog,
            "PLG",
            victim.nik,
            "123",
            victim.phone,
            None,
            locale="id",
            secret=SECRET,
            now=clock(),
        )
    assert bad_kk.value.field == "kk"

    await claim(demo, catalog, clock(), victim.nik, KK_OWN, "+6281355550009")  # a new phone
    assert await rows(demo, nik_holds, nik_holds.c.nik == victim.nik) == []
    released = (await rows(demo, bookings, bookings.c.booking_code == squat.booking_code))[0]
    assert released.status == "cancelled"
    mark = (
        await rows(demo, booking_verifications, booking_verifications.c.booking_code == squat.booking_code)
    )[0]
    assert mark.state == "released"
    told = await rows(demo, notify_outbox, notify_outbox.c.event == "nik_released")
    assert {t.recipient for t in told} == {squatter.phone}
    actions = {r.action for r in await rows(demo, audit_log)}
    assert {"nik_release.code_sent", "booking.release_squatted"} <= actions
    # The broker report names the squatter's phone.
    findings = await fraud_report(demo, "PLG", DAY, DAY)
    squats = [f for f in findings if f.kind.value == "squatted_nik"]
    assert squats and squat.booking_code in squats[0].bookings

    # Now the holder books, with the KK; a second claim with another KK cannot take it away.
    own = await book(demo, catalog, clock(), verify_policy, victim, kk=KK_OWN)
    assert own.verification is not None
    await enter(
        demo,
        catalog,
        clock(),
        verify_policy,
        own.verification.code_id,
        await sent_code(demo, own.verification.code_id),
    )
    await claim(demo, catalog, clock(), victim.nik, KK_OWN, "+6281355550010")  # the same card: kept
    assert (await rows(demo, nik_holds, nik_holds.c.nik == victim.nik))[0].booking_code == own.booking_code
    await invariants(demo)


async def test_a_release_claim_answers_alike_whether_or_not_a_booking_was_held(
    demo: Database, catalog: Catalog, clock: FrozenClock
) -> None:
    nobody = applicant(9)
    sent = await claim(demo, catalog, clock(), nobody.nik, KK_OTHER, "+6281355550011")
    assert sent.sent_to.endswith("011")
    stored = (await rows(demo, contact_codes, contact_codes.c.id == sent.code_id))[0]
    assert stored.state == "verified" and stored.nik is None  # the claim forgets its NIK
    with pytest.raises(Conflict) as again:
        await verification.verify_release(
            demo, catalog, "PLG", sent.code_id, "000000", secret=SECRET, now=clock()
        )
    assert again.value.code == "code_spent"


async def test_the_code_message_fits_one_sms_in_both_languages(
    demo: Database, catalog: Catalog, clock: FrozenClock, verify_policy: BookingPolicy
) -> None:
    from loket.domain.waitlist import WaitlistPolicy
    from loket.notify.messages import render

    done = await book(demo, catalog, clock(), verify_policy, applicant(10))
    assert done.verification is not None
    row = (await rows(demo, notify_outbox, notify_outbox.c.subject == done.verification.code_id))[0]
    office = (await Catalog(ttl=0).get(demo, "PLG")).office
    code = await sent_code(demo, done.verification.code_id)
    for locale, words in (("id", "Berlaku 10 menit"), ("en", "valid for 10 minutes")):
        text = render(
            row.event, row.params, office, locale, public_url="http://x", policy=WaitlistPolicy()
        ).text
        assert code in text and words in text and len(text) <= 160, text


async def test_code_rows_are_purged_with_the_personal_data(
    demo: Database, catalog: Catalog, clock: FrozenClock, verify_policy: BookingPolicy
) -> None:
    from loket.services.privacy import purge_personal_data

    done = await book(demo, catalog, clock(), verify_policy, applicant(11))
    assert done.verification is not None
    assert len(await rows(demo, contact_codes)) == 1
    await purge_personal_data(demo, clock() + timedelta(days=60), retention_days=30)
    assert await rows(demo, contact_codes) == []
