"""Two prints of one kiosk failing at once (PostgreSQL): the fault is set once, with one audit
entry, and the moment it started is the first failure's (lock policy: docs/locking.md, kiosks)."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from loket.services import kiosks
from loket.store.database import Database
from loket.store.tables import audit_log

from .fake_printer import FakePrinter
from .floor_helpers import POLICY, at, book_and_pay

STATUS = "https://loket.example/status?booking_code="


async def test_simultaneous_failed_prints_set_the_fault_once(pg_demo_url: str) -> None:
    db = Database(pg_demo_url)
    silent = FakePrinter(answer=None)  # accepts and never answers the paper query
    try:
        device, _token = await kiosks.register_kiosk(
            db, "PLG", "Kios Lobi", f"127.0.0.1:{silent.port}", actor="supervisor", now=at(7)
        )
        people = [await book_and_pay(db, i) for i in range(1, 7)]
        done = await asyncio.gather(
            *(
                kiosks.check_in_at_kiosk(
                    db, device, code, nik, policy=POLICY, now=at(7, 30), locale="id", status_url=STATUS + code
                )
                for code, nik in people
            )
        )
        assert {d.fault for d in done} == {"not_answering"}
        assert len({d.issued.ticket for d in done}) == 6  # every check-in stands
        async with db.read() as conn:
            actions = [r.action for r in await conn.execute(select(audit_log.c.action))]
        assert actions.count("floor.kiosk_fault") == 1
        [row] = await kiosks.office_kiosks(db, "PLG")
        assert row["fault"] == "not_answering" and row["fault_since"] == at(7, 30)
    finally:
        silent.close()
        await db.dispose()
