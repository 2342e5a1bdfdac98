"""wrk (Debian's package, installed here when missing) as the load client of the benchmarks, and
its report read into numbers. A C client on its own threads takes far less of the two cores
than a Python one, so the server's figures are the server's."""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

LUA = Path(__file__).resolve().parent / "wrk" / "bodies.lua"
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def ensure_wrk() -> str:
    """The wrk binary, installed with apt-get (root on the bench machines) when missing."""
    found = shutil.which("wrk")
    if found:
        return found
    with open(Path(tempfile.gettempdir()) / "loket-bench-apt.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not shutil.which("wrk"):
            env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            wait = ["-o", "DPkg::Lock::Timeout=600"]
            subprocess.run(["apt-get", *wait, "update", "-qq"], check=True, env=env)
            subprocess.run(["apt-get", *wait, "install", "-y", "-qq", "wrk"], check=True, env=env)
    found = shutil.which("wrk")
    assert found, "wrk could not be installed"
    return found


@dataclass
class WrkRun:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    errors: int
    server_cpu_ms: float = 0.0  # CPU per request of the server's processes (hotpaths.py fills it)
    db_cpu_ms: float = 0.0  # and of its PostgreSQL backends


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def parse(report: str) -> WrkRun:
    """Numbers out of `wrk --latency` output."""
    done = re.search(r"(\d+) requests in ([\d.]+)(s|m)", report)
    assert done, report
    seconds = float(done.group(2)) * (60 if done.group(3) == "m" else 1)
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", report, re.M))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", report))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", report)
    return WrkRun(
        requests=int(done.group(1)),
        seconds=seconds,
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", report).group(1)),  # type: ignore[union-attr]
        p50_ms=_ms(latency["50"]),
        p99_ms=_ms(latency["99"]),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        errors=errors,
    )


def run(
    url: str,
    *,
    seconds: float,
    connections: int = 64,
    threads: int = 2,
    bodies: Path | None = None,
) -> WrkRun:
    """wrk against `url` for `seconds`: GETs, or POSTs of the lines of `bodies` (one JSON each)."""
    command = [
        ensure_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{round(seconds)}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    if bodies is not None:
        path = "/" + url.split("/", 3)[3]
        command += ["-s", str(LUA), url, "--", path, str(bodies), str(threads)]
    else:
        command.append(url)
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return parse(out)
