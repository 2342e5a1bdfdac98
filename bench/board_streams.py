"""Display boards at scale: /healthz and booking latency (wrk), and call-next to the board, with no
board connected and then with N boards (Server-Sent Events streams) open on the same server.

Starts `loket serve` itself on a fresh database (PostgreSQL by default) with the demo offices and
the floor office of bench/floor.py (BEN, a session under way now, applicants checked in). The
boards are opened by one separate client process (asyncio, raw sockets: it reads and discards, so
it takes little of the machine's CPU); wrk is the load client of the latency figures. Prints each
figure idle and with the boards, and the ratio; the ratios are what counts on a loaded machine.
Also prints how long the boards took to get their first event and the server's CPU while the
boards sit open and nothing happens on the floor.

    .venv/bin/python bench/board_streams.py                       # 2,000 boards, PostgreSQL
    .venv/bin/python bench/board_streams.py --streams 500 --db sqlite
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import psycopg

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from floor import board_delay, free_port, setup  # noqa: E402
from hotpaths import service_days, write_bodies  # noqa: E402
from wrk_driver import WrkRun, run  # noqa: E402

from loket.domain.calling import percentile  # noqa: E402
from loket.testing.applicants import applicant  # noqa: E402

PG_ADMIN = os.environ.get("LOKET_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BOOK_PATH = "/api/v1/offices/PLG/bookings"
EVENT = re.compile(rb"event: board\ndata: ")


# --- The boards: a client process of its own -------------------------------------------------


async def boards(port: int, count: int, office: str) -> None:
    """Open `count` board streams, report when every one has its first event, then read until
    stdin closes and report how many events each stream got."""
    got: list[int] = [0] * count
    firsts: list[float] = []
    ready = asyncio.Event()
    started = time.perf_counter()
    request = f"GET /api/v1/offices/{office}/board/events HTTP/1.1\r\nHost: bench\r\n\r\n".encode()
    writers: list[asyncio.StreamWriter] = []

    async def board(i: int) -> None:
        opened = time.perf_counter()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writers.append(writer)
        writer.write(request)
        tail = b""
        while True:
            data = await reader.read(65536)
            if not data:
                return
            # Events are whole chunks; only the count matters here (a tail guards a split read).
            seen = len(EVENT.findall(tail + data))
            tail = data[-18:]  # shorter than a whole marker: none is counted twice
            if seen:
                if got[i] == 0:
                    firsts.append(time.perf_counter() - opened)
                    if len(firsts) == count:
                        ready.set()
                got[i] += seen

    tasks = []
    for i in range(count):  # in batches: the listen backlog is finite
        tasks.append(asyncio.create_task(board(i)))
        if i % 100 == 99:
            await asyncio.sleep(0.05)
    await ready.wait()
    print(
        json.dumps(
            {
                "ready_s": time.perf_counter() - started,
                "first_p50_s": percentile(firsts, 50),
                "first_p99_s": percentile(firsts, 99),
            }
        ),
        flush=True,
    )
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    print(
        json.dumps({"events_min": min(got), "events_max": max(got), "open": sum(1 for g in got if g)}),
        flush=True,
    )
    for w in writers:
        w.close()
    for t in tasks:
        t.cancel()


# --- The run ----------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu(pid: int, seconds: float) -> float:
    """The server's share of one core over `seconds`."""
    before = cpu_seconds(pid)
    time.sleep(seconds)
    return (cpu_seconds(pid) - before) / seconds


def measure(base: str, pid: int, bodies: Path, args: argparse.Namespace) -> dict[str, object]:
    idle_cpu = server_cpu(pid, 3)
    health = run(base + "/healthz", seconds=args.seconds, connections=args.connections)
    booking = run(base + BOOK_PATH, seconds=args.seconds, connections=args.connections, bodies=bodies)
    delays = asyncio.run(board_delay(base, args.samples))
    return {"cpu": idle_cpu, "healthz": health, "booking": booking, "board": delays}


def ratio(value: float, base: float) -> str:
    return f"{value / base:5.2f}x" if base else "  n/a"


