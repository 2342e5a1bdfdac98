"""Audit entries carry a MAC made by the application with a key the database does not hold
(issue 21): a row INSERTed by hand is refused and reported by the sealer instead of being sealed
as genuine, and a row claiming the next seq does not stop the chain (no IntegrityError)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from loket.clock import FrozenClock
from loket.domain.booking import BookingPolicy
from loket.services import audit as audit_service
from loket.services import booking as booking_service
from loket.services.catalog import Catalog
from loket.store.database import Database
from loket.store.ids import new_id
from loket.store.tables import audit_log
from loket.testing.applicants import applicant

from .test_booking import request_for


async def _book(db: Database, clock: FrozenClock, policy: BookingPolicy, index: int) -> None:
    clock.advance(seconds=1)
    await booking_service.book_slot(
        db, Catalog(ttl=0), "PLG", request_for(applicant(index, seed=22)), policy=policy, now=clock()
    )


def _forged(clock: FrozenClock, **extra: object) -> dict[str, object]:
    return {
        "office_code": "PLG",
        "id": new_id(),
        "at": clock() + timedelta(milliseconds=1),
        "actor": "budi",
        "action": "booking.cancel",
        "subject": "PLG-FORGED",
        "detail": {},
        **extra,
    }


async def _seq_of(db: Database, entry_id: str) -> int | None:
    async with db.read() as conn:
        query = select(audit_log.c.seq).where(audit_log.c.office_code == "PLG", audit_log.c.id == entry_id)
        return (await conn.execute(query)).scalar_one()


async def test_a_row_inserted_by_hand_is_refused_and_reported(
    demo: Database, clock: FrozenClock, policy: BookingPolicy, caplog: pytest.LogCaptureFixture
) -> None:
    await _book(demo, clock, policy, 1)
    plain, bogus = _forged(clock), _forged(clock, mac="0" * 64)
    async with demo.write() as conn:
        await conn.execute(audit_log.insert().values(plain))
        await conn.execute(audit_log.insert().values(bogus))
    await _book(demo, clock, policy, 2)
    caplog.set_level(logging.ERROR, logger="loket.audit")
    await audit_service.seal_all(demo, clock())
    assert await _seq_of(demo, str(plain["id"])) is None and await _seq_of(demo, str(bogus["id"])) is None
    assert any("did not write" in r.getMessage() for r in caplog.records)
    [report] = await audit_service.verify(demo, clock(), office_code="PLG")
    assert sorted(report.foreign) == sorted([plain["id"], bogus["id"]])
    assert report.broken is None and not report.intact  # the chain holds; the foreign rows are told
    async with demo.read() as conn:
        booked = select(audit_log.c.seq).where(
            audit_log.c.office_code == "PLG", audit_log.c.action == "booking.create"
        )
        seqs = (await conn.execute(booked)).scalars().all()
    assert len(seqs) >= 2 and None not in seqs  # both bookings' entries were sealed


async def test_a_row_claiming_the_next_seq_does_not_stop_the_chain(
    demo: Database, clock: FrozenClock, policy: BookingPolicy
) -> None:
    await _book(demo, clock, policy, 3)
    await audit_service.seal_all(demo, clock())
    head = await audit_service.chain_head(demo, "PLG")
    assert head is not None
    squatter = _forged(clock, seq=head[0] + 1, prev_hash=head[1], hash="f" * 64)
    async with demo.write() as conn:
        await conn.execute(audit_log.insert().values(squatter))
    await _book(demo, clock, policy, 4)
    assert await audit_service.seal_all(demo, clock()) >= 1  # no IntegrityError
    [report] = await audit_service.verify(demo, clock(), office_code="PLG")
    assert report.broken is not None and report.broken.entry_id == squatter["id"]
    await _book(demo, clock, policy, 5)
    assert await audit_service.seal_all(demo, clock()) >= 1  # and the next round still seals
