"""The catalog's office list (the home and booking pages, GET /api/v1/offices): loaded once however
many ask at the same time, a copy per caller, and read again after `forget`."""

from __future__ import annotations

import asyncio

import pytest

from loket.services.catalog import Catalog
from loket.store import offices_repo
from loket.store.database import Database


async def test_the_office_list_loads_once_and_is_forgotten_after_a_write(
    demo: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads = 0
    real = offices_repo.list_offices

    async def counted(conn):  # type: ignore[no-untyped-def]
        nonlocal loads
        loads += 1
        return await real(conn)

    monkeypatch.setattr(offices_repo, "list_offices", counted)
    catalog = Catalog(ttl=60)
    lists = await asyncio.gather(*(catalog.offices(demo) for _ in range(20)))
    assert loads == 1
    codes = [o.code for o in lists[0]]
    assert "PLG" in codes and codes == sorted(codes)
    assert all([o.code for o in found] == codes for found in lists)
    lists[0].clear()  # a caller's copy: the cache keeps its own
    assert [o.code for o in await catalog.offices(demo)] == codes and loads == 1
    catalog.forget("PLG")
    assert [o.code for o in await catalog.offices(demo)] == codes and loads == 2
