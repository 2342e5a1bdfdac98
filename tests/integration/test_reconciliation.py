"""Revenue reconciliation against a bank statement: every kind of difference, totals that add up,
re-imports that change nothing, and bad lines that name their line and field and write nothing.
Payments are recorded through the real signed callback; both databases."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from loket.clock import FrozenClock
from loket.domain.booking import BookingPolicy
from loket.domain.errors import InvalidInput
from loket.domain.reconciliation import Kind
from loket.services import booking as booking_service
from loket.services import quotas as quota_service
from loket.services.catalog import Catalog
from loket.services.reconciliation import import_statement, reconciliation
from loket.store.database import Database
from loket.store.tables import audit_log, bank_statement_lines, bank_statements
from loket.testing.applicants import applicant

from .conftest import pay
from .test_booking import request_for

STORY = date(2017, 12, 28)
LATER = date(2018, 1, 2)  # a day whose only place the late payer loses


async def _book(
    db: Database,
    catalog: Catalog,
    now: datetime,
    index: int,
    day: date = date(2017, 12, 29),
    office: str = "PLG",
) -> Any:
    return await booking_service.book_slot(
        db, catalog, office, request_for(applicant(index), day=day), policy=BookingPolicy(), now=now
    )


def _line(ntpn: str, code: str, amount: int, at: datetime, bank: str = "BNI") -> str:
    return f"{ntpn},{code},{amount},{at.isoformat()},{bank}"


async def _counts(db: Database) -> tuple[int, int, int]:
    async with db.read() as conn:
        found = [
            int((await conn.execute(select(func.count()).select_from(t))).scalar_one())
            for t in (bank_statements, bank_statement_lines, audit_log)
        ]
    return found[0], found[1], found[2]


@pytest.fixture
async def month(demo: Database, catalog: Catalog, clock: FrozenClock) -> dict[str, Any]:
    """Six bookings on the story's day, paid (or not) through the bank callback."""
    now = clock()
    found: dict[str, Any] = {}
    for name, index in (("matched", 1), ("no_line", 2), ("no_callback", 3), ("underpaid", 4), ("differs", 5)):
        found[name] = await _book(demo, catalog, now, index)
    await pay(demo, found["matched"].billing_code, 355_000, now, ntpn="MATCH0001")
    await pay(demo, found["no_line"].billing_code, 355_000, now, ntpn="NOLINE001")
    await pay(demo, found["underpaid"].billing_code, 300_000, now, ntpn="UNDER0001")  # refused: refund due
    await pay(demo, found["differs"].billing_code, 355_000, now, ntpn="DIFFER001")
    # Paid after expiry: the hold lapses, the day's only place goes to someone else, then the money comes.
    await quota_service.set_day_capacity(demo, catalog, "PLG", LATER, "regular", 1, actor="t", now=now)
    found["late"] = await _book(demo, catalog, now, 6, day=LATER)
    clock.advance(hours=3)
    await _book(demo, catalog, clock(), 7, day=LATER)
    late = await pay(demo, found["late"].billing_code, 355_000, clock(), ntpn="LATE00001")
    assert late.outcome == "paid_after_expiry"
    found["late_at"] = clock()
    found["now"] = now
    return found


def _statement(m: dict[str, Any]) -> str:
    now = m["now"]
    return "\n".join(
        [
            "ntpn,billing_code,amount,paid_at,bank",
            _line("MATCH0001", m["matched"].billing_code, 355_000, now),
            _line("MISSING01", m["no_callback"].billing_code, 355_000, now + timedelta(minutes=5)),
            _line("UNKNOWN01", "899999999999999", 355_000, now + timedelta(minutes=6), "BRI"),
            _line("UNDER0001", m["underpaid"].billing_code, 300_000, now),
            _line("DIFFER001", m["differs"].billing_code, 350_000, now),
            _line("LATE00001", m["late"].billing_code, 355_000, m["late_at"]),
        ]
    )


async def test_every_kind_and_totals_that_add_up(
    demo: Database, month: dict[str, Any], clock: FrozenClock
) -> None:
    done = await import_statement(
        demo, "PLG", _statement(month), filename="bni.csv", actor="sari", now=clock()
    )
    assert (done.lines, done.added, done.already_imported) == (6, 6, False)
    assert (done.first, done.last, done.banks) == (STORY, STORY, ("BNI", "BRI"))
    rec = await reconciliation(demo, "PLG", STORY, STORY)
    kinds = {i.ntpn: (i.kind, i.note) for i in rec.items}
    assert kinds == {
        "MATCH0001": (Kind.MATCHED, "accepted"),
        "MISSING01": (Kind.MISSING_CALLBACK, "no_callback"),
        "UNKNOWN01": (Kind.MISSING_CALLBACK, "unknown_billing_code"),
        "NOLINE001": (Kind.NO_STATEMENT_LINE, "accepted"),
        "UNDER0001": (Kind.AMOUNT_MISMATCH, "paid_vs_billed"),
        "DIFFER001": (Kind.AMOUNT_MISMATCH, "statement_vs_callback"),
        "LATE00001": (Kind.REFUND_DUE, "paid_after_expiry"),
    }
    totals = rec.totals()
    # Rupiah, per kind: (lines, statement side, Loket side, refund due).
    assert {k.value: (t.count, t.statement, t.loket, t.refund) for k, t in totals.items()} == {
        "matched": (1, 355_000, 355_000, 0),
        "missing_callback": (2, 710_000, 0, 0),
        "no_statement_line": (1, 0, 355_000, 0),
        "amount_mismatch": (2, 650_000, 655_000, 300_000),
        "refund_due": (1, 355_000, 355_000, 355_000),
        "duplicate": (0, 0, 0, 0),  # bank formats only (tests/integration/test_statements.py)
        "reversal": (0, 0, 0, 0),
    }
    assert rec.statement_total == sum(t.statement for t in totals.values()) == 2_070_000
    assert rec.loket_total == sum(t.loket for t in totals.values()) == 1_720_000
    assert (rec.revenue, rec.refund_total) == (355_000, 655_000)