def report(kind: str, streams: int, idle: dict, loaded: dict, boards_ready: dict, boards_end: dict) -> None:
    print(f"== {kind}: {streams} board streams open on one server (ratios: with boards / without)")
    print(
        f"boards connected in {boards_ready['ready_s']:.1f} s; first event p50 "
        f"{boards_ready['first_p50_s'] * 1000:.0f} ms, p99 {boards_ready['first_p99_s'] * 1000:.0f} ms; "
        f"{boards_end['open']} streams got events "
        f"({boards_end['events_min']}-{boards_end['events_max']} each)"
    )
    print(f"server CPU, floor quiet: {idle['cpu'] * 100:5.1f}% of a core -> {loaded['cpu'] * 100:5.1f}%")
    for name in ("healthz", "booking"):
        a: WrkRun = idle[name]
        b: WrkRun = loaded[name]
        print(
            f"{name:<8} p50 {a.p50_ms:7.1f} -> {b.p50_ms:7.1f} ms ({ratio(b.p50_ms, a.p50_ms)})   "
            f"p99 {a.p99_ms:7.1f} -> {b.p99_ms:7.1f} ms ({ratio(b.p99_ms, a.p99_ms)})   "
            f"{a.rps:6.0f} -> {b.rps:6.0f} req/s   errors {a.errors + a.non_2xx}/{b.errors + b.non_2xx}"
        )
    a50, a99 = percentile(idle["board"], 50), percentile(idle["board"], 99)
    b50, b99 = percentile(loaded["board"], 50), percentile(loaded["board"], 99)
    print(
        f"call-next -> board p50 {a50 * 1000:7.1f} -> {b50 * 1000:7.1f} ms   "
        f"p99 {a99 * 1000:7.1f} -> {b99 * 1000:7.1f} ms ({len(idle['board'])}/{len(loaded['board'])} samples)"
    )


def run_one(kind: str, args: argparse.Namespace) -> None:
    tickets = 2 * args.samples + 4
    with tempfile.TemporaryDirectory() as tmp:
        admin = None
        if kind == "sqlite":
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        else:
            admin = psycopg.connect(PG_ADMIN, autocommit=True)
            name = f"loket_bench_{uuid.uuid4().hex[:8]}"
            admin.execute(f'CREATE DATABASE "{name}"')
            url = f"{PG_ADMIN.rsplit('/', 1)[0].replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"
        env = {
            **os.environ,
            "LOKET_DATABASE_URL": url,
            "LOKET_SECRET_KEY": secrets.token_urlsafe(48),  # the server refuses the published default
            "LOKET_LOG_LEVEL": "warning",
            "LOKET_RATE_LIMIT": "off",  # every client is this machine's one address
            "LOKET_MAX_BOOKINGS_PER_ADDRESS": "0",
            "LOKET_VERIFY_CONTACT": "false",  # the latency of a booking, not of a code
        }
        server = None
        try:

            def loket(*command: str) -> None:
                subprocess.run(
                    [sys.executable, "-m", "loket", *command],
                    env=env,
                    check=True,
                    cwd=tmp,
                    capture_output=True,
                )

            loket("db", "upgrade")
            loket("demo", "load")
            days = service_days(4)
            for day in days:
                loket(
                    "quota",
                    "set",
                    "--office",
                    "PLG",
                    "--date",
                    day.isoformat(),
                    "--category",
                    "regular",
                    "--capacity",
                    "4998",
                )
            asyncio.run(setup(url, tickets))
            per = 4998
            people = [
                applicant(i, seed=21).booking_body(
                    days[i // per], session=("08:00", "09:00", "10:00", "11:00", "13:00", "14:00")[i % 6]
                )
                for i in range(per * len(days))
            ]
            # Three sets (warm-up, without boards, with boards): every booking is a new applicant.
            third = len(people) // 3
            bodies = [
                write_bodies(Path(tmp) / f"{n}.jsonl", people[n * third : (n + 1) * third]) for n in range(3)
            ]
            port = free_port()
            server = subprocess.Popen(
                [sys.executable, "-m", "loket", "serve", "--port", str(port)],
                env=env,
                cwd=tmp,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
            # Warm: connections, prepared statements, caches.
            run(base + "/healthz", seconds=2, connections=args.connections)
            run(base + BOOK_PATH, seconds=2, connections=args.connections, bodies=bodies[0])
            idle = measure(base, server.pid, bodies[1], args)
            client = subprocess.Popen(
                [sys.executable, __file__, "--boards-of", str(port), "--streams", str(args.streams)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            assert client.stdout is not None and client.stdin is not None
            ready = json.loads(client.stdout.readline())
            loaded = measure(base, server.pid, bodies[2], args)
            client.stdin.close()
            end = json.loads(client.stdout.readline())
            client.wait(timeout=30)
            report(kind, args.streams, idle, loaded, ready, end)
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=30)
            if admin is not None:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="postgresql")
    parser.add_argument("--streams", type=int, default=2000, help="board streams to open")
    parser.add_argument("--seconds", type=float, default=8, help="seconds of each wrk run")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--samples", type=int, default=20, help="call-next-to-board samples")
    parser.add_argument("--boards-of", type=int, help=argparse.SUPPRESS)  # the board client process
    args = parser.parse_args()
    if args.boards_of:
        asyncio.run(boards(args.boards_of, args.streams, "BEN"))
        return
    for kind in ["sqlite", "postgresql"] if args.db == "both" else [args.db]:
        run_one(kind, args)


if __name__ == "__main__":
    main()
