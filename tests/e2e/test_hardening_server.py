"""`loket serve` as a real process, attacked at the HTTP level (issue 21): a forged
X-Forwarded-For from a same-host client does not escape the per-address limit (uvicorn's proxy
handling is off), a huge header or a hundred thousand headers are refused, and a client that
sends its request head too slowly is disconnected."""

from __future__ import annotations

import contextlib
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from .test_server import free_port


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """One server on a free port, on a migrated empty database."""
    folder = tmp_path_factory.mktemp("serve")
    env = {
        **os.environ,
        "LOKET_DATABASE_URL": f"sqlite:///{folder / 'loket.db'}",
        "LOKET_HEADER_TIMEOUT_S": "1",
        "LOKET_SECRET_KEY": "test-secret-key-for-the-hardening-server-0123456789",
    }
    subprocess.run(
        [sys.executable, "-m", "loket", "db", "upgrade"], env=env, cwd=folder, check=True, capture_output=True
    )
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "loket", "serve", "--port", str(port)],
        env=env,
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
                assert time.monotonic() < deadline, "server did not start within 30 s"
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_forged_forwarded_for_from_the_same_host_does_not_escape_the_address_limit(server: int) -> None:
    codes = []
    with httpx.Client(base_url=f"http://127.0.0.1:{server}", timeout=10) as http:
        for i in range(40):  # a new username each time: only the address limit can refuse
            forged = ".".join(str(random.randint(1, 254)) for _ in range(4))
            answer = http.post(
                "/api/v1/staff/login",
                json={"username": f"user{i}", "password": "y"},
                headers={"X-Forwarded-For": forged},
            )
            codes.append(answer.status_code)
    assert 429 in codes, codes  # login_address allows 20 a minute: 40 must meet the limit


def _exchange(port: int, head: bytes, wait_s: float = 15.0) -> bytes:
    """Send `head`, return everything the server answers until it closes (or `wait_s` passes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait_s) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(head)
        got = b""
        try:
            while chunk := sock.recv(65_536):
                got += chunk
        except ConnectionResetError:
            pass
        return got


def test_a_huge_header_is_refused(server: int) -> None:
    head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 1_000_000 + b"\r\n\r\n"
    answer = _exchange(server, head)
    assert answer == b"" or answer.startswith((b"HTTP/1.1 400", b"HTTP/1.1 431")), answer[:100]


def test_a_hundred_thousand_headers_are_refused(server: int) -> None:
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(100_000))
    answer = _exchange(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")
    assert answer == b"" or answer.startswith((b"HTTP/1.1 400", b"HTTP/1.1 431")), answer[:100]


def test_a_slow_request_head_is_disconnected(server: int) -> None:
    # Half a request line, then nothing: the server must close the socket (its deadline is 1 s;
    # the socket waits up to 15 s, so this shows the close, not a duration).
    answer = _exchange(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    assert answer == b""
    # A complete request on a fresh connection is answered as always.
    assert httpx.get(f"http://127.0.0.1:{server}/healthz", timeout=5).status_code == 200
