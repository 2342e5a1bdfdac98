"""Both ways PostgreSQL takes a place (LOKET_BOOKING_PATH): a test module that uses `booking_path`
runs each of its PostgreSQL tests over the single statement and over the portable statements (the
Citus-routable path). SQLite has only the portable path, so it runs once."""

from __future__ import annotations

import pytest

from loket.store.database import Database


@pytest.fixture(params=["statement", "portable"])
def booking_path(request: pytest.FixtureRequest) -> str:
    path: str = request.param
    if "db" not in request.fixturenames:
        if path == "portable":
            pytest.skip("starts its own handles on the default path")
        return path
    db: Database = request.getfixturevalue("db")
    if db.dialect == "sqlite" and path == "portable":
        pytest.skip("SQLite always takes the portable path: run once")
    db.portable = path == "portable"
    return path
