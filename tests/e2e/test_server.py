"""`loket serve` as a real process: it starts, answers /healthz and serves pages."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_answers_healthz_on_both_databases(db_url: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "LOKET_DATABASE_URL": db_url,
        "LOKET_SECRET_KEY": "test-server-secret-key-0123456789abcdef",
    }
    subprocess.run(
        [sys.executable, "-m", "loket", "demo", "load"],
        env=env,
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "loket", "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
                assert time.monotonic() < deadline, "server did not start within 30 s"
                time.sleep(0.2)
        assert health.status_code == 200 and health.json()["status"] == "ok"
        home = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
        assert "Kantor Imigrasi Kelas I TPI Palembang" in home.text
        css = httpx.get(f"http://127.0.0.1:{port}/static/vendor/htmx-2.0.11.min.js", timeout=5)
        assert css.status_code == 200 and "htmx" in css.text
    finally:
        server.terminate()
        server.wait(timeout=20)
