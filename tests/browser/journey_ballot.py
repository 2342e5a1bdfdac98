"""Run by the applicant-pages browser test against the live server's database: a ballot and the
waiting list moved through the real services at a chosen moment (the server runs on the real
clock; a release must be scheduled before it opens, a draw waits for the close, an offer lapses
after its minutes). Prints what it did as JSON.

    python journey_ballot.py schedule OFFICE DAY OPENS_MIN CLOSES_MIN   # minutes from now
    python journey_ballot.py draw OFFICE DAY                            # a minute after the close
    python journey_ballot.py sweep MINUTES                              # the worker's waiting-list sweep
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import date, timedelta
from typing import Any

from loket.clock import utcnow
from loket.domain.waitlist import WaitlistPolicy
from loket.services import ballot, ballot_draw, waitlist
from loket.services.catalog import Catalog
from loket.settings import booking_policy, get_settings
from loket.store.database import Database


async def main(action: str, args: list[str]) -> dict[str, Any]:
    settings = get_settings()
    db = Database(os.environ["LOKET_DATABASE_URL"])
    catalog = Catalog(ttl=0)
    now = utcnow()
    try:
        if action == "schedule":
            office, day = args[0], date.fromisoformat(args[1])
            opens, closes = now + timedelta(minutes=int(args[2])), now + timedelta(minutes=int(args[3]))
            release = await ballot.schedule_release(
                db,
                catalog,
                office,
                day,
                "ballot",
                opens,
                closes,
                actor="cli",
                now=opens - timedelta(minutes=1),
            )
            return {"commitment": release.commitment}
        if action == "draw":
            office, day = args[0], date.fromisoformat(args[1])
            release = await ballot.release_of_day(db, office, day)
            assert release is not None and release.closes_at is not None
            done = await ballot_draw.draw_ballot(
                db,
                catalog,
                office,
                day,
                policy=booking_policy(settings),
                actor="cli",
                now=release.closes_at + timedelta(minutes=1),
            )
            return {"won": done.won, "waitlisted": done.waitlisted}
        if action == "sweep":
            later = now + timedelta(minutes=int(args[0]))
            return await waitlist.sweep(db, WaitlistPolicy(settings.waitlist_offer_minutes), later)
        raise SystemExit(f"unknown action {action}")
    finally:
        await db.dispose()


if __name__ == "__main__":
    sys.stdout.write(json.dumps(asyncio.run(main(sys.argv[1], sys.argv[2:]))) + "\n")
