"""After-commit effects: run once the write has committed, never after a rollback."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from loket.store.database import Database, on_commit


async def test_effects_run_after_commit_in_order(db: Database) -> None:
    seen: list[str] = []

    async def later() -> None:
        seen.append("async")

    async with db.write() as conn:
        await conn.execute(text("SELECT 1"))
        on_commit(conn, lambda: seen.append("first"))
        on_commit(conn, later)
        assert seen == []  # nothing before the commit
    assert seen == ["first", "async"]


async def test_effects_are_dropped_on_rollback(db: Database) -> None:
    seen: list[str] = []
    with pytest.raises(RuntimeError):
        async with db.write() as conn:
            on_commit(conn, lambda: seen.append("never"))
            raise RuntimeError("undo")
    assert seen == []
    async with db.write() as conn:  # the next transaction on a pooled connection starts clean
        pass
    assert seen == []


async def test_outside_a_write_an_effect_runs_at_once(db: Database) -> None:
    seen: list[str] = []
    async with db.read() as conn:
        on_commit(conn, lambda: seen.append("now"))
    assert seen == ["now"]
