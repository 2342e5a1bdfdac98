"""Anti-broker rules through the real services, on SQLite and PostgreSQL: the per-address limit on
the booking hot path, the fraud report over real bookings, a flag that must be cleared in person at
check-in (with the holder's NIK), bank secrets rotated without a refused callback, one person's
data export and the retention purge."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from loket.clock import FrozenClock
from loket.domain.booking import BookingPolicy
from loket.domain.errors import Conflict, NotFound, Unauthorized
from loket.domain.fraud import Kind
from loket.domain.payment import sign
from loket.services import banks as bank_service
from loket.services import booking as booking_service
from loket.services import checkin
from loket.services import fraud as fraud_service
from loket.services import privacy as privacy_service
from loket.services.catalog import Catalog
from loket.services.payments import bank_secret, receive_bank_callback
from loket.store.database import Database
from loket.store.tables import bookings, contact_usage, payments
from loket.testing.applicants import applicant

from .conftest import pay
from .floor_helpers import POLICY, at, book_and_pay
from .test_booking import DAY, request_for


async def test_the_address_limit_counts_active_bookings_on_both_paths(
    demo: Database, catalog: Catalog, clock: FrozenClock
) -> None:
    policy = BookingPolicy(max_bookings_per_address=3)
    codes = []
    for i in range(3):
        request = dataclasses.replace(request_for(applicant(i)), client_ip="103.10.10.10", client_fp="a" * 16)
        codes.append(
            (
                await booking_service.book_slot(demo, catalog, "PLG", request, policy=policy, now=clock())
            ).booking_code
        )
    fourth = dataclasses.replace(request_for(applicant(9)), client_ip="103.10.10.10")
    with pytest.raises(Conflict) as refused:
        await booking_service.book_slot(demo, catalog, "PLG", fourth, policy=policy, now=clock())
    assert refused.value.code == "address_limit"
    # A cancellation gives the address's share back; the booking records where it came from.
    await booking_service.cancel_booking(demo, catalog, codes[0], applicant(0).nik, clock())
    await booking_service.book_slot(demo, catalog, "PLG", fourth, policy=policy, now=clock())
    async with demo.read() as conn:
        usage = (
            await conn.execute(
                select(contact_usage.c.active).where(contact_usage.c.contact == "addr:103.10.10.10")
            )
        ).scalar_one()
        row = (await conn.execute(select(bookings).where(bookings.c.booking_code == codes[1]))).one()
    assert usage == 3 and row.client_ip == "103.10.10.10" and row.client_fp == "a" * 16


async def test_the_fraud_report_finds_a_broker_among_real_bookings(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    for i in range(4):  # honest people, their own phones and addresses
        request = dataclasses.replace(request_for(applicant(i)), client_ip=f"36.70.0.{i + 1}")
        await booking_service.book_slot(demo, catalog, "PLG", request, policy=policy, now=clock())
    broker_codes = set()
    for i in range(8):  # one phone and one device for eight different NIKs, a session apart
        person = dataclasses.replace(applicant(100 + i), phone=f"+6281377770{i:03d}")
        session = ("08:00", "09:00", "10:00", "11:00")[i % 4]
        request = dataclasses.replace(
            request_for(person, session=session), client_ip="182.1.2.3", client_fp="b" * 16
        )
        clock.advance(minutes=7)
        done = await booking_service.book_slot(demo, catalog, "PLG", request, policy=policy, now=clock())
        broker_codes.add(done.booking_code)
    findings = await fraud_service.fraud_report(demo, "PLG", DAY, DAY)
    device = [f for f in findings if f.kind is Kind.SHARED_DEVICE]
    assert len(device) == 1 and set(device[0].bookings) == broker_codes
    assert all(set(f.bookings) <= broker_codes for f in findings)
    assert not await fraud_service.fraud_report(demo, "DPS", DAY, DAY)


async def test_a_flagged_booking_checks_in_only_after_an_in_person_check(
    demo: Database, clock: FrozenClock
) -> None:
    code, nik = await book_and_pay(demo, 1)
    other_code, other_nik = await book_and_pay(demo, 2)
    await fraud_service.flag_bookings(demo, "PLG", [code], reason="shared device", actor="sari", now=clock())
    clock.now = at(8, 5)
    # Bound to the NIK: someone else's NIK never checks a booking in, flagged or not.
    with pytest.raises(NotFound):
        await checkin.check_in(demo, "PLG", other_code, nik, policy=POLICY, actor="budi", now=clock())
    with pytest.raises(Conflict) as flagged:
        await checkin.check_in(demo, "PLG", code, nik, policy=POLICY, actor="budi", now=clock())
    assert flagged.value.code == "verify_in_person" and flagged.value.extra["flag_reason"] == "shared device"
    ticket = await checkin.check_in(
        demo, "PLG", code, nik, policy=POLICY, actor="budi", now=clock(), verified_in_person=True
    )
    assert ticket.ticket == "A-001"
    assert (
        await checkin.check_in(demo, "PLG", other_code, other_nik, policy=POLICY, actor="budi", now=clock())
    ).ticket == "A-002"


async def test_a_bank_secret_rotates_without_refusing_a_callback(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    old = await bank_secret(demo, "BNI")
    new = await bank_service.rotate_secret(demo, "BNI", actor="cli", now=clock())
    with pytest.raises(Conflict):
        await bank_service.rotate_secret(demo, "BNI", actor="cli", now=clock())

    async def callback(index: int, secret: str) -> None:
        done = await booking_service.book_slot(
            demo, catalog, "PLG", request_for(applicant(index)), policy=policy, now=clock()
        )
        body = json.dumps(
            {
                "billing_code": done.billing_code,
                "amount": done.amount,
                "paid_at": clock().isoformat(),
                "ntpn": f"NTPN{index:08d}",
                "bank": "BNI",
                "payer": "ACC-0001",
            }
        ).encode()
        await receive_bank_callback(demo, body, sign(secret, body), now=clock())

    await callback(1, old)  # the bank has not switched yet
    await callback(2, new)
    await bank_service.finish_rotation(demo, "BNI", actor="cli", now=clock())
    with pytest.raises(Unauthorized):
        await callback(3, old)
    await callback(4, new)
    async with demo.read() as conn:
        assert {r.payer for r in await conn.execute(select(payments))} == {"ACC-0001"}
    assert [b["rotating"] for b in await bank_service.list_banks(demo) if b["code"] == "BNI"] == [False]


async def test_export_and_retention_purge(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    person = applicant(5)
    done = await booking_service.book_slot(
        demo, catalog, "PLG", request_for(person), policy=policy, now=clock()
    )
    await pay(demo, done.billing_code, done.amount, clock())
    exported = await privacy_service.export_person(demo, person.nik, actor="sari", now=clock())
    assert [b["booking_code"] for b in exported["bookings"]] == [done.booking_code]
    assert exported["payments"][0]["amount"] == done.amount and exported["messages"]
    json.dumps(exported)  # plain data, ready to hand over
    # Within retention nothing changes; a year and a half later (retention 365) the person is gone.
    assert (await privacy_service.purge_personal_data(demo, clock(), 365))["bookings"] == 0
    later = clock() + timedelta(days=560)
    await booking_service.release_stale_hold(demo, catalog, person.nik, later)
    purged = await privacy_service.purge_personal_data(demo, later, 365)
    assert purged["bookings"] == 1
    assert await privacy_service.personal_rows(demo, person.nik) == 0
    async with demo.read() as conn:
        row = (await conn.execute(select(bookings).where(bookings.c.booking_code == done.booking_code))).one()
        contacts = [r.contact for r in await conn.execute(select(contact_usage))]
    assert (
        row.nik == person.nik[:4] + "********" + person.nik[-4:] and row.full_name == "" and row.phone == ""
    )
    assert (
        row.birth_date == date(person.birth_date.year, 1, 1) and row.amount == done.amount
    )  # statistics stay
    assert not any(person.phone in c for c in contacts)
    assert (await privacy_service.export_person(demo, person.nik, actor="sari", now=later))["bookings"] == []
