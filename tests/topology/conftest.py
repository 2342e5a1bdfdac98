"""The multi-process topology: Debian's nginx (apt-get when missing) as the load balancer in front
of two `loket serve` processes over one PostgreSQL database, sharing the real Redis under a key
prefix of their own. Everything runs on free loopback ports, in the test's tmp dir, and is
stopped afterwards; the nginx configuration is the one docs/operations.md shows."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

NGINX = "/usr/sbin/nginx"
APT_LOCK = Path(tempfile.gettempdir()) / "loket-tests-apt.lock"  # the lock tests/browser takes too
REDIS_URL = os.environ.get("LOKET_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PASSWORD = "rahasia-kantor-1"
NGINX_CONF = Path(__file__).with_name("nginx.conf.template")


def ensure_nginx() -> str:
    """Install Debian's nginx with apt-get when it is missing, once however many workers ask."""
    if not Path(NGINX).exists():
        with open(APT_LOCK, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not Path(NGINX).exists():
                env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
                wait = ["-o", "DPkg::Lock::Timeout=900"]
                subprocess.run(["apt-get", *wait, "update", "-qq"], check=True, env=env, timeout=900)
                # nginx-light's service must not start on port 80 of the machine: policy-rc.d says no.
                subprocess.run(
                    ["apt-get", *wait, "install", "-y", "-qq", "--no-install-recommends", "nginx"],
                    check=True,
                    env={**env, "RUNLEVEL": "1"},
                    timeout=1800,
                )
    assert Path(NGINX).exists(), "nginx could not be installed"
    return NGINX


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 120  # a loaded CI machine imports slowly
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert process.poll() is None, f"{what} exited"
        assert time.monotonic() < deadline, f"{what} did not start within 120 s"
        time.sleep(0.2)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@dataclass
class Topology:
    """nginx at `url` in front of the processes at `backends`; `loket` runs CLI commands."""

    url: str
    backends: list[str]
    env: dict[str, str]
    workdir: Path
    access_log: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

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

    def add_staff(self, office: str, role: str, username: str) -> None:
        done = self.loket(
            "staff", "add", "--office", office, "--role", role, "--username", username,
            input=f"{PASSWORD}\n{PASSWORD}\n",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr

    def loket_script(self, name: str) -> str:
        """Run a set-up script of tests/browser against the topology's database; its output."""
        script = Path(__file__).parent.parent / "browser" / name
        done = subprocess.run(
            [sys.executable, str(script)],
            env=self.env,
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def upstreams(self) -> list[str]:
        """The upstream address of each proxied request so far, from nginx's access log."""
        return [line.split()[0] for line in self.access_log.read_text().splitlines() if line.strip()]


def write_nginx_conf(workdir: Path, port: int, backends: list[int]) -> Path:
    prefix = workdir / "nginx"
    for sub in ("logs", "tmp"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    upstream = "\n".join(f"        server 127.0.0.1:{b} max_fails=0;" for b in backends)
    text = (
        NGINX_CONF.read_text()
        .replace("@PREFIX@", str(prefix))
        .replace("@LISTEN@", f"127.0.0.1:{port}")
        .replace("@UPSTREAMS@", upstream)
    )
    conf = prefix / "nginx.conf"
    conf.write_text(text)
    return conf


@pytest.fixture
def topology(tmp_path: Path, pg_demo_url: str, redis_prefix: str) -> Iterator[Topology]:
    """Two `loket serve` behind nginx over one PostgreSQL database with the demo loaded."""
    nginx = ensure_nginx()
    ports = [free_port(), free_port()]
    env = {
        **os.environ,
        "LOKET_DATABASE_URL": pg_demo_url,
        "LOKET_DATABASE_POOL_SIZE": "5",
        # Not a demo: a real secret key, shared by both processes (issue 21 refuses the default).
        "LOKET_SECRET_KEY": "topology-test-secret-key-0123456789abcdef",
        "LOKET_REDIS_URL": REDIS_URL,
        "LOKET_REDIS_PREFIX": redis_prefix,
        "LOKET_TRUSTED_PROXIES": json.dumps(["127.0.0.1"]),
        "LOKET_RATE_LIMITS": json.dumps({"booking_address": "6/3600"}),
        # Long enough that only the fan-out can bring a change within the second the tests allow.
        "LOKET_CATALOG_TTL_S": "300",
        "LOKET_BOARD_POLL_S": "30",
    }
    processes: list[subprocess.Popen[bytes]] = []
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    try:
        for port in ports:
            with open(log_dir / f"loket-{port}.log", "wb") as out:
                process = subprocess.Popen(
                    [sys.executable, "-m", "loket", "serve", "--port", str(port)],
                    env={**env, "LOKET_PORT": str(port)},
                    cwd=tmp_path,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            processes.append(process)
        for port, process in zip(ports, processes, strict=True):
            wait_until_up(f"http://127.0.0.1:{port}/healthz", process, f"loket serve on {port}")
        port = free_port()
        conf = write_nginx_conf(tmp_path, port, ports)
        proxy = subprocess.Popen(
            [nginx, "-p", str(conf.parent), "-c", str(conf), "-e", str(conf.parent / "logs" / "error.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        processes.append(proxy)
        wait_until_up(f"http://127.0.0.1:{port}/healthz", proxy, "nginx")
        yield Topology(
            f"http://127.0.0.1:{port}",
            [f"http://127.0.0.1:{p}" for p in ports],
            env,
            tmp_path,
            conf.parent / "logs" / "access.log",
            processes,
        )
    finally:
        for process in reversed(processes):
            stop(process)
        shutil.rmtree(tmp_path / "nginx", ignore_errors=True)


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of the test's own; its keys are deleted afterwards (never a FLUSHALL)."""
    import redis

    prefix = f"loket-test:{uuid.uuid4().hex[:12]}:"
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except OSError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {REDIS_URL} is not reachable: {exc}")
        pytest.skip(f"Redis at {REDIS_URL} is not reachable")
    try:
        yield prefix
    finally:
        keys = list(client.scan_iter(match=f"{prefix}*", count=500))
        if keys:
            client.delete(*keys)
        client.close()
