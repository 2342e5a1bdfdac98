"""LOKET_BOOKING_PATH chooses the PostgreSQL booking path: the setting reaches the database handle,
and the portable path really is taken (it never opens the single statement's autocommit pool)."""

from __future__ import annotations

import pytest

from loket.clock import FrozenClock
from loket.domain.booking import BookingPolicy
from loket.services import booking as booking_service
from loket.services.catalog import Catalog
from loket.settings import Settings
from loket.store.database import Database
from loket.testing.applicants import applicant
from loket.web.app import create_app

from .test_booking import request_for


@pytest.mark.parametrize("portable", [False, True])
async def test_the_path_taken_on_postgresql(
    pg_demo_url: str, catalog: Catalog, clock: FrozenClock, policy: BookingPolicy, portable: bool
) -> None:
    db = Database(pg_demo_url, pool_size=2, portable=portable)
    try:
        done = await booking_service.book_slot(
            db, catalog, "PLG", request_for(applicant(1)), policy=policy, now=clock()
        )
        assert done.status == "awaiting_payment"
        assert (db._fast is None) is portable  # the single statement runs on the autocommit pool
    finally:
        await db.dispose()


async def test_the_setting_reaches_the_app_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'x.db'}"
    app = create_app(Settings(database_url=url, booking_path="portable"))
    async with app.router.lifespan_context(app):
        assert app.state.db.portable
    with pytest.raises(ValueError, match="booking_path"):
        Settings(database_url=url, booking_path="citus")  # type: ignore[arg-type]
