"""Helpers of the floor-screen browser tests: the office of floor_setup.py with a booking paid
for today, staff to sign in with, and a `loket serve` that can be stopped and started again on
the same port (the board must find its server again after a restart)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from .conftest import SECRET_KEY

PASSWORD = "rahasia-kantor-1"


def set_up_office(server: Any) -> dict[str, str]:
    """The TST office (local time about 11:00, a session under way) and a paid booking for today."""
    made = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("floor_setup.py"))],
        env=server.env,
        cwd=server.workdir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    booking: dict[str, str] = json.loads(made.stdout.strip().splitlines()[-1])
    return booking


def add_staff(server: Any, username: str, role: str) -> None:
    added = server.loket(
        "staff",
        "add",
        "--office",
        "TST",
        "--role",
        role,
        "--username",
        username,
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert added.returncode == 0, added.stderr


def sign_in(page: Any, base: str, username: str, then: str) -> None:
    """Sign in on the staff form that `then` redirects to, and land on `then`."""
    page.goto(base + then)
    assert "/staff/login" in page.url
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.locator("form[action='/staff/login'] button[type=submit]").click()
    page.wait_for_url("**" + then.split("?")[0] + "*")


@dataclass
class Restartable:
    """`loket serve` on one port, which the test may stop and start again."""

    port: int
    env: dict[str, str]
    workdir: Path
    process: subprocess.Popen[bytes] | None = field(default=None)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "loket", "serve", "--port", str(self.port)],
            env={"LOKET_SECRET_KEY": SECRET_KEY, **self.env, "LOKET_PORT": str(self.port)},
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # A loaded test machine may take a while to import the app; a failed start stops it.
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError("server exited or did not start within 90 s")
            time.sleep(0.2)

    def loket(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "loket", *args],
            env=self.env,
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=120,
            input=input,
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


CHECK_IN = """
import asyncio, os, sys
from datetime import UTC, datetime
from loket.domain.calling import FloorPolicy
from loket.services.checkin import check_in
from loket.store.database import Database

async def main():
    db = Database(os.environ["LOKET_DATABASE_URL"])
    issued = await check_in(db, "TST", sys.argv[1], sys.argv[2], policy=FloorPolicy(), actor="test",
                            now=datetime.now(UTC))
    await db.dispose()
    print(issued.ticket)

asyncio.run(main())
"""


def check_in(server: Any, booking: dict[str, str]) -> str:
    """Check the booking in through the real service (another process than the server's: the
    board sees it on its next poll, as it sees a kiosk's check-in)."""
    done = subprocess.run(
        [sys.executable, "-c", CHECK_IN, booking["booking_code"], booking["nik"]],
        env=server.env,
        cwd=server.workdir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()
