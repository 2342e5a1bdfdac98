"""The hash chain, pure: sealing links entries; an edit, a deletion, a reordering and a cut-off end
are each found at the first broken link."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from loket.domain.audit_chain import GENESIS, BreakKind, Entry, Walk, seal, seal_order, verify

T0 = datetime(2017, 12, 28, 1, 30, tzinfo=UTC)


def _chain(n: int = 6) -> list[Entry]:
    raw = [
        Entry(
            "PLG", f"{i:032x}", T0 + timedelta(seconds=i), "applicant", "booking.create", f"PLG-{i}", {"n": i}
        )
        for i in range(n)
    ]
    links = seal(seal_order(reversed(raw)), 0, GENESIS)
    return [
        replace(e, seq=k.seq, prev_hash=k.prev_hash, hash=k.hash) for e, k in zip(raw, links, strict=True)
    ]


def test_an_untouched_chain_verifies_and_can_be_walked_in_pages() -> None:
    chain = _chain()
    assert verify("PLG", chain, (6, chain[-1].hash)) is None
    walk = Walk("PLG")
    walk.feed(chain[:2])
    walk.feed(chain[2:])
    assert walk.finish(6, chain[-1].hash) is None and walk.checked == 6


def test_an_edited_entry_breaks_its_own_link() -> None:
    chain = _chain()
    chain[2] = replace(chain[2], detail={"n": 99})
    found = verify("PLG", chain)
    assert found is not None and (found.seq, found.kind) == (3, BreakKind.HASH)


def test_a_deleted_entry_leaves_a_gap() -> None:
    chain = _chain()
    del chain[3]
    found = verify("PLG", chain)
    assert found is not None and (found.seq, found.kind) == (4, BreakKind.GAP)


def test_reordered_entries_break_the_link() -> None:
    chain = _chain()
    a, b = chain[1], chain[2]
    chain[1], chain[2] = replace(b, seq=2), replace(a, seq=3)
    found = verify("PLG", chain)
    assert found is not None and (found.seq, found.kind) == (2, BreakKind.LINK)
    # Moving an entry in time changes its content, so its own hash no longer fits.
    moved = _chain()
    moved[4] = replace(moved[4], at=moved[4].at + timedelta(seconds=30))
    found = verify("PLG", moved)
    assert found is not None and found.kind is BreakKind.HASH


def test_a_cut_off_end_shows_against_the_recorded_head() -> None:
    chain = _chain()
    assert verify("PLG", chain[:-1]) is None  # without an anchor the tail cut cannot be seen
    found = verify("PLG", chain[:-1], (6, chain[-1].hash))
    assert found is not None and found.kind is BreakKind.HEAD
