"""The staff session lookup every staff request makes (one statement: session, account,
national-admin flag and office roles): it answers what the four separate reads answered, and a
session that was signed out, expired or belongs to a deactivated account is never accepted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from loket.clock import FrozenClock
from loket.domain.staff import Role
from loket.services import national_admins
from loket.services import staff as staff_service
from loket.store import staff_repo
from loket.store.database import Database

from .floor_helpers import PASSWORD, signed_in

pytestmark = pytest.mark.usefixtures("fast_hashing")


async def test_the_lookup_gives_roles_in_every_office_and_the_national_flag(
    demo: Database, clock: FrozenClock
) -> None:
    token = await signed_in(demo, clock, "wulan")
    found = await staff_service.authenticate(demo, token, now=clock())
    assert found is not None
    ident, csrf = found
    assert (ident.username, ident.full_name, dict(ident.roles), ident.national) == (
        "wulan",
        "Wulan",
        {"PLG": Role.OFFICER},
        False,
    )
    assert csrf and csrf != token

    await staff_service.grant_role(demo, office_code="DPS", username="wulan", role="supervisor", now=clock())
    await national_admins.grant_national_admin(demo, "wulan", now=clock())
    again = await staff_service.authenticate(demo, token, now=clock())
    assert again is not None
    assert dict(again[0].roles) == {"PLG": Role.OFFICER, "DPS": Role.SUPERVISOR}
    assert again[0].national is True and again[1] == csrf


async def test_an_account_without_any_role_still_signs_in(demo: Database, clock: FrozenClock) -> None:
    token = await signed_in(demo, clock, "tono")
    await staff_service.revoke_role(demo, office_code="PLG", username="tono", now=clock())
    assert await staff_service.authenticate(demo, token, now=clock()) is None  # the revoke ended it
    token = (await staff_service.login(demo, "tono", PASSWORD, now=clock(), hours=8)).token
    found = await staff_service.authenticate(demo, token, now=clock())
    assert found is not None and dict(found[0].roles) == {} and found[0].username == "tono"


async def test_signed_out_expired_and_deactivated_sessions_are_refused(
    demo: Database, clock: FrozenClock
) -> None:
    token = await signed_in(demo, clock, "sari")
    await staff_service.logout(demo, token, now=clock())
    assert await staff_service.authenticate(demo, token, now=clock()) is None

    token = await signed_in(demo, clock, "dedi")
    assert await staff_service.authenticate(demo, token, now=clock() + timedelta(hours=9)) is None
    assert await staff_service.authenticate(demo, "not-a-token", now=clock()) is None

    token = await signed_in(demo, clock, "eko")
    async with demo.write() as conn:
        await staff_repo.set_active(conn, "eko", False)
    assert await staff_service.authenticate(demo, token, now=clock()) is None


async def test_the_lookup_is_one_statement(demo: Database, clock: FrozenClock) -> None:
    token = await signed_in(demo, clock, "rudi")
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(demo.engine.sync_engine, "before_cursor_execute", seen)
    try:
        assert await staff_service.authenticate(demo, token, now=clock()) is not None
    finally:
        event.remove(demo.engine.sync_engine, "before_cursor_execute", seen)
    if demo.dialect == "postgresql":
        # One statement on the autocommit pool: none through the engine (BEGIN, SELECT, ROLLBACK).
        assert statements == [] and demo._fast is not None
    else:
        assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
