"""Loket's hot paths against a bare endpoint, measured in one run and driven by wrk.

Two servers on the same PostgreSQL: `loket serve` on a fresh database with the demo, and
bench/bare_endpoint.py (FastAPI + asyncpg: pydantic validation, one conditional UPDATE feeding an
INSERT). For each, in turn: GET /healthz; bookings while places are free (every request a
distinct valid applicant, spread over the six sessions of a dozen service days); and sold-out
answers (all into one full session, which Loket answers with the nearest sessions that have
places). Prints requests/s and p50/p99 of each, the ratio Loket / bare, and the oversold count
(must be 0) read back from both databases.

    .venv/bin/pip install -e '.[bench]'          # asyncpg for the bare endpoint (make bench does it)
    .venv/bin/python bench/hotpaths.py            # one server process
    .venv/bin/python bench/hotpaths.py --workers 2
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wrk_driver import WrkRun, ensure_wrk, run

from loket.domain.calendar import WorkingCalendar
from loket.testing.applicants import applicant

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get("LOKET_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SESSIONS = ("08:00", "09:00", "10:00", "11:00", "13:00", "14:00")
PER_DAY = 4998  # the most a day may hold (5,000) that six sessions split evenly
BOOK_PATH = "/api/v1/offices/PLG/bookings"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def service_days(count: int) -> list[date]:
    """`count` service days in Palembang from the day after tomorrow (inside the booking window)."""
    today = datetime.now(UTC).astimezone().date()
    return WorkingCalendar().next_service_days(today + timedelta(days=2), count)


def write_bodies(path: Path, bodies: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(b, separators=(",", ":")) + "\n" for b in bodies))
    return path


def wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90  # a loaded shared machine starts a server slowly
    while True:
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"{url} did not start")
        time.sleep(0.2)


def oversold(dsn: str, query: str) -> int:
    with psycopg.connect(dsn) as conn:
        return int(conn.execute(query).fetchone()[0])  # type: ignore[index]


# Bookings holding a place beyond the places a session has (the places table is the capacity).
LOKET_OVERSOLD = """
SELECT coalesce(sum(greatest(b.n - p.n, 0)), 0)
FROM (SELECT office_code, day, starts, category, count(*) AS n FROM bookings
      WHERE status IN ('awaiting_payment', 'paid') GROUP BY 1, 2, 3, 4) b
JOIN (SELECT office_code, day, starts, category, count(*) AS n FROM places GROUP BY 1, 2, 3, 4) p
  USING (office_code, day, starts, category)
