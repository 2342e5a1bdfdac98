"""The audit log's hash chain on SQLite and PostgreSQL: every write leaves an entry, the sealer
chains them, `verify` finds an edited, a deleted and a reordered entry, and the application
cannot change or delete entries (a trigger refuses it)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from loket.clock import FrozenClock
from loket.domain.audit_chain import BreakKind
from loket.domain.booking import BookingPolicy
from loket.services import audit as audit_service
from loket.services import booking as booking_service
from loket.services.catalog import Catalog
from loket.store.database import Database
from loket.store.tables import audit_log
from loket.testing.applicants import applicant

from .test_booking import request_for


async def _book_some(
    db: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy, n: int = 6, first: int = 40
) -> None:
    for i in range(first, first + n):
        clock.advance(seconds=1)
        await booking_service.book_slot(
            db, catalog, "PLG", request_for(applicant(i)), policy=policy, now=clock()
        )


async def _tamper(db: Database, *statements: str) -> None:
    """An insider with the database owner's rights: switch the guard off, change rows, switch it on."""
    async with db.write() as conn:
        if db.dialect == "postgresql":
            await conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        else:
            await conn.execute(text("DROP TRIGGER audit_log_no_update"))
            await conn.execute(text("DROP TRIGGER audit_log_no_delete"))
        for statement in statements:
            await conn.execute(text(statement))
        if db.dialect == "postgresql":
            await conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))


async def _plg_seq(db: Database, seq: int) -> str:
    async with db.read() as conn:
        return str(
            (
                await conn.execute(
                    select(audit_log.c.id).where(audit_log.c.office_code == "PLG", audit_log.c.seq == seq)
                )
            ).scalar_one()
        )


async def test_every_write_is_chained_and_the_chain_verifies(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    await _book_some(demo, catalog, clock, policy)
    reports = await audit_service.verify(demo, clock())
    assert reports and all(r.intact for r in reports)
    plg = next(r for r in reports if r.office_code == "PLG")
    assert plg.sealed >= 6 and plg.unsealed == 0
    # New entries join the end of the chain at the next seal; the old links stay as they were.
    await _book_some(demo, catalog, clock, policy, 2, first=60)
    again = (await audit_service.verify(demo, clock(), office_code="PLG"))[0]
    assert again.intact and again.sealed == plg.sealed + 2


def _edit(seq_id: str) -> list[str]:
    return [f"UPDATE audit_log SET actor = 'someone-else' WHERE id = '{seq_id}'"]


def _delete(seq_id: str) -> list[str]:
    return [f"DELETE FROM audit_log WHERE id = '{seq_id}'"]


@pytest.mark.parametrize(
    ("tampering", "kind"),
    [("edit", BreakKind.HASH), ("delete", BreakKind.GAP), ("reorder", BreakKind.LINK)],
)
async def test_the_chain_finds_an_edited_a_deleted_and_a_reordered_entry(
    demo: Database,
    catalog: Catalog,
    clock: FrozenClock,
    policy: BookingPolicy,
    tampering: str,
    kind: BreakKind,
) -> None:
    await _book_some(demo, catalog, clock, policy)
    assert (await audit_service.verify(demo, clock(), office_code="PLG"))[0].intact
    third, fourth = await _plg_seq(demo, 3), await _plg_seq(demo, 4)
    plans: dict[str, Callable[[], list[str]]] = {
        "edit": lambda: _edit(third),
        "delete": lambda: _delete(third),
        # Swap two entries' places in the chain (each keeps its own hashes).
        "reorder": lambda: [
            f"UPDATE audit_log SET seq = -1 WHERE id = '{third}'",
            f"UPDATE audit_log SET seq = 3 WHERE id = '{fourth}'",
            f"UPDATE audit_log SET seq = 4 WHERE id = '{third}'",
        ],
    }
    await _tamper(demo, *plans[tampering]())
    report = (await audit_service.verify(demo, clock(), office_code="PLG", seal_first=False))[0]
    assert not report.intact and report.broken is not None
    assert report.broken.seq == 3 and report.broken.kind is kind
    # Other offices' chains are untouched.
    others = await audit_service.verify(demo, clock(), seal_first=False)
    assert all(r.intact for r in others if r.office_code != "PLG")


async def test_a_cut_off_end_is_found_against_the_head(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy
) -> None:
    await _book_some(demo, catalog, clock, policy)
    report = (await audit_service.verify(demo, clock(), office_code="PLG"))[0]
    last = await _plg_seq(demo, report.head_seq)
    await _tamper(demo, *_delete(last))
    broken = (await audit_service.verify(demo, clock(), office_code="PLG", seal_first=False))[0].broken
    assert broken is not None and broken.kind is BreakKind.HEAD


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET actor = 'x' WHERE office_code = 'PLG'",
        "DELETE FROM audit_log WHERE office_code = 'PLG'",
    ],
)
async def test_the_application_cannot_change_or_delete_entries(
    demo: Database, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy, statement: str
) -> None:
    await _book_some(demo, catalog, clock, policy, 2)
    await audit_service.seal_all(demo, clock())
    with pytest.raises(DBAPIError, match="append-only"):
        async with demo.write() as conn:
            await conn.execute(text(statement))
    # An unsealed entry cannot be rewritten either, only sealed (its content is fixed at insert).
    await _book_some(demo, catalog, clock, policy, 1, first=70)
    with pytest.raises(DBAPIError, match="append-only"):
        async with demo.write() as conn:
            await conn.execute(text("UPDATE audit_log SET detail = '{}' WHERE seq IS NULL"))
    assert (await audit_service.verify(demo, clock(), office_code="PLG"))[0].intact
