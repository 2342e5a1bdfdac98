"""`loket payments refunds ...`: a paid booking cancelled, its refund approved and paid, net revenue
falling with it, as a supervisor runs it. Both databases."""

from __future__ import annotations

import json
from pathlib import Path

from loket.services import booking as booking_service
from loket.services.catalog import Catalog
from loket.store.database import Database
from loket.testing.applicants import applicant

from .paid_booking import NOW, paid_booking
from .test_cli import loket


async def test_refund_due_approved_paid_and_net_revenue(db: Database, db_url: str, tmp_path: Path) -> None:
    _code, booking = await paid_booking(db, ntpn="CLIREFUND0000001")
    await booking_service.cancel_booking(db, Catalog(ttl=0), booking, applicant(61).nik, NOW)
    period = ["--office", "PLG", "--from", "2017-12-28", "--to", "2017-12-28", "--json"]

    def net() -> tuple[int, int, int, int, int]:
        done = loket(["payments", "refunds", "revenue", *period], db_url, tmp_path)
        assert done.returncode == 0, done.stderr
        [day] = json.loads(done.stdout)
        return day["received"], day["refund_due"], day["refund_approved"], day["refund_paid"], day["net"]

    listed = loket(
        ["payments", "refunds", "list", "--office", "PLG", "--status", "due", "--json"], db_url, tmp_path
    )
    [refund] = json.loads(listed.stdout)
    assert (refund["booking_code"], refund["reason"], refund["amount"]) == (
        booking,
        "cancelled_after_payment",
        355_000,
    )
    assert net() == (355_000, 355_000, 0, 0, 0)
    who = ["--office", "PLG", "--actor", "sari"]
    early = loket(
        ["payments", "refunds", "paid", refund["refund_id"], *who, "--bank-reference", "TRF0001"],
        db_url,
        tmp_path,
    )
    assert early.returncode == 2 and "approved" in early.stderr
    approved = loket(["payments", "refunds", "approve", refund["refund_id"], *who], db_url, tmp_path)
    assert approved.returncode == 0 and "approved" in approved.stdout
    assert net() == (355_000, 0, 355_000, 0, 0)
    paid = loket(
        ["payments", "refunds", "paid", refund["refund_id"], *who, "--bank-reference", "BNI/TRF/0001"],
        db_url,
        tmp_path,
    )
    assert paid.returncode == 0 and "BNI/TRF/0001" in paid.stdout
    assert net() == (355_000, 0, 0, 355_000, 0)
