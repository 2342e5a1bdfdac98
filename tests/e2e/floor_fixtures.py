"""Staff accounts made through the real service, and signing in over HTTP."""

from __future__ import annotations

import httpx

from loket.clock import FrozenClock
from loket.services import staff as staff_service
from loket.store.database import Database

PASSWORD = "rahasia-kantor-1"
STAFF = {
    "budi": ("PLG", "officer"),
    "sari": ("PLG", "supervisor"),
    "adi": ("PLG", "admin"),
    "dewi": ("DPS", "officer"),
    "komang": ("DPS", "supervisor"),
    "wayan": ("DPS", "admin"),
}


async def make_staff(db: Database, clock: FrozenClock, *only: str) -> None:
    for username, (office, role) in STAFF.items():
        if only and username not in only:
            continue
        await staff_service.create_staff(
            db,
            office_code=office,
            username=username,
            full_name=f"Petugas {username.title()}",
            password=PASSWORD,
            role=role,
            now=clock(),
        )


async def sign_in(client: httpx.AsyncClient, username: str) -> str:
    """Sign in; the client keeps the cookie. Returns the CSRF token for the X-CSRF-Token header."""
    done = await client.post("/api/v1/staff/login", json={"username": username, "password": PASSWORD})
    assert done.status_code == 200, done.text
    return str(done.json()["csrf_token"])