async def test_a_re_import_changes_nothing(demo: Database, month: dict[str, Any], clock: FrozenClock) -> None:
    text = _statement(month)
    await import_statement(demo, "PLG", text, filename="bni.csv", actor="sari", now=clock())
    before = await _counts(demo)
    again = await import_statement(demo, "PLG", text, filename="bni.csv", actor="sari", now=clock())
    assert again.already_imported and again.added == 0
    # The same lines in another layout (columns, order, line endings) are the same statement.
    header, *rows = text.split("\n")
    swapped = ["bank,amount,paid_at,billing_code,ntpn"] + [
        ",".join([r.split(",")[4], r.split(",")[2], r.split(",")[3], r.split(",")[1], r.split(",")[0]])
        for r in reversed(rows)
    ]
    assert (
        await import_statement(demo, "PLG", "\r\n".join(swapped), filename="x.csv", actor="sari", now=clock())
    ).already_imported
    assert await _counts(demo) == before
    # A statement overlapping an earlier one adds only its new lines.
    extra = _line("EXTRA0001", month["no_line"].billing_code, 355_000, month["now"])
    more = await import_statement(
        demo, "PLG", "\n".join([header, rows[0], extra]), filename="y.csv", actor="sari", now=clock()
    )
    assert (more.lines, more.added, more.already_imported) == (2, 1, False)


async def test_a_late_callback_turns_a_missing_one_into_a_match(
    demo: Database, month: dict[str, Any], clock: FrozenClock
) -> None:
    await import_statement(demo, "PLG", _statement(month), filename="bni.csv", actor="sari", now=clock())
    await pay(
        demo,
        month["no_callback"].billing_code,
        355_000,
        clock(),
        ntpn="MISSING01",
        paid_at=month["now"] + timedelta(minutes=5),
    )
    rec = await reconciliation(demo, "PLG", STORY, STORY)
    assert {i.ntpn: i.kind for i in rec.items}["MISSING01"] is Kind.MATCHED


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("MATCH0002,{code},355.000,{at},BNI", "amount"),
        ("MATCH0002,{code},-5,{at},BNI", "amount"),
        ("MATCH0002,12345,355000,{at},BNI", "billing_code"),
        ("X,{code},355000,{at},BNI", "ntpn"),
        ("MATCH0002,{code},355000,2017-12-28 08:00,BNI", "paid_at"),
        ("MATCH0002,{code},355000,{at},", "bank"),
        ("MATCH0002,{code},355000,{at},NOBANK", "bank"),
        ("MATCH0001,{code},355000,{at},BNI", "ntpn"),  # the same NTPN twice in one file
        ("MATCH0002,{code},355000,{at},BNI,extra", "row"),
    ],
)
async def test_a_bad_line_names_its_line_and_field_and_nothing_is_written(
    demo: Database, month: dict[str, Any], clock: FrozenClock, row: str, field: str
) -> None:
    before = await _counts(demo)
    good = _line("MATCH0001", month["matched"].billing_code, 355_000, month["now"])
    bad = row.format(code=month["no_line"].billing_code, at=month["now"].isoformat())
    text = "\n".join(["ntpn,billing_code,amount,paid_at,bank", good, bad])
    with pytest.raises(InvalidInput) as caught:
        await import_statement(demo, "PLG", text, filename="bad.csv", actor="sari", now=clock())
    assert (caught.value.code, caught.value.field, caught.value.extra["line"]) == (
        "statement_invalid",
        field,
        3,
    )
    assert "Line 3" in str(caught.value)
    assert await _counts(demo) == before


async def test_lines_that_clash_with_loket_are_refused(
    demo: Database, month: dict[str, Any], catalog: Catalog, clock: FrozenClock
) -> None:
    await import_statement(demo, "PLG", _statement(month), filename="bni.csv", actor="sari", now=clock())
    other_office = await _book(demo, catalog, clock(), 20, office="DPS")
    before = await _counts(demo)
    for line, field in (
        (_line("DPS000001", other_office.billing_code, 355_000, month["now"]), "billing_code"),
        (_line("MATCH0001", month["matched"].billing_code, 350_000, month["now"]), "ntpn"),  # changed since
    ):
        with pytest.raises(InvalidInput) as caught:
            await import_statement(
                demo,
                "PLG",
                "ntpn,billing_code,amount,paid_at,bank\n" + line,
                filename="c.csv",
                actor="sari",
                now=clock(),
            )
        assert (caught.value.field, caught.value.extra["line"]) == (field, 2)
    with pytest.raises(InvalidInput) as caught:
        await import_statement(
            demo, "PLG", "ntpn;billing_code;amount\n", filename="d.csv", actor="sari", now=clock()
        )
    assert (caught.value.field, caught.value.extra["line"]) == ("header", 1)
    assert await _counts(demo) == before
