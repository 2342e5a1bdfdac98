"""Browser tests: Debian's chromium (installed with apt-get when missing) driven by Playwright,
against a real `loket serve` process on a free loopback port. Never downloads a browser."""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
# The servers the tests start are not demos: they need a real secret key (issue 21).
SECRET_KEY = "test-server-secret-key-0123456789abcdef"
APT_LOCK = Path(tempfile.gettempdir()) / "loket-tests-apt.lock"


def ensure_chromium() -> str:
    """Install Debian's chromium with apt-get when it is missing (root on the test machines).

    The suite runs in several worker processes (pytest-xdist): the first to get here installs,
    the others wait on the lock and then find the browser there. apt's own lock is waited for
    too, in case something else on the machine is installing."""
    if not Path(CHROMIUM).exists():
        with open(APT_LOCK, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not Path(CHROMIUM).exists():
                env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
                wait = ["-o", "DPkg::Lock::Timeout=900"]
                subprocess.run(["apt-get", *wait, "update", "-qq"], check=True, env=env, timeout=900)
                subprocess.run(
                    ["apt-get", *wait, "install", "-y", "-qq", "chromium"], check=True, env=env, timeout=1800
                )
    assert Path(CHROMIUM).exists(), "chromium could not be installed"
    return CHROMIUM


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    """A running `loket serve` with the demo loaded, and how to reach it."""

    url: str
    database_url: str
    env: dict[str, str]
    workdir: Path

    def loket(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run a `loket` command against the server's database."""
        return subprocess.run(
            [sys.executable, "-m", "loket", *args],
            env=self.env,
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=120,
            input=input,
        )


def start_server(
    workdir: Path, database_url: str, extra_env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], LiveServer]:
    """`loket serve` on a free port over `database_url` (migrated, demo loaded), once it answers."""
    port = free_port()
    env = {
        **os.environ,
        "LOKET_DATABASE_URL": database_url,
        "LOKET_PORT": str(port),
        "LOKET_SECRET_KEY": SECRET_KEY,
        **(extra_env or {}),
    }
    server = LiveServer(f"http://127.0.0.1:{port}", database_url, env, workdir)
    process = subprocess.Popen(
        [sys.executable, "-m", "loket", "serve", "--port", str(port)],
        env=env,
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert process.poll() is None, "server exited"
        assert time.monotonic() < deadline, "server did not start within 30 s"
        time.sleep(0.2)
    return process, server


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file made as a newcomer makes it, `loket db upgrade` then `loket demo load`: once
    for the session (two commands of some seconds each), then copied for every test."""
    workdir = tmp_path_factory.mktemp("browser-demo")
    path = workdir / "loket.db"
    env = {**os.environ, "LOKET_DATABASE_URL": f"sqlite:///{path}"}
    for step in (["db", "upgrade"], ["demo", "load"]):
        done = subprocess.run(
            [sys.executable, "-m", "loket", *step],
            env=env,
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
    with sqlite3.connect(path) as conn:  # everything into the one file that is copied
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


@pytest.fixture
def live_server(tmp_path: Path, demo_file: Path) -> Iterator[LiveServer]:
    """A fresh server on a fresh SQLite database, the demo loaded (browser tests drive the real
    stack end to end)."""
    shutil.copyfile(demo_file, tmp_path / "loket.db")
    process, server = start_server(tmp_path, f"sqlite:///{tmp_path / 'loket.db'}")
    try:
        yield server
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One browser per test module. Not per session: the sync Playwright API keeps an event loop
    running in this thread while it is open, and the async tests collected later need the thread's
    loop to themselves."""
    from playwright.sync_api import sync_playwright

    executable = ensure_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
