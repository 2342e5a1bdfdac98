"""Sign-in lock-out (issue 21): every attempt is counted, under its row's lock, before the password
is checked, so a burst gets no more password checks than the limit; the delay that follows grows
and holds only for that username from that address, so a stranger cannot lock a staff member out;
the staff member is told by e-mail."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select

from loket.clock import FrozenClock
from loket.services import staff as staff_service
from loket.settings import Settings
from loket.store.database import Database
from loket.store.tables import notify_outbox
from loket.web.app import create_app

from .floor_fixtures import PASSWORD

pytestmark = pytest.mark.usefixtures("fast_hashing")
LOGIN = "/api/v1/staff/login"
STRANGER = {"X-Forwarded-For": "103.99.7.7"}
AT_HER_DESK = {"X-Forwarded-For": "36.70.1.2"}


@pytest.fixture
async def app_client(demo: Database, demo_url: str, clock: FrozenClock) -> AsyncIterator[httpx.AsyncClient]:
    # The per-process rate limits are off: what is tested is the database's guard, shared by all.
    settings = Settings(database_url=demo_url, trusted_proxies=["127.0.0.1"], rate_limit=False)
    app = create_app(settings, db=demo, clock=clock)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://loket.test") as http:
        yield http


async def _budi(db: Database, clock: FrozenClock) -> None:
    await staff_service.create_staff(
        db,
        office_code="PLG",
        username="budi",
        full_name="Budi Santoso",
        password=PASSWORD,
        role="officer",
        now=clock(),
        email="budi@imigrasi.example.id",
    )


async def test_a_burst_of_wrong_passwords_gets_only_the_allowed_checks(
    app_client: httpx.AsyncClient, db: Database, clock: FrozenClock
) -> None:
    await _budi(db, clock)
    wrong = {"username": "budi", "password": "salah-salah-1"}
    burst = await asyncio.gather(*(app_client.post(LOGIN, json=wrong, headers=STRANGER) for _ in range(12)))
    codes = Counter(a.status_code for a in burst)
    assert codes == {401: 5, 429: 7}, codes
    # Now the right password, from the same address: still waiting.
    right = {"username": "budi", "password": PASSWORD}
    assert (await app_client.post(LOGIN, json=right, headers=STRANGER)).status_code == 429
    # The stranger's failures do not keep Budi out at his own desk.
    assert (await app_client.post(LOGIN, json=right, headers=AT_HER_DESK)).status_code == 200


async def test_the_delay_grows_and_ends(
    app_client: httpx.AsyncClient, db: Database, clock: FrozenClock
) -> None:
    await _budi(db, clock)
    wrong = {"username": "budi", "password": "salah-salah-1"}
    waits = []
    for _ in range(8):
        answer = await app_client.post(LOGIN, json=wrong, headers=STRANGER)
        if answer.status_code == 429:
            waits.append(int(answer.headers["retry-after"]))
            clock.advance(seconds=waits[-1])
            answer = await app_client.post(LOGIN, json=wrong, headers=STRANGER)
        assert answer.status_code == 401
    assert waits == sorted(waits) and waits[-1] > waits[0], waits
    clock.advance(minutes=16)
    right = {"username": "budi", "password": PASSWORD}
    assert (await app_client.post(LOGIN, json=right, headers=STRANGER)).status_code == 200


async def test_the_staff_member_is_told_by_email(
    app_client: httpx.AsyncClient, db: Database, clock: FrozenClock
) -> None:
    await _budi(db, clock)
    for _ in range(5):
        await app_client.post(LOGIN, json={"username": "budi", "password": "salah-salah-1"}, headers=STRANGER)
    async with db.read() as conn:
        told = (
            await conn.execute(select(notify_outbox).where(notify_outbox.c.event == "sign_in_failures"))
        ).all()
    assert [(m.channel, m.recipient) for m in told] == [("email", "budi@imigrasi.example.id")]
    assert told[0].params["address"] == "103.99.7.7" and told[0].params["failures"] == 5
