"""Staff sessions kept by a server process (services/staff_sessions.py), on both databases and the
real Redis: a kept session answers without the database, and every revocation, made in any
process or by a command, ends it in every process at once; without the change listener nothing
is kept. "Answers without the database" is shown by deleting the session's row behind the
services' back: a kept session still answers, a looked-up one does not."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete

from loket.clock import FrozenClock
from loket.domain.staff import Role
from loket.services import national_admins
from loket.services import staff as staff_service
from loket.services.catalog import Catalog
from loket.services.fanout import publisher_for
from loket.settings import Settings
from loket.store.database import Database
from loket.store.tables import staff_sessions

from ..integration.floor_helpers import PASSWORD, signed_in
from .conftest import Process

pytestmark = pytest.mark.usefixtures("fast_hashing")


async def _drop_rows_of(db: Database, token: str) -> None:
    """The session's row deleted behind the services' back: no message tells anyone."""
    async with db.write() as conn:
        await conn.execute(
            delete(staff_sessions).where(staff_sessions.c.token_hash == staff_service.token_hash(token))
        )


async def _seen_by(
    db: Database, process: Process, token: str, clock: FrozenClock, wanted: Callable[[Any], bool]
) -> bool:
    """True once what `process` answers for the token is `wanted`, polled for a second (the
    promised delay)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 1.0
    while not wanted(await staff_service.authenticate(db, token, now=clock(), catalog=process.catalog)):
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


async def _refused(db: Database, process: Process, token: str, clock: FrozenClock) -> bool:
    return await _seen_by(db, process, token, clock, lambda found: found is None)


async def test_a_kept_session_answers_without_the_database_until_it_expires(
    demo: Database, pair: tuple[Process, Process], clock: FrozenClock
) -> None:
    _first, second = pair
    token = await signed_in(demo, clock, "wulan")
    found = await staff_service.authenticate(demo, token, now=clock(), catalog=second.catalog)
    assert found is not None and found[0].username == "wulan"
    await _drop_rows_of(demo, token)
    kept = await staff_service.authenticate(demo, token, now=clock(), catalog=second.catalog)
    assert kept == found  # from memory: the row is gone
    assert await staff_service.authenticate(demo, token, now=clock()) is None  # the database says so
    # Never past the session's own expiry (8 hours), whatever the cache's TTL.
    later = clock() + timedelta(hours=8, seconds=1)
    assert await staff_service.authenticate(demo, token, now=later, catalog=second.catalog) is None


async def test_a_sign_out_in_one_process_ends_the_session_in_the_other(
    demo: Database, pair: tuple[Process, Process], clock: FrozenClock
) -> None:
    first, second = pair
    token = await signed_in(demo, clock, "sari")
    for process in pair:
        assert await staff_service.authenticate(demo, token, now=clock(), catalog=process.catalog) is not None
    await staff_service.logout(demo, token, now=clock(), catalog=first.catalog)
    assert (
        await staff_service.authenticate(demo, token, now=clock(), catalog=first.catalog) is None
    )  # at once
    assert await _refused(demo, second, token, clock)


async def test_a_role_granted_or_revoked_bites_at_once_in_every_process(
    demo: Database, pair: tuple[Process, Process], clock: FrozenClock
) -> None:
    first, second = pair
    token = await signed_in(demo, clock, "dedi")
    found = await staff_service.authenticate(demo, token, now=clock(), catalog=second.catalog)
    assert found is not None and dict(found[0].roles) == {"PLG": Role.OFFICER}

    await staff_service.grant_role(
        demo, office_code="PLG", username="dedi", role="supervisor", now=clock(), catalog=first.catalog
    )

    supervisor = await _seen_by(
        demo, second, token, clock, lambda found: found and dict(found[0].roles) == {"PLG": Role.SUPERVISOR}
    )
    assert supervisor, "the grant did not reach the other process within a second"

    await national_admins.grant_national_admin(demo, "dedi", now=clock(), catalog=first.catalog)
    national = await _seen_by(demo, second, token, clock, lambda found: found and found[0].national)
    assert national, "the national role did not reach the other process within a second"

    await staff_service.revoke_role(
        demo, office_code="PLG", username="dedi", now=clock(), catalog=first.catalog
    )
    assert await _refused(demo, second, token, clock)  # the revoke ended its sessions


async def test_a_command_s_new_password_ends_the_sessions_a_server_kept(
    demo: Database, pair: tuple[Process, Process], clock: FrozenClock, shared_settings: Settings
) -> None:
    # What `loket staff password` does through cli/runner.py: a publish-only catalog of its own.
    _first, serving = pair
    token = await signed_in(demo, clock, "eko")
    assert await staff_service.authenticate(demo, token, now=clock(), catalog=serving.catalog) is not None
    command = Catalog(ttl=0)
    publisher = publisher_for(shared_settings, command)
    assert publisher is not None
    await staff_service.set_password(
        demo, username="eko", password="kata-sandi-baru-9", now=clock(), catalog=command
    )
    await publisher.close()  # waits for the publish, as the runner does before the command exits
    assert await _refused(demo, serving, token, clock)


async def test_without_the_listener_nothing_is_kept(
    demo: Database, pair: tuple[Process, Process], clock: FrozenClock
) -> None:
    first, _second = pair
    token = await signed_in(demo, clock, "rudi")
    assert await staff_service.authenticate(demo, token, now=clock(), catalog=first.catalog) is not None
    await first.stop()  # the listener is gone: a revocation elsewhere could not reach this process
    assert not first.catalog.sessions.trusted
    await _drop_rows_of(demo, token)
    assert await staff_service.authenticate(demo, token, now=clock(), catalog=first.catalog) is None

    alone = Catalog(ttl=3600, session_ttl=60)  # a process without LOKET_REDIS_URL
    token = (await staff_service.login(demo, "rudi", PASSWORD, now=clock(), hours=8)).token
    assert await staff_service.authenticate(demo, token, now=clock(), catalog=alone) is not None
    await _drop_rows_of(demo, token)
    assert await staff_service.authenticate(demo, token, now=clock(), catalog=alone) is None
