"""Run by the browser test against the live server's database: an office whose local time is
mid-day right now (any time zone will do), with a session under way and a booking for today
made and paid yesterday, all through the real services. Prints the booking as JSON."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from loket.domain.booking import BookingPolicy, BookingRequest
from loket.domain.office import Session, Station
from loket.services import booking as booking_service
from loket.services.catalog import Catalog
from loket.services.offices import OfficeSpec, create_office, declare_extra_day
from loket.services.payments import receive_bank_callback
from loket.services.quotas import set_template
from loket.store.database import Database
from loket.testing.applicants import applicant


def zone_for_midday(now: datetime) -> str:
    """An Etc/GMT zone where it is about 11:00 now (Etc/GMT-7 is UTC+7)."""
    offset = (11 - now.hour) % 24
    offset = offset - 24 if offset > 14 else offset
    return f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"


async def main() -> None:
    db = Database(os.environ["LOKET_DATABASE_URL"])
    now = datetime.now(UTC)
    zone = zone_for_midday(now)
    local = now.astimezone(ZoneInfo(zone))
    starts = time(local.hour, 0)
    session = Session(starts, time(local.hour + 1, 0))
    stations = [Station("INT1", "intake", "Loket 1", 1), Station("INT2", "intake", "Loket 2", 2)]
    spec = OfficeSpec("TST", "Kantor Imigrasi Uji", zone, "Jl. Uji 1", {}, [session], stations)
    await create_office(db, spec, actor="test", now=now)
    await declare_extra_day(db, "TST", local.date(), "Layanan uji", actor="test", now=now)
    for weekday in range(1, 8):
        await set_template(db, "TST", weekday, "regular", 10, actor="test", now=now)
    person = applicant(7)
    yesterday = now - timedelta(days=1)
    done = await booking_service.book_slot(
        db,
        Catalog(ttl=0),
        "TST",
        BookingRequest(
            person.nik,
            person.full_name,
            person.birth_date,
            person.sex,
            person.phone,
            person.email,
            local.date(),
            session.name,
            "regular",
            "regular",
            "new",
        ),
        policy=BookingPolicy(),
        now=yesterday,
    )
    from loket.domain.payment import sign
    from loket.services.payments import bank_secret

    body = json.dumps(
        {
            "billing_code": done.billing_code,
            "amount": done.amount,
            "paid_at": yesterday.isoformat(),
            "ntpn": "NTPNBROWSER001",
            "bank": "BNI",
        }
    ).encode()
    await receive_bank_callback(db, body, sign(await bank_secret(db, "BNI"), body), now=yesterday)
    await db.dispose()
    sys.stdout.write(json.dumps({"booking_code": done.booking_code, "nik": person.nik}) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