"""
BARE_OVERSOLD = "SELECT coalesce(sum(greatest(taken - capacity, 0)), 0) FROM bare_places"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=8, help="seconds of each measured run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=1, help="server processes, for both servers")
    parser.add_argument("--days", type=int, default=12, help="service days of free places")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure each path this many times, bare and Loket alternating; the medians are reported "
        "(on a shared machine the load changes between runs: alternating keeps each ratio fair)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="folder: py-spy samples the Loket server during each measured run (collapsed stacks)",
    )
    args = parser.parse_args()
    ensure_wrk()

    names = {kind: f"loket_hot_{kind}_{secrets.token_hex(3)}" for kind in ("loket", "bare")}
    base = PG_ADMIN.rsplit("/", 1)[0]
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        for name in names.values():
            admin.execute(f'CREATE DATABASE "{name}"')
    workdir = Path(tempfile.mkdtemp(prefix="loket-hot-"))
    processes: list[subprocess.Popen[bytes]] = []
    try:
        report = measure(args, names, base, workdir, processes)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            for name in names.values():
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print_table(report)
    print(json.dumps(report, indent=2))


def measure(
    args: argparse.Namespace,
    names: dict[str, str],
    base: str,
    workdir: Path,
    processes: list[subprocess.Popen[bytes]],
) -> dict[str, object]:
    loket_dsn, bare_dsn = f"{base}/{names['loket']}", f"{base}/{names['bare']}"
    days = service_days(args.days + 1)
    free_days, full_day = days[:-1], days[-1]
    pool = str(max(8, 32 // args.workers))
    env = {
        **os.environ,
        "LOKET_DATABASE_URL": loket_dsn.replace("postgresql://", "postgresql+psycopg://", 1),
        # The server refuses the published default key; a fresh one per run.
        "LOKET_SECRET_KEY": secrets.token_urlsafe(48),
        "LOKET_LOG_LEVEL": "warning",
        "LOKET_DATABASE_POOL_SIZE": pool,
        # Every simulated applicant comes from this machine's one address: no rate or address limits.
        "LOKET_RATE_LIMIT": "off",
        # The rush measures the place-taking statement: bookings answer 201 with their billing code
        # (contact verification, issue 21, adds a code transaction per booking; off here).
        "LOKET_VERIFY_CONTACT": "false",
        "LOKET_MAX_BOOKINGS_PER_ADDRESS": "0",
    }

    def loket(*command: str) -> None:
        subprocess.run([sys.executable, "-m", "loket", *command], env=env, check=True, capture_output=True)

    loket("db", "upgrade")
    loket("demo", "load")
    for day, capacity in [*((d, PER_DAY) for d in free_days), (full_day, len(SESSIONS))]:
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
            str(capacity),
        )
    with psycopg.connect(bare_dsn, autocommit=True) as conn:
        from bare_endpoint import SCHEMA

        conn.execute(SCHEMA)
        # The bare endpoint never runs out over several rounds (Loket's free bodies are split per round).
        rows = [("PLG", d, s, "regular", 1_000_000) for d in free_days for s in SESSIONS]
        rows += [("PLG", full_day, s, "regular", 1) for s in SESSIONS]
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO bare_places VALUES (%s, %s, %s, %s, %s)", rows)

    every_free = [
        applicant(i, seed=7).booking_body(free_days[i // PER_DAY], session=SESSIONS[i % len(SESSIONS)])
        for i in range(PER_DAY * len(free_days))
    ]
    per_round = len(every_free) // args.rounds
    # Each round books applicants of its own (a NIK sent twice would be answered 409).
    free_rounds = [
        write_bodies(workdir / f"free{r}.jsonl", every_free[r * per_round : (r + 1) * per_round])
        for r in range(args.rounds)
    ]
    warm = write_bodies(
        workdir / "warm.jsonl", [applicant(i, seed=11).booking_body(full_day) for i in range(3000)]
    )
    full = write_bodies(
        workdir / "full.jsonl", [applicant(i, seed=9).booking_body(full_day) for i in range(30000)]
    )

    ports = {"loket": free_port(), "bare": free_port()}
    commands = {
        "loket": [
            sys.executable,
            "-m",
            "loket",
            "serve",
            "--port",
            str(ports["loket"]),
            "--workers",
            str(args.workers),
        ],
        "bare": [
            sys.executable,
            "-m",
            "uvicorn",
            "bare_endpoint:app",
            "--port",
            str(ports["bare"]),
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
    }
    envs = {"loket": env, "bare": {**os.environ, "BARE_DSN": bare_dsn, "BARE_POOL_SIZE": pool}}
    logs = {kind: workdir / f"{kind}.log" for kind in commands}
    for kind, command in commands.items():
        process = subprocess.Popen(
            command,
            env=envs[kind],
            cwd=Path(__file__).parent,
            stdout=subprocess.DEVNULL,
            # Warnings and errors only (log level warning): an answer that was not meant is in here.
            stderr=logs[kind].open("wb"),
        )
        processes.append(process)
        wait_for(f"http://127.0.0.1:{ports[kind]}", process)

    rounds: dict[str, dict[str, list[WrkRun]]] = {
        name: {"bare": [], "loket": []} for name in ("healthz", "booking", "sold_out")
    }
    for kind in ("bare", "loket"):  # warm: connections open, statements prepared, caches filled
        url = f"http://127.0.0.1:{ports[kind]}"
        run(url + "/healthz", seconds=2, connections=args.connections)
        run(url + BOOK_PATH, seconds=2, connections=args.connections, bodies=warm)
    for r in range(args.rounds):
        for path, bodies, name in (
            ("/healthz", None, "healthz"),
            (BOOK_PATH, free_rounds[r], "booking"),
            (BOOK_PATH, full, "sold_out"),
        ):
            for kind in ("bare", "loket"):
                spy = profile(args, name, processes[0]) if kind == "loket" and r == 0 else None
                server = processes[0 if kind == "loket" else 1]
                cpu_before = tree_cpu_s(server.pid), backends_cpu_s(PG_ADMIN, names[kind])
                result = run(
                    f"http://127.0.0.1:{ports[kind]}{path}",
                    seconds=args.seconds,
                    connections=args.connections,
                    bodies=bodies,
                )
                # CPU per request: what the load on a shared machine changes least.
                result.server_cpu_ms = (
                    1000 * (tree_cpu_s(server.pid) - cpu_before[0]) / max(1, result.requests)
                )
                result.db_cpu_ms = (
                    1000 * (backends_cpu_s(PG_ADMIN, names[kind]) - cpu_before[1]) / max(1, result.requests)
                )
                rounds[name][kind].append(result)
                if spy is not None:
                    spy.wait(timeout=60)
    figures = {
        name: {kind: median_run(runs) for kind, runs in by_kind.items()} for name, by_kind in rounds.items()
    }

    # What the servers logged (warnings and errors): a booking refused by an error shows here.
    server_log = {kind: path.read_text(errors="replace").splitlines()[-20:] for kind, path in logs.items()}
    sold_out_answer = httpx.post(
        f"http://127.0.0.1:{ports['loket']}{BOOK_PATH}",
        json=applicant(29_999, seed=13).booking_body(full_day),
    ).json()
    return {
        "workers": args.workers,
        "connections": args.connections,
        "seconds": args.seconds,
        "figures": {
            name: {kind: vars(result) for kind, result in by_kind.items()}
            for name, by_kind in figures.items()
        },
        "rounds": args.rounds,
        # The median of the rounds' ratios (each round's bare and Loket runs are neighbours in time).
        "ratios": {
            name: round(
                statistics.median(
                    lk.rps / bare.rps for lk, bare in zip(by_kind["loket"], by_kind["bare"], strict=True)
                ),
                3,
            )
            for name, by_kind in rounds.items()
        },
        "round_ratios": {
            name: [
                round(lk.rps / bare.rps, 3)
                for lk, bare in zip(by_kind["loket"], by_kind["bare"], strict=True)
            ]
            for name, by_kind in rounds.items()
        },
        "oversold": {"loket": oversold(loket_dsn, LOKET_OVERSOLD), "bare": oversold(bare_dsn, BARE_OVERSOLD)},
        "sold_out_answer": sold_out_answer,
        "server_log_tail": server_log,
    }


TICK_S = 1 / os.sysconf("SC_CLK_TCK")


def tree_cpu_s(root: int) -> float:
    """CPU seconds (user + system) used so far by `root` and its descendants (Linux /proc)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        times[pid] = (int(fields[11]) + int(fields[12])) * TICK_S
    inside = {root}
    for _ in range(4):  # uvicorn's supervisor, its workers (and nothing deeper)
        inside |= {pid for pid, parent in parents.items() if parent in inside}
    return sum(times.get(pid, 0.0) for pid in inside)


