"""The office floor under load: call-next latency with 8 officers calling at once, and the delay
from "call next" to the number on a connected display board (Server-Sent Events).

Two ways of calling: "at once" (the target's figure): each round the 8 officers press "call
next" in the same instant, over raw keep-alive sockets with the requests built beforehand so the
client costs next to nothing, then finish their applicants (untimed); the baseline is a burst of
8 `GET /healthz` the same way. "Continuous": each officer calls and finishes as fast as the server
answers (httpx), so calls queue behind the others' finishes: the floor at saturation.

Starts `loket serve` itself on a fresh database (SQLite file or a throwaway PostgreSQL database),
sets up an office whose session is under way now, books and pays the applicants (yesterday) and
checks them in through the real services, then drives the server over HTTP. Every figure is
also given as a ratio to GET /healthz measured on the same server in the same run, with the
same 8 concurrent clients. The server runs as deployed, with Redis (LOKET_TEST_REDIS_URL, else
127.0.0.1:6379; `--no-redis` without): its change listener is what lets it keep the staff
sessions it looked up (services/staff_sessions.py).

    .venv/bin/python bench/floor.py                      # both databases
    .venv/bin/python bench/floor.py --db sqlite --per-officer 40
    .venv/bin/python bench/floor.py --db postgresql --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
from floor_setup import zone_for_midday  # noqa: E402
from hotpaths import tree_cpu_s  # noqa: E402  (bench/ is the script's folder)

from loket.domain.booking import BookingPolicy, BookingRequest  # noqa: E402
from loket.domain.calling import FloorPolicy, percentile  # noqa: E402
from loket.domain.office import Session, Station  # noqa: E402
from loket.domain.payment import sign  # noqa: E402
from loket.services import booking as booking_service  # noqa: E402
from loket.services import checkin  # noqa: E402
from loket.services import staff as staff_service  # noqa: E402
from loket.services.catalog import Catalog  # noqa: E402
from loket.services.demo import load_banks, load_fee_tariffs  # noqa: E402
from loket.services.offices import OfficeSpec, create_office, declare_extra_day  # noqa: E402
from loket.services.payments import bank_secret, receive_bank_callback  # noqa: E402
from loket.services.quotas import set_template  # noqa: E402
from loket.store.database import Database  # noqa: E402
from loket.store.migrate import upgrade  # noqa: E402
from loket.testing.applicants import applicant  # noqa: E402

PG_ADMIN = os.environ.get("LOKET_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("LOKET_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
OFFICERS = 8
PASSWORD = "rahasia-bench-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def setup(url: str, tickets: int) -> None:
    """An office mid-session now, 8 intake counters and officers, `tickets` applicants checked in."""
    db = Database(url, pool_size=4)
    now = datetime.now(UTC)
    zone = zone_for_midday(now)
    from zoneinfo import ZoneInfo

    local = now.astimezone(ZoneInfo(zone))
    session = Session(
        local.time().replace(minute=0, second=0, microsecond=0),
        (local + timedelta(hours=1)).time().replace(minute=0, second=0, microsecond=0),
    )
    stations = [Station(f"INT{i}", "intake", f"Loket {i}", i) for i in range(1, OFFICERS + 1)]
    await load_fee_tariffs(db, actor="bench", now=now)
    await load_banks(db, actor="bench", now=now)
    await create_office(
        db,
        OfficeSpec("BEN", "Kantor Imigrasi Bench", zone, "", {}, [session], stations),
        actor="bench",
        now=now,
    )
    await declare_extra_day(db, "BEN", local.date(), "Bench", actor="bench", now=now)
    for weekday in range(1, 8):
        await set_template(db, "BEN", weekday, "regular", tickets, actor="bench", now=now)
    staff_service._hasher = staff_service.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    for i in range(1, OFFICERS + 1):
        await staff_service.create_staff(
            db,
            office_code="BEN",
            username=f"officer{i}",
            full_name=f"Petugas {i}",
            password=PASSWORD,
            role="officer",
            now=now,
        )
    yesterday = now - timedelta(days=1)
    catalog, secret = Catalog(ttl=60), await bank_secret(db, "BNI")
    for i in range(tickets):
        p = applicant(i, seed=7)
        req = BookingRequest(
            p.nik,
            p.full_name,
            p.birth_date,
            p.sex,
            p.phone,
            None,
            local.date(),
            session.name,
            "regular",
            "regular",
            "new",
        )
        done = await booking_service.book_slot(
            db, catalog, "BEN", req, policy=BookingPolicy(max_people_per_contact=50), now=yesterday
        )
        body = json.dumps(
            {
                "billing_code": done.billing_code,
                "amount": done.amount,
                "paid_at": yesterday.isoformat(),
                "ntpn": f"NTPNBENCH{i:07d}",
                "bank": "BNI",
            }
        ).encode()
        await receive_bank_callback(db, body, sign(secret, body), now=yesterday)
        await checkin.check_in(
            db, "BEN", done.booking_code, p.nik, policy=FloorPolicy(), actor="bench", now=now
        )
    await db.dispose()


async def login(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    """Sign in on `client` (it keeps the cookie); the headers later requests need."""
    done = await client.post("/api/v1/staff/login", json={"username": username, "password": PASSWORD})
    done.raise_for_status()
    return {"X-CSRF-Token": done.json()["csrf_token"]}


async def healthz(base: str, per_client: int) -> list[float]:
    times: list[float] = []

    async def one() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            for _ in range(per_client):
                t0 = time.perf_counter()
                (await client.get("/healthz")).raise_for_status()
                times.append(time.perf_counter() - t0)

    await asyncio.gather(*(one() for _ in range(OFFICERS)))
    return times


async def officers_calling(base: str, per_officer: int) -> list[float]:
    times: list[float] = []
    seen: list[str] = []

    async def officer(i: int) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            headers = await login(client, f"officer{i}")
            (
                await client.post(
                    f"/api/v1/offices/BEN/stations/INT{i}/state", json={"state": "open"}, headers=headers
                )
            ).raise_for_status()
            for _ in range(per_officer):
                t0 = time.perf_counter()
                called = await client.post(f"/api/v1/offices/BEN/stations/INT{i}/call-next", headers=headers)
                times.append(time.perf_counter() - t0)
                called.raise_for_status()
                if called.json()["ticket"] is None:
                    break
                seen.append(called.json()["ticket"])
                (
                    await client.post(
                        f"/api/v1/offices/BEN/stations/INT{i}/complete",
                        json={"outcome": "done"},
                        headers=headers,
                    )
                ).raise_for_status()

    await asyncio.gather(*(officer(i) for i in range(1, OFFICERS + 1)))
    assert len(seen) == len(set(seen)), "a ticket was called twice"
    return times


class RawClient:
    """One keep-alive HTTP/1.1 connection sending requests built once (the bench's client must
    not eat the cores the server is measured on)."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.port, self.extra = port, "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    def request(self, method: str, path: str, body: bytes = b"") -> bytes:
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n{self.extra}"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body

    async def send(self, request: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        length = next(
            int(v) for k, _, v in (h.partition(":") for h in lines[1:]) if k.lower() == "content-length"
        )
        return int(lines[0].split()[1]), await self.reader.readexactly(length)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def officers_at_once(base: str, rounds: int) -> tuple[list[float], list[float]]:
    """(8 x `rounds` call-next latencies, the same number of /healthz in bursts of 8)."""
    port = int(base.rsplit(":", 1)[1])
    raws: list[tuple[RawClient, bytes, bytes]] = []
    closing: list[tuple[RawClient, bytes]] = []  # the continuous run opens the stations again
    for i in range(1, OFFICERS + 1):
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            headers = await login(client, f"officer{i}")
            opened = await client.post(
                f"/api/v1/offices/BEN/stations/INT{i}/state", json={"state": "open"}, headers=headers
            )
            opened.raise_for_status()
            cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        raw = RawClient(port, {**headers, "Cookie": cookie})
        station = f"/api/v1/offices/BEN/stations/INT{i}"
        close = raw.request("POST", station + "/state", json.dumps({"state": "closed"}).encode())
        closing.append((raw, close))
        raws.append(
            (
                raw,
                raw.request("POST", station + "/call-next"),
                raw.request("POST", station + "/complete", json.dumps({"outcome": "done"}).encode()),
            )
        )
    health = RawClient(port, {}).request("GET", "/healthz")
    health_clients = [RawClient(port, {}) for _ in range(OFFICERS)]
    calls: list[float] = []
    healths: list[float] = []
    seen: list[str] = []

    async def timed(client: RawClient, request: bytes, into: list[float]) -> tuple[int, bytes]:
        t0 = time.perf_counter()
        answer = await client.send(request)
        into.append(time.perf_counter() - t0)
        return answer

    for _ in range(3):  # warm: connections open, statements prepared
        await asyncio.gather(*(timed(c, health, []) for c in health_clients))
    for round_ in range(rounds + 1):  # the first round untimed: the server's pool opens its connections
        first = round_ == 0
        await asyncio.gather(*(timed(c, health, [] if first else healths) for c in health_clients))
        answers = await asyncio.gather(*(timed(raw, call, [] if first else calls) for raw, call, _ in raws))
        done = []
        for (raw, _, complete), (status, body) in zip(raws, answers, strict=True):
            assert status == 200, body
            label = json.loads(body)["ticket"]
            if label is not None:
                seen.append(label)
                done.append(raw.send(complete))
        for status, body in await asyncio.gather(*done):
            assert status == 200, body
    for raw, close in closing:
        status, body = await raw.send(close)
        assert status == 200, body
        raw.close()
    for c in health_clients:
        c.close()
    assert len(seen) == len(set(seen)), "a ticket was called twice"
    return calls, healths


async def board_delay(base: str, samples: int) -> list[float]:
    """Call next on one counter and time until the board's SSE stream shows that call."""
    delays: list[float] = []
    queue: asyncio.Queue[tuple[float, dict]] = asyncio.Queue()

    async def listen() -> None:
        async with (
            httpx.AsyncClient(base_url=base, timeout=None) as tv,
            tv.stream("GET", "/api/v1/offices/BEN/board/events") as events,
        ):
            async for line in events.aiter_lines():
                if line.startswith("data: "):
                    await queue.put((time.perf_counter(), json.loads(line[6:])))

    listener = asyncio.create_task(listen())
    await queue.get()  # the first snapshot
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        headers = await login(client, "officer1")
        await client.post("/api/v1/offices/BEN/stations/INT1/state", json={"state": "open"}, headers=headers)
        for _ in range(samples):
            t0 = time.perf_counter()
            called = (
                await client.post("/api/v1/offices/BEN/stations/INT1/call-next", headers=headers)
            ).json()
            if called["ticket"] is None:
                break
            while True:
                at, board = await asyncio.wait_for(queue.get(), 10)
                if board["calls"] and board["calls"][0]["ticket"] == called["ticket"]:
                    delays.append(at - t0)
                    break
            await client.post(
                "/api/v1/offices/BEN/stations/INT1/complete", json={"outcome": "done"}, headers=headers
            )
            await asyncio.sleep(0.05)
    listener.cancel()
    return delays


@contextmanager
def bench_database(kind: str, tickets: int) -> Iterator[tuple[str, str]]:
    """(database URL, a temporary folder): a fresh SQLite file or PostgreSQL database, migrated,
    with the bench's office and `tickets` applicants checked in; dropped afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        admin = None
        if kind == "sqlite":
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        else:
            admin = psycopg.connect(PG_ADMIN, autocommit=True)
            name = f"loket_bench_{uuid.uuid4().hex[:8]}"
            admin.execute(f'CREATE DATABASE "{name}"')
            url = f"{PG_ADMIN.rsplit('/', 1)[0].replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"
        try:
            upgrade(url)
            asyncio.run(setup(url, tickets))
            yield url, tmp
        finally:
            if admin is not None:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.close()


def run_one(
    kind: str, per_officer: int, samples: int, workers: int, profile: Path | None, redis: bool
) -> None:
    tickets = 2 * OFFICERS * per_officer + OFFICERS + samples + 4
    with bench_database(kind, tickets) as (url, tmp):
        port = free_port()
        env = {
            **os.environ,
            "LOKET_DATABASE_URL": url,
            # The server refuses the published default key; a fresh one per run.
            "LOKET_SECRET_KEY": secrets.token_urlsafe(48),
            "LOKET_LOG_LEVEL": "warning",
            "LOKET_RATE_LIMIT": "off",  # eight officers from one address, signing in and calling
        }
        if redis:
            env |= {
                "LOKET_REDIS_URL": REDIS_URL,
                "LOKET_REDIS_PREFIX": f"loket-bench:{uuid.uuid4().hex[:8]}:",
            }
        server = subprocess.Popen(
            [sys.executable, "-m", "loket", "serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            cwd=tmp,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
            report(kind, base, per_officer, samples, server.pid, profile)
        finally:
            server.terminate()
            server.wait(timeout=20)


def ms(value: float | None) -> str:
    return f"{(value or 0) * 1000:7.1f} ms"


def ratio(value: float | None, base: float | None) -> str:
    return f"{value / base:5.1f}x" if value and base else "  n/a"


def spy(pid: int, into: Path | None) -> subprocess.Popen[bytes] | None:
    """py-spy sampling the server (its workers too) until stopped: collapsed stacks in `into`."""
    if into is None:
        return None
    py_spy = Path(sys.executable).with_name("py-spy")
    if not py_spy.exists():
        raise SystemExit("--profile needs py-spy: .venv/bin/pip install -e '.[bench]'")
    command = [str(py_spy), "record", "--pid", str(pid)]
    command += ["--subprocesses", "--rate", "1000", "--format", "raw", "--output", str(into)]
    return subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def report(kind: str, base: str, per_officer: int, samples: int, pid: int, profile: Path | None) -> None:
    asyncio.run(healthz(base, 5))  # warm-up
    spying = spy(pid, profile)
    cpu0 = tree_cpu_s(pid)
    burst, burst_health = asyncio.run(officers_at_once(base, per_officer))
    cpu_ms = (tree_cpu_s(pid) - cpu0) * 1000 / max(1, len(burst))
    if spying is not None:
        spying.send_signal(signal.SIGINT)  # py-spy writes its samples when interrupted
        spying.wait(timeout=30)
    health = asyncio.run(healthz(base, per_officer))
    calls = asyncio.run(officers_calling(base, per_officer))
    delays = asyncio.run(board_delay(base, samples))
    print(
        f"== {kind}: {OFFICERS} officers, {len(burst)} + {len(calls)} call-next, {len(delays)} board samples"
    )
    rows = (
        ("GET /healthz, 8 at once", burst_health, None),
        ("call-next, 8 at once", burst, burst_health),
        ("GET /healthz (8 clients)", health, None),
        ("call-next, continuous", calls, health),
        ("call-next -> board (SSE)", delays, health),
    )
    print(f"server CPU, 8 at once: {cpu_ms:.2f} ms per officer's call-next + finish (+ a /healthz)")
    for name, values, baseline in rows:
        p50, p99 = percentile(values, 50), percentile(values, 99)
        line = f"{name:<25} p50 {ms(p50)}  p99 {ms(p99)}"
        if baseline is not None:
            b50, b99 = percentile(baseline, 50), percentile(baseline, 99)
            line += f"  = {ratio(p50, b50)} / {ratio(p99, b99)} healthz"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--per-officer", type=int, default=30, help="call-next requests per officer")
    parser.add_argument("--samples", type=int, default=30, help="call-next-to-board samples")
    parser.add_argument("--workers", type=int, default=1, help="server processes (loket serve --workers)")
    parser.add_argument(
        "--profile",
        type=Path,
        help="folder: py-spy samples the server during the '8 at once' calls (KIND.txt, collapsed stacks)",
    )
    parser.add_argument(
        "--no-redis", action="store_true", help="serve without Redis (no change listener: sessions looked up)"
    )
    args = parser.parse_args()
    for kind in ["sqlite", "postgresql"] if args.db == "both" else [args.db]:
        if args.profile is not None:
            args.profile.mkdir(parents=True, exist_ok=True)
        into = args.profile / f"{kind}.txt" if args.profile is not None else None
        run_one(kind, args.per_officer, args.samples, args.workers, into, redis=not args.no_redis)


if __name__ == "__main__":
    main()
