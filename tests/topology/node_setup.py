"""Run by tests/topology/test_office_node.py against the central database, through the real
services: `office` makes office NOD whose local time is mid-day now (as tests/browser/floor_setup.py
does) with paid bookings of today; `book I` books and pays one more (applicant I); `cancel CODE NIK`
cancels a booking as the applicant does. Prints JSON."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from loket.domain.booking import BookingPolicy, BookingRequest
from loket.domain.office import Session, Station
from loket.domain.payment import sign
from loket.services import booking as booking_service
from loket.services.catalog import Catalog
from loket.services.offices import OfficeSpec, create_office, declare_extra_day
from loket.services.payments import bank_secret, receive_bank_callback
from loket.services.quotas import set_template
from loket.store.database import Database
from loket.testing.applicants import applicant

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "browser"))
from floor_setup import zone_for_midday

OFFICE = "NOD"


def session_now(now: datetime) -> tuple[str, Session]:
    zone = zone_for_midday(now)
    local = now.astimezone(ZoneInfo(zone))
    return zone, Session(time(local.hour, 0), time(local.hour + 1, 0))


async def book(db: Database, index: int, now: datetime, made_at: datetime) -> dict[str, str]:
    zone, session = session_now(now)
    person = applicant(index, seed=19)
    done = await booking_service.book_slot(
        db,
        Catalog(ttl=0),
        OFFICE,
        BookingRequest(
            person.nik,
            person.full_name,
            person.birth_date,
            person.sex,
            person.phone,
            person.email,
            now.astimezone(ZoneInfo(zone)).date(),
            session.name,
            "regular",
            "regular",
            "new",
        ),
        policy=BookingPolicy(max_bookings_per_address=1000),
        now=made_at,
    )
    body = json.dumps(
        {
            "billing_code": done.billing_code,
            "amount": done.amount,
            "paid_at": made_at.isoformat(),
            "ntpn": f"NTPNNODE{index:06d}",
            "bank": "BNI",
        }
    ).encode()
    await receive_bank_callback(db, body, sign(await bank_secret(db, "BNI"), body), now=made_at)
    return {"booking_code": done.booking_code, "nik": person.nik}


async def main(command: str, *args: str) -> object:
    db = Database(os.environ["LOKET_DATABASE_URL"])
    now = datetime.now(UTC)
    try:
        if command == "office":
            zone, session = session_now(now)
            local = now.astimezone(ZoneInfo(zone))
            stations = [Station("INT1", "intake", "Loket 1", 1), Station("BIO1", "biometrics", "Foto 1", 2)]
            spec = OfficeSpec(OFFICE, "Kantor Imigrasi Simpul", zone, "Jl. Simpul 1", {}, [session], stations)
            await create_office(db, spec, actor="test", now=now)
            await declare_extra_day(db, OFFICE, local.date(), "Layanan uji", actor="test", now=now)
            for weekday in range(1, 8):
                await set_template(db, OFFICE, weekday, "regular", 60, actor="test", now=now)
            yesterday = now - timedelta(days=1)
            return [await book(db, i, now, yesterday) for i in range(int(args[0]))]
        if command == "book":
            return await book(db, int(args[0]), now, now - timedelta(days=1))
        if command == "cancel":
            view = await booking_service.cancel_booking(db, Catalog(ttl=0), args[0], args[1], now)
            return {"status": view.status}
        raise SystemExit(f"unknown command {command}")
    finally:
        await db.dispose()


if __name__ == "__main__":
    sys.stdout.write(json.dumps(asyncio.run(main(*sys.argv[1:]))) + "\n")
