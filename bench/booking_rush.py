"""The quota-release rush: N applicants with distinct valid NIKs race for one session.

Starts `loket serve` itself on a fresh database, measures GET /healthz on the same server as the
baseline, then fires the rush over 64 keep-alive connections and prints bookings/s, sold-out
answers/s, latency percentiles, places sold, places oversold (must be 0) and unexpected answers.

    .venv/bin/python bench/booking_rush.py --db sqlite
    .venv/bin/python bench/booking_rush.py --db postgresql
    .venv/bin/python bench/booking_rush.py --db postgresql --applicants 6000 --capacity 6000   # sustained
    .venv/bin/python bench/booking_rush.py --db postgresql --nginx 2   # two processes behind nginx
    .venv/bin/python bench/booking_rush.py --db postgresql --compare 2  # both in one run, and the ratios

With `--nginx N`, N separate `loket serve` processes share the Redis at LOKET_TEST_REDIS_URL
(change fan-out; a throwaway key prefix) behind Debian's nginx, configured as
tests/topology/nginx.conf.template (docs/operations.md); the CPU figures are the N processes'
together, nginx's own CPU not included.
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
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadgen import percentile, request_bytes, run_load

from loket.domain.calendar import WorkingCalendar
from loket.testing.applicants import applicant

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get("LOKET_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def booking_day() -> date:
    """A service day two or more days ahead in Palembang (so the hold is the full two hours)."""
    today = datetime.now(UTC).astimezone().date()
    return WorkingCalendar().next_service_days(today + timedelta(days=2), 1)[0]


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children so far (Linux /proc), in seconds."""
    total = 0.0
    pids = [pid] + [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for p in pids:
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def start_nginx(workdir: Path, port: int, backends: list[int]) -> subprocess.Popen[bytes]:
    """Debian's nginx (installed when missing) on `port` in front of `backends`, as the tests run it."""
    sys.path.insert(0, str(ROOT / "tests" / "topology"))
    from conftest import ensure_nginx, write_nginx_conf  # the topology tests' own set-up

    conf = write_nginx_conf(workdir, port, backends)
    proxy = subprocess.Popen(
        [
            ensure_nginx(),
            "-p",
            str(conf.parent),
            "-c",
            str(conf),
            "-e",
            str(conf.parent / "logs" / "error.log"),
        ]
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proxy
        except OSError:
            if time.monotonic() > deadline or proxy.poll() is not None:
                raise SystemExit("nginx did not start") from None
            time.sleep(0.2)


def loket(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "loket", *args], env=env, check=True, capture_output=True, cwd=ROOT)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--applicants", type=int, default=1000)
    parser.add_argument("--capacity", type=int, default=200, help="places in the one session")
    parser.add_argument("--sold-out", type=int, default=3000, help="extra requests once the session is full")
    parser.add_argument("--warmup", type=int, default=128, help="bookings in another session before the rush")
    parser.add_argument(
        "--sustained",
        type=int,
        default=2400,
        help="then this many bookings spread over the six sessions of the next day (0: skip)",
    )
    parser.add_argument("--health-requests", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument("--nginx", type=int, default=0, help="N separate processes behind nginx (0: direct)")
    parser.add_argument(
        "--compare",
        type=int,
        default=0,
        help="run twice: one process direct, then N processes behind nginx; print both and the ratios",
    )
    args = parser.parse_args()
    if not args.compare:
        print(json.dumps(measure(args), indent=2))
        return
    direct = measure(argparse.Namespace(**{**vars(args), "nginx": 0, "workers": 1}))
    proxied = measure(argparse.Namespace(**{**vars(args), "nginx": args.compare}))
    ratios = {
        key: round(float(proxied[key]) / float(direct[key]), 2)  # type: ignore[arg-type]
        for key in COMPARED
        if isinstance(direct.get(key), int | float) and direct[key]
    }
    print(json.dumps({"direct": direct, "nginx": proxied, "nginx_over_direct": ratios}, indent=2))


# The figures --compare puts side by side (nginx's figure over the direct one).
COMPARED = (
    "bookings_per_s",
    "sold_out_answers_per_s",
    "sustained_bookings_per_s",
    "booking_p50_ms",
    "booking_p99_ms",
    "server_cpu_ms_per_rush_request",
    "healthz_per_s",
)


def measure(args: argparse.Namespace) -> dict[str, object]:
    """One run on a fresh database: the servers, the rush, the check against the database."""
    workdir = Path(tempfile.mkdtemp(prefix="loket-bench-"))
    pg_name = None
    if args.db == "sqlite":
        url = f"sqlite:///{workdir / 'bench.db'}"
    else:
        pg_name = f"loket_bench_{secrets.token_hex(4)}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{pg_name}"')
        url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{pg_name}"
    port = free_port()
    env = {
        **os.environ,
        "LOKET_DATABASE_URL": url,
        # The server refuses the published default key; a fresh one per run.
        "LOKET_SECRET_KEY": secrets.token_urlsafe(48),
        "LOKET_PORT": str(port),
        "LOKET_LOG_LEVEL": "warning",
        # One connection budget however it is split (docs/operations.md: connection budgets).
        "LOKET_DATABASE_POOL_SIZE": str(max(8, 32 // (args.nginx or args.workers))),
        "LOKET_CATALOG_TTL_S": "5",
        # Every simulated applicant comes from this machine's one address: no rate or address limits.
        "LOKET_RATE_LIMIT": "off",
        # The rush measures the place-taking statement: bookings answer 201 with their billing code
        # (contact verification, issue 21, adds a code transaction per booking; off here).
        "LOKET_VERIFY_CONTACT": "false",
        "LOKET_MAX_BOOKINGS_PER_ADDRESS": "0",
    }
    day = booking_day()
    sessions = 6
    loket(env, "db", "upgrade")
    loket(env, "demo", "load")
    # The demo spreads a day's capacity over six sessions; this gives the 08:00 session `capacity`.
    loket(
        env,
        "quota",
        "set",
        "--office",
        "PLG",
        "--date",
        day.isoformat(),
        "--category",
        "regular",
        "--capacity",
        str(args.capacity * sessions),
    )
    day2 = WorkingCalendar().next_service_days(day, 2)[-1]
    if args.sustained:
        per_day = min(4800, -(-args.sustained // sessions) * sessions)
        loket(
            env,
            "quota",
            "set",
            "--office",
            "PLG",
            "--date",
            day2.isoformat(),
            "--category",
            "regular",
            "--capacity",
            str(per_day),
        )
    proxy: subprocess.Popen[bytes] | None = None
    if args.nginx:
        backends = [free_port() for _ in range(args.nginx)]
        env["LOKET_REDIS_URL"] = os.environ.get("LOKET_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
        env["LOKET_REDIS_PREFIX"] = f"loket-bench:{secrets.token_hex(4)}:"
        # One shell whose children are the servers: cpu_seconds(its pid) sums them.
        script = " & ".join(f"{sys.executable} -m loket serve --port {b}" for b in backends) + " & wait"
        server = subprocess.Popen(
            ["bash", "-c", script], env=env, cwd=workdir, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, start_new_session=True,
        )  # fmt: skip
    else:
        backends = [port]
        server = subprocess.Popen(
            [sys.executable, "-m", "loket", "serve", "--port", str(port), "--workers", str(args.workers)],
            env=env,
            cwd=workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        for backend in backends:
            while True:
                try:
                    socket.create_connection(("127.0.0.1", backend), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("server did not start") from None
                    time.sleep(0.2)
        if args.nginx:
            proxy = start_nginx(workdir, port, backends)
        host = f"127.0.0.1:{port}"
        report = asyncio.run(rush(args, host, port, day, server.pid, day2))
        report["db"] = args.db
        report["server_workers"] = args.nginx or args.workers
        report["behind_nginx"] = bool(args.nginx)
        report.update(check_database(url, day, args.capacity, report["sold"]))
    finally:
        if proxy is not None:
            proxy.terminate()
            proxy.wait(timeout=30)
        os.killpg(server.pid, signal.SIGTERM)
        _out, err = server.communicate(timeout=30)
        if err.strip():
            print(err.decode(errors="replace")[-3000:], file=sys.stderr)
        if pg_name:
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
    return report


async def rush(
    args: argparse.Namespace, host: str, port: int, day: date, pid: int, day2: date
) -> dict[str, object]:
    warm = [request_bytes("GET", "/healthz", host)] * 200
    await run_load("127.0.0.1", port, warm, args.connections)
    # A server that has been serving: connections open, statements prepared, the office cached.
    warm_bookings = [
        request_bytes(
            "POST",
            "/api/v1/offices/PLG/bookings",
            host,
            json.dumps(applicant(i, seed=8).booking_body(day, session="14:00")).encode(),
        )
        for i in range(args.warmup)
    ]
    await run_load("127.0.0.1", port, warm_bookings, args.connections)
    cpu0 = cpu_seconds(pid)
    health = await run_load(
        "127.0.0.1", port, [request_bytes("GET", "/healthz", host)] * args.health_requests, args.connections
    )
    health_cpu_ms = (cpu_seconds(pid) - cpu0) * 1000 / len(health.results)
    health_rps = len(health.results) / (health.finished - health.started)

    def body(i: int) -> bytes:
        return json.dumps(applicant(i, seed=7).booking_body(day)).encode()

    requests = [
        request_bytes("POST", "/api/v1/offices/PLG/bookings", host, body(i)) for i in range(args.applicants)
    ]
    cpu0 = cpu_seconds(pid)
    run = await run_load("127.0.0.1", port, requests, args.connections)
    rush_cpu_ms = (cpu_seconds(pid) - cpu0) * 1000 / len(run.results)
    created = run.by_status(201)
    full = run.by_status(409)
    others = [r for r in run.results if r.status not in (201, 409)]
    last_201 = max((r.done_at for r in created), default=run.started)
    booking_window = max(last_201 - run.started, 1e-9)
    # Sold-out answers alone: everyone after the session is full (fresh applicants, same session).
    more = [
        request_bytes("POST", "/api/v1/offices/PLG/bookings", host, body(args.applicants + i))
        for i in range(args.sold_out)
    ]
    cpu0 = cpu_seconds(pid)
    sold_out = await run_load("127.0.0.1", port, more, args.connections)
    sold_out_cpu_ms = (cpu_seconds(pid) - cpu0) * 1000 / max(1, len(sold_out.results))
    sold_out_409 = sold_out.by_status(409)
    so_rps = len(sold_out_409) / (sold_out.finished - sold_out.started)
    sustained: dict[str, object] = {}
    if args.sustained:
        names = ["08:00", "09:00", "10:00", "11:00", "13:00", "14:00"]
        spread = [
            request_bytes(
                "POST",
                "/api/v1/offices/PLG/bookings",
                host,
                json.dumps(applicant(i, seed=9).booking_body(day2, session=names[i % 6])).encode(),
            )
            for i in range(args.sustained)
        ]
        cpu0 = cpu_seconds(pid)
        long_run = await run_load("127.0.0.1", port, spread, args.connections)
        ok = long_run.by_status(201)
        rate = len(ok) / (long_run.finished - long_run.started)
        sustained = {
            "sustained_bookings": len(ok),
            "sustained_bookings_per_s": round(rate),
            "sustained_over_healthz": round(rate / health_rps, 3),
            "sustained_p50_ms": round(percentile([r.latency_s * 1000 for r in ok], 0.5), 2),
            "sustained_p99_ms": round(percentile([r.latency_s * 1000 for r in ok], 0.99), 2),
            "sustained_server_cpu_ms_per_booking": round(
                (cpu_seconds(pid) - cpu0) * 1000 / max(1, len(long_run.results)), 3
            ),
            "sustained_unexpected": len([r for r in long_run.results if r.status != 201]),
        }
    lat_201 = [r.latency_s * 1000 for r in created]
    lat_all = [r.latency_s * 1000 for r in run.results]
    bookings_per_s = len(created) / booking_window
    return sustained | {
        "connections": args.connections,
        "applicants": args.applicants,
        "capacity": args.capacity,
        "healthz_per_s": round(health_rps),
        "server_cpu_ms_per_healthz": round(health_cpu_ms, 3),
        "server_cpu_ms_per_rush_request": round(rush_cpu_ms, 3),
        "server_cpu_ms_per_sold_out": round(sold_out_cpu_ms, 3),
        "healthz_p99_ms": round(percentile([r.latency_s * 1000 for r in health.results], 0.99), 2),
        "bookings_per_s": round(bookings_per_s),
        "bookings_per_s_over_healthz": round(bookings_per_s / health_rps, 3),
        "rush_requests_per_s": round(len(run.results) / (run.finished - run.started)),
        "booking_p50_ms": round(percentile(lat_201, 0.5), 2),
        "booking_p95_ms": round(percentile(lat_201, 0.95), 2),
        "booking_p99_ms": round(percentile(lat_201, 0.99), 2),
        "rush_p99_ms": round(percentile(lat_all, 0.99), 2),
        "sold": len(created),
        "quota_full_answers": len(full),
        "sold_out_answers_per_s": round(so_rps),
        "sold_out_over_healthz": round(so_rps / health_rps, 3),
        "sold_out_p99_ms": round(percentile([r.latency_s * 1000 for r in sold_out.results], 0.99), 2),
        "unexpected_answers": len(others) + len([r for r in sold_out.results if r.status != 409]),
        "unexpected_statuses": sorted(
            {r.status for r in others} | {r.status for r in sold_out.results if r.status != 409}
        ),
    }


def check_database(url: str, day: date, capacity: int, sold: int) -> dict[str, object]:
    """Count what the database holds for the session: never more than its capacity."""
    from datetime import time as clock_time

    from sqlalchemy import create_engine, func, select

    from loket.store.database import sync_url
    from loket.store.tables import bookings, places

    engine = create_engine(sync_url(url))
    eight = clock_time(8, 0)
    with engine.connect() as conn:
        booked = conn.execute(
            select(func.count())
            .select_from(bookings)
            .where(
                bookings.c.office_code == "PLG",
                bookings.c.day == day,
                bookings.c.starts == eight,
                bookings.c.status.in_(("awaiting_payment", "paid")),
            )
        ).scalar_one()
        seats = conn.execute(
            select(func.count())
            .select_from(places)
            .where(
                places.c.office_code == "PLG",
                places.c.day == day,
                places.c.starts == eight,
                places.c.category == "regular",
            )
        ).scalar_one()
    engine.dispose()
    return {
        "places_in_session": seats,
        "bookings_in_database": booked,
        "oversold": max(0, booked - capacity),
        "responses_agree_with_database": booked == sold,
    }


if __name__ == "__main__":
    main()
