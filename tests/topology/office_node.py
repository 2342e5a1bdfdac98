"""An office deployment for the tests of issue 19: a central `loket serve` on PostgreSQL, an
office node (`loket serve --office-node`) on SQLite, and the TCP proxy between them that a test
cuts (tcp_proxy.py). Used by tests/topology/test_office_node.py and the browser test of the
offline banner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import PASSWORD, free_port, stop, wait_until_up
from .tcp_proxy import TcpProxy

OFFICE = "NOD"
SETTLE_S = 60  # the set time within which the centre must show what the office did


@dataclass
class Site:
    url: str
    env: dict[str, str]
    db_url: str

    def loket(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "loket", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
            input=input,
        )

    def script(self, *args: str) -> Any:
        done = subprocess.run(
            [sys.executable, str(Path(__file__).with_name("node_setup.py")), *args],
            env=self.env, capture_output=True, text=True, timeout=180,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


@dataclass
class Deployment:
    centre: Site
    node: Site
    proxy: TcpProxy
    bookings: list[dict[str, str]]


def serve(args: list[str], env: dict[str, str], log: Path, port: int) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "loket", "serve", "--port", str(port), *args],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    wait_until_up(f"http://127.0.0.1:{port}/healthz", process, f"loket serve {' '.join(args)}")
    return process


@pytest.fixture(name="deployment")
def office_deployment(tmp_path: Path, pg_demo_url: str) -> Iterator[Deployment]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("LOKET_")}
    centre_port, proxy_port, node_port = free_port(), free_port(), free_port()
    centre_env = {**base, "LOKET_DATABASE_URL": pg_demo_url, "LOKET_DATABASE_POOL_SIZE": "5",
                  "LOKET_SECRET_KEY": "office-node-centre-secret-0123456789abcdef",
                  "LOKET_NODE_OFFLINE_AFTER_S": "3"}  # fmt: skip
    centre = Site(f"http://127.0.0.1:{centre_port}", centre_env, pg_demo_url)
    bookings = centre.script("office", "22")
    for role, username in (("officer", "budi"), ("supervisor", "sari")):
        done = centre.loket("staff", "add", "--office", OFFICE, "--role", role, "--username", username,
                            input=f"{PASSWORD}\n{PASSWORD}\n")  # fmt: skip
        assert done.returncode == 0, done.stderr
    registered = centre.loket("node", "register", "--office", OFFICE)
    assert registered.returncode == 0, registered.stderr
    token = registered.stdout.strip().split()[-1]
    node_db = f"sqlite:///{tmp_path / 'node.db'}"
    node_env = {
        **base,
        "LOKET_DATABASE_URL": node_db,
        "LOKET_SECRET_KEY": "office-node-office-secret-0123456789abcdef",
        "LOKET_NODE_TOKEN": token,
        # Only the centre's push and the floor's own changes bring a round within the test.
        "LOKET_NODE_SYNC_INTERVAL_S": "600",
        "LOKET_NODE_CENTRAL_URL": f"http://127.0.0.1:{proxy_port}",
        "LOKET_NODE_OFFICE": OFFICE,
        "LOKET_BOARD_POLL_S": "1",
    }
    node = Site(f"http://127.0.0.1:{node_port}", node_env, node_db)
    assert node.loket("db", "upgrade").returncode == 0
    processes: list[subprocess.Popen[bytes]] = []
    proxy = TcpProxy(proxy_port, centre_port).start()
    try:
        processes.append(serve([], centre_env, tmp_path / "centre.log", centre_port))
        processes.append(
            serve(["--office-node", "--central", f"http://127.0.0.1:{proxy_port}", "--office", OFFICE],
                  node_env, tmp_path / "node.log", node_port)
        )  # fmt: skip
        yield Deployment(centre, node, proxy, bookings)
    finally:
        for process in reversed(processes):
            stop(process)
        proxy.stop()


def until(what: str, check: Callable[[], Any], within: float = SETTLE_S) -> Any:
    deadline = time.monotonic() + within
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"{what}: not within {within} s"
        time.sleep(0.25)


def signed_in(site: Site, username: str) -> httpx.Client:
    client = httpx.Client(base_url=site.url, timeout=30)

    def attempt() -> bool:
        done = client.post("/api/v1/staff/login", json={"username": username, "password": PASSWORD})
        if done.status_code == 200:
            client.headers["X-CSRF-Token"] = done.json()["csrf_token"]
        return done.status_code == 200

    until(f"{username} signs in at {site.url}", attempt)  # the node: once its first pull has landed
    return client
