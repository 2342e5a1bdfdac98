"""X-Forwarded-For (issue 21): the client's address is worked out in one place, walking every
X-Forwarded-For line from the right and skipping the trusted proxies; the address a booking
stores as evidence is that one. A client that sends two lines, a random address first, stays
one client."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import date

import httpx
import pytest
from sqlalchemy import select

from loket.clock import FrozenClock
from loket.domain.client import client_address
from loket.settings import Settings
from loket.store.database import Database
from loket.store.tables import bookings
from loket.testing.applicants import applicant
from loket.web.app import create_app

DAY = date(2017, 12, 29)
PROXY = "127.0.0.1"  # httpx's ASGI transport is the peer: our nginx


@pytest.fixture
async def proxied(demo: Database, demo_url: str, clock: FrozenClock) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(database_url=demo_url, trusted_proxies=[PROXY, "10.0.0.0/8"])
    app = create_app(settings, db=demo, clock=clock)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://loket.test") as http:
        yield http


def _random_ip() -> str:
    return ".".join(str(random.randint(1, 254)) for _ in range(4))


async def test_two_header_lines_with_a_random_first_do_not_escape_the_address_limit(
    proxied: httpx.AsyncClient,
) -> None:
    codes = []
    for i in range(40):  # a new username each time: only the address limit can refuse
        headers = [("X-Forwarded-For", _random_ip()), ("X-Forwarded-For", "36.70.9.9")]
        answer = await proxied.post(
            "/api/v1/staff/login", json={"username": f"user{i}", "password": "salah"}, headers=headers
        )
        codes.append(answer.status_code)
    assert 429 in codes, codes


async def test_the_stored_client_ip_is_the_resolved_address(proxied: httpx.AsyncClient, db: Database) -> None:
    # Forged first line, then our trusted inner proxy 10.1.2.3 added the real client 36.70.1.2.
    headers = [("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-For", "36.70.1.2, 10.1.2.3")]
    made = await proxied.post(
        "/api/v1/offices/PLG/bookings", json=applicant(7).booking_body(DAY), headers=headers
    )
    assert made.status_code == 201, made.text
    async with db.read() as conn:
        stored = (
            await conn.execute(
                select(bookings.c.client_ip).where(bookings.c.booking_code == made.json()["booking_code"])
            )
        ).scalar_one()
    assert stored == "36.70.1.2"


def test_the_walk_from_the_right() -> None:
    trusted = ["127.0.0.1", "10.0.0.0/8"]
    assert client_address("127.0.0.1", "1.1.1.1, 2.2.2.2", trusted) == "2.2.2.2"
    assert client_address("127.0.0.1", "1.1.1.1, 2.2.2.2, 10.9.9.9", trusted) == "2.2.2.2"
    assert client_address("127.0.0.1", "10.1.1.1, 10.9.9.9", trusted) == "10.1.1.1"
    assert client_address("127.0.0.1", "2.2.2.2, not-an-address", trusted) == "127.0.0.1"
    assert client_address("127.0.0.1", "2.2.2.2, ::ffff:36.70.1.2", trusted) == "::ffff:36.70.1.2"
    assert client_address("36.70.1.2", "1.1.1.1", trusted) == "36.70.1.2"  # not behind a proxy
    assert client_address("127.0.0.1", None, trusted) == "127.0.0.1"
