"""PostgreSQL: uploads of one booking racing each other count against its quota one after the
other (lock policy in docs/locking.md, "Documents before the visit"): never more files than
LOKET_DOCUMENTS_MAX_UPLOADS, and each item's row names a file that is on disk."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from loket.domain.errors import TooMany
from loket.services import documents as documents_service
from loket.services.document_files import path_of
from loket.services.documents import DocumentLimits
from loket.store.database import Database
from loket.store.tables import booking_documents

from ..document_samples import pdf, png
from .floor_helpers import at, book_and_pay

pytestmark = pytest.mark.postgres


@pytest.fixture
async def pg_demo(pg_demo_url: str) -> AsyncIterator[Database]:
    db = Database(pg_demo_url, pool_size=20)
    try:
        yield db
    finally:
        await db.dispose()


async def test_racing_uploads_never_pass_the_quota(pg_demo: Database, tmp_path: Path) -> None:
    code, _nik = await book_and_pay(pg_demo, 60)
    limits = DocumentLimits(tmp_path, max_uploads=4)
    files = [png(), pdf()] * 5  # ten uploads of two items at once, for a quota of four
    items = ["ktp", "kk", "civil_record", "ktp", "kk"] * 2

    async def one(i: int) -> str:
        try:
            await documents_service.upload_document(
                pg_demo, code, items[i], files[i], limits=limits, now=at(9, 0)
            )
        except TooMany:
            return "refused"
        return "kept"

    outcomes = await asyncio.gather(*(one(i) for i in range(10)))
    assert outcomes.count("kept") == 4 and outcomes.count("refused") == 6
    async with pg_demo.read() as conn:
        rows = (await conn.execute(select(booking_documents))).all()
    assert sum(r.uploads for r in rows) == 4
    assert all(path_of(tmp_path, "PLG", code, r.sha256).exists() for r in rows)