_watcher: psycopg.Connection | None = None


def backends_cpu_s(dsn: str, database: str) -> float:
    """CPU seconds used so far by the PostgreSQL backends serving `database` (same host)."""
    global _watcher
    if _watcher is None or _watcher.closed:  # one connection for the whole run: the server is shared
        _watcher = psycopg.connect(dsn, autocommit=True)
    query = "SELECT pid FROM pg_stat_activity WHERE datname = %s"
    pids = [row[0] for row in _watcher.execute(query, (database,))]
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) * TICK_S
    return total


def median_run(runs: list[WrkRun]) -> WrkRun:
    """Each figure the median of the rounds' figures."""
    return WrkRun(
        **{
            field: type(getattr(runs[0], field))(statistics.median(getattr(r, field) for r in runs))
            for field in vars(runs[0])
        }
    )


def profile(
    args: argparse.Namespace, name: str, server: subprocess.Popen[bytes]
) -> subprocess.Popen[bytes] | None:
    """py-spy recording the server (and its worker processes) for the length of one run."""
    if args.profile is None:
        return None
    args.profile.mkdir(parents=True, exist_ok=True)
    spy = Path(sys.executable).with_name("py-spy")
    return subprocess.Popen(
        [
            str(spy),
            "record",
            "--pid",
            str(server.pid),
            "--subprocesses",
            "--duration",
            str(args.seconds),
            "--rate",
            "200",
            "--format",
            "raw",
            "--output",
            str(args.profile / f"{name}.txt"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def print_table(report: dict[str, object]) -> None:
    figures: dict[str, dict[str, dict[str, float]]] = report["figures"]  # type: ignore[assignment]
    print(
        f"workers={report['workers']} connections={report['connections']} seconds={report['seconds']} "
        f"rounds={report['rounds']} (medians)"
    )
    print(
        f"{'path':10} {'Loket/s':>9} {'p50':>8} {'p99':>8} {'non2xx':>7} | {'bare/s':>9} {'p50':>8} "
        f"{'p99':>8} {'non2xx':>7} | ratio | CPU ms/request Loket app+db, bare app+db"
    )
    for name, by_kind in figures.items():
        lk, bare = by_kind["loket"], by_kind["bare"]
        print(
            f"{name:10} {lk['rps']:9.0f} {lk['p50_ms']:7.1f}ms {lk['p99_ms']:7.1f}ms {lk['non_2xx']:7d} | "
            f"{bare['rps']:9.0f} {bare['p50_ms']:7.1f}ms {bare['p99_ms']:7.1f}ms {bare['non_2xx']:7d} | "
            f"{report['ratios'][name]:.2f}  | "  # type: ignore[index]
            f"{lk['server_cpu_ms']:.2f}+{lk['db_cpu_ms']:.2f}, "
            f"{bare['server_cpu_ms']:.2f}+{bare['db_cpu_ms']:.2f}"
        )
    print(f"oversold: {report['oversold']}")


if __name__ == "__main__":
    main()
