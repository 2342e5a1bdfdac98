"""Run by the journey browser test against the live server's database: one step of the office floor
for a booking, through the real services, at a moment of its appointment day (the server's own
clock is today, the booking is for a later day). Prints the messages queued about the booking as
JSON ({event: count over every channel}).

    python journey_floor.py CODE NIK MINUTES ACTION [ARG...]

MINUTES: minutes after the session's start. ACTION: `checkin`; `open STATION OFFICER`;
`step STATION OFFICER OUTCOME [MISSING,...]` (call the next applicant, then finish the stage);
`handover STATION OFFICER`; `messages`."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from loket.domain.booking import office_of_booking_code
from loket.domain.calling import FloorPolicy
from loket.services import checkin, floor
from loket.services import stations as station_service
from loket.services.catalog import Catalog
from loket.store import booking_repo
from loket.store.database import Database
from loket.store.tables import notify_outbox

POLICY = FloorPolicy(notify_next_in_people=3)


async def main(code: str, nik: str, minutes: int, action: str, args: list[str]) -> None:
    db = Database(os.environ["LOKET_DATABASE_URL"])
    office_code = office_of_booking_code(code) or ""
    office = (await Catalog(ttl=0).get(db, office_code)).office
    async with db.read() as conn:
        row = await booking_repo.booking_by_code(conn, office_code, code)
    assert row is not None
    now = office.local_moment(row.day, row.starts) + timedelta(minutes=minutes)
    if action == "checkin":
        await checkin.check_in(db, office_code, code, nik, policy=POLICY, actor="kiosk", now=now)
    elif action == "open":
        await station_service.set_station_state(db, office_code, args[0], "open", officer=args[1], now=now)
    elif action == "step":
        called = await floor.call_next(db, office_code, args[0], officer=args[1], now=now, policy=POLICY)
        assert called is not None, args
        missing = args[3].split(",") if len(args) > 3 else []
        await floor.complete_stage(
            db,
            office_code,
            args[0],
            args[2],
            officer=args[1],
            policy=POLICY,
            now=now + timedelta(minutes=5),
            missing_documents=missing,
        )
    elif action == "handover":
        await station_service.hand_over(db, office_code, args[0], code, nik, officer=args[1], now=now)
    async with db.read() as conn:
        rows = (
            await conn.execute(select(notify_outbox.c.event).where(notify_outbox.c.subject == code))
        ).all()
    await db.dispose()
    sys.stdout.write(json.dumps(dict(Counter(r.event for r in rows))) + "\n")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5:]))
