"""Two `loket serve` processes behind nginx, sharing PostgreSQL and Redis: a per-address limit holds
across both, a quota raised on one is bookable on the other, and a number called on one is on the
board the other serves, each within the second issue 18 promises; a process killed mid-rush loses
no booking it confirmed."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import httpx
import psycopg

from loket.testing.applicants import applicant

from .conftest import PASSWORD, Topology

BOT = "203.0.113.9"


def sign_in(client: httpx.Client, username: str) -> dict[str, str]:
    done = client.post("/api/v1/staff/login", json={"username": username, "password": PASSWORD})
    assert done.status_code == 200, done.text
    return {"X-CSRF-Token": str(done.json()["csrf_token"])}


def within_a_second(attempt) -> httpx.Response:  # type: ignore[no-untyped-def]
    """Repeat `attempt()` until it answers 2xx or a second has passed; the last answer."""
    deadline = time.monotonic() + 1.0
    while True:
        answer: httpx.Response = attempt()
        if answer.is_success or time.monotonic() > deadline:
            return answer
        time.sleep(0.05)


def test_the_per_address_limit_holds_across_both_processes(topology: Topology) -> None:
    # booking_address is 6/3600 here: the 7th request from the address is refused wherever it lands.
    with httpx.Client(base_url=topology.url, timeout=10) as client:
        answers = [
            client.post("/api/v1/offices/PLG/bookings", json={}, headers={"X-Forwarded-For": BOT})
            for _ in range(7)
        ]
        other = client.post(
            "/api/v1/offices/PLG/bookings", json={}, headers={"X-Forwarded-For": "203.0.113.10"}
        )
    assert [a.status_code for a in answers] == [422] * 6 + [429]
    assert int(answers[-1].headers["retry-after"]) >= 1 and answers[-1].json()["error"] == "rate_limited"
    assert other.status_code == 422  # another address has its own budget
    served = topology.upstreams()
    backends = {b.removeprefix("http://") for b in topology.backends}
    assert set(served[:7]) == backends  # nginx spread them: both processes counted into one budget


def _bookable_day(client: httpx.Client) -> date:
    start = datetime.now(UTC).date() + timedelta(days=2)
    found = client.get("/api/v1/offices/PLG/availability", params={"from": start.isoformat()}).json()
    return date.fromisoformat(next(d["date"] for d in found["days"] if d["sessions"]))


def test_a_quota_raised_on_one_process_is_bookable_on_the_other(topology: Topology) -> None:
    topology.add_staff("PLG", "supervisor", "sari")
    first = httpx.Client(base_url=topology.backends[0], timeout=10)
    second = httpx.Client(base_url=topology.backends[1], timeout=10)
    with first, second:
        day = _bookable_day(first)
        headers = sign_in(second, "sari")
        quota = f"/api/v1/offices/PLG/quotas/{day.isoformat()}"
        done = second.put(quota, json={"category": "regular", "capacity": 1}, headers=headers)
        assert done.status_code == 200, done.text
        session = next(s["session"] for s in done.json()["sessions"] if s["capacity"])

        def book(i: int, session: str = session) -> httpx.Response:
            body = applicant(i, seed=18).booking_body(day, session=session)
            return first.post(
                "/api/v1/offices/PLG/bookings", json=body, headers={"X-Forwarded-For": f"36.80.0.{i}"}
            )

        assert book(1).status_code == 201
        full = book(2)
        assert full.status_code == 409, full.text  # and the first process now remembers it full
        raised = second.put(quota, json={"category": "regular", "capacity": 8}, headers=headers)
        assert raised.status_code == 200, raised.text
        left = next(s for s in raised.json()["sessions"] if s["session"] == session)
        assert left["left"] >= 1, raised.text
        tries = iter(range(3, 250))
        made = within_a_second(lambda: book(next(tries)))
        assert made.status_code == 201, made.text

        # A session added on the second process: the first cached the office without it (for 300 s
        # here), so only the fan-out lets it take a booking there within the second.
        sessions = [(s["session"], s["ends"]) for s in first.get("/api/v1/offices/PLG").json()["sessions"]]
        assert ("16:00", "17:00") not in sessions
        unknown = book(300, session="16:00")
        assert unknown.status_code == 422, unknown.text  # the first process knows no such session
        added = second.put(
            "/api/v1/offices/PLG/sessions",
            json={"sessions": [*sessions, ("16:00", "17:00")]},
            headers=headers,
        )
        assert added.status_code == 200, added.text
        spread = second.put(quota, json={"category": "regular", "capacity": 70}, headers=headers)
        assert any(s["session"] == "16:00" and s["left"] for s in spread.json()["sessions"]), spread.text
        new_ones = iter(range(301, 400))
        made = within_a_second(lambda: book(next(new_ones), session="16:00"))
        assert made.status_code == 201, made.text


def test_a_call_on_one_process_reaches_a_board_on_the_other(topology: Topology) -> None:
    made = topology.loket_script("floor_setup.py")
    booking = json.loads(made.strip().splitlines()[-1])
    topology.add_staff("TST", "officer", "budi")
    with httpx.Client(base_url=topology.backends[1], timeout=10) as officer:
        headers = sign_in(officer, "budi")
        checked = officer.post("/api/v1/offices/TST/check-in", json=booking, headers=headers)
        assert checked.status_code in (200, 201), checked.text
        opened = officer.post(
            "/api/v1/offices/TST/stations/INT1/state", json={"state": "open"}, headers=headers
        )
        assert opened.is_success, opened.text
        # The board is served by the other process (the poll there is 30 s: only the fan-out is quick).
        with (
            httpx.Client(base_url=topology.backends[0], timeout=httpx.Timeout(10, read=5)) as tv,
            tv.stream("GET", "/api/v1/offices/TST/board/events") as stream,
        ):
            events = stream.iter_lines()
            first = _next_board(events)
            assert first["calls"] == []
            called = officer.post("/api/v1/offices/TST/stations/INT1/call-next", headers=headers)
            assert called.status_code == 200, called.text
            started = time.monotonic()
            board = _next_board(events)
            took = time.monotonic() - started
    assert board["calls"][0]["ticket"] == called.json()["ticket"]
    assert took < 1.0, f"the call reached the other process's board after {took:.2f} s"


def _next_board(lines) -> dict:  # type: ignore[no-untyped-def,type-arg]
    for line in lines:
        if line.startswith("data: "):
            return dict(json.loads(line.removeprefix("data: ")))
    raise AssertionError("the stream ended")


async def test_a_process_killed_mid_rush_loses_no_confirmed_booking(topology: Topology) -> None:
    day = _bookable_day(httpx.Client(base_url=topology.url, timeout=10))
    # Room for everyone: whatever is refused is refused because its process died, not for want of places.
    quota = ["--office", "PLG", "--date", day.isoformat(), "--category", "regular", "--capacity", "1200"]
    done = topology.loket("quota", "set", *quota)
    assert done.returncode == 0, done.stderr
    killed = topology.processes[0]
    answers: list[httpx.Response | Exception] = []

    async def one(client: httpx.AsyncClient, i: int) -> None:
        body = applicant(i, seed=81).booking_body(day, session=("08:00", "09:00", "10:00")[i % 3])
        try:
            answers.append(
                await client.post(
                    "/api/v1/offices/PLG/bookings",
                    json=body,
                    headers={"X-Forwarded-For": f"36.90.{i // 200}.{i % 200}"},
                )
            )
        except httpx.TransportError as exc:
            answers.append(exc)
        if len(answers) == 60 and killed.poll() is None:
            killed.send_signal(signal.SIGKILL)  # mid-rush, requests in flight on it

    limits = httpx.Limits(max_connections=24)
    async with httpx.AsyncClient(base_url=topology.url, timeout=30, limits=limits) as client:
        await asyncio.gather(*(one(client, i) for i in range(300)))
    assert killed.poll() is not None
    statuses = Counter(a.status_code if isinstance(a, httpx.Response) else type(a).__name__ for a in answers)
    # The dead process's in-flight requests: 502 from nginx, or, when the kill came while its answer
    # was already on its way (nginx had passed the status line on), the connection cut mid-answer;
    # never a 500, a timeout or a refused connection. Either way the client holds no 201.
    assert set(statuses) <= {201, 502, "RemoteProtocolError"}, statuses
    assert statuses[502] + statuses["RemoteProtocolError"] <= 24, statuses  # at most those in flight
    assert statuses[201] > 60, statuses  # the other process kept booking
    confirmed = {
        a.json()["booking_code"] for a in answers if isinstance(a, httpx.Response) and a.status_code == 201
    }
    dsn = topology.env["LOKET_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        stored = {
            row[0]
            for row in conn.execute(
                "SELECT booking_code FROM bookings WHERE office_code = 'PLG' AND day = %s", (day,)
            )
        }
    assert confirmed <= stored  # every booking answered 201 is in the database


def test_calendar_changes_made_by_the_cli_reach_both_processes(topology: Topology) -> None:
    # Both processes cache the office for 300 s here: only the CLI's published change (the same
    # message a web process sends) can make them see a closure or an extra day within the second.
    clients = [httpx.Client(base_url=b, timeout=10) for b in topology.backends]

    def listed(client: httpx.Client, first: date, last: date) -> set[date]:
        params = {"from": first.isoformat(), "to": last.isoformat()}
        found = client.get("/api/v1/offices/PLG/availability", params=params)
        assert found.status_code == 200, found.text
        return {date.fromisoformat(d["date"]) for d in found.json()["days"] if d["sessions"]}

    def seen_by_both(first: date, last: date, wanted: bool, day: date) -> bool:
        deadline = time.monotonic() + 1.0
        while True:
            if all((day in listed(c, first, last)) == wanted for c in clients):
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)

    try:
        day = _bookable_day(clients[0])
        saturday = day + timedelta(days=(5 - day.weekday()) % 7 or 7)
        last = saturday + timedelta(days=1)
        for client in clients:  # both have the office cached, the day open, the Saturday closed
            assert day in listed(client, day, last) and saturday not in listed(client, day, last)

        closed = topology.loket(
            "calendar", "close", "--office", "PLG", "--from", day.isoformat(), "--to", day.isoformat(),
            "--reason", "Pemadaman listrik",
        )  # fmt: skip
        assert closed.returncode == 0, closed.stderr
        assert seen_by_both(day, last, False, day), "a closure by the CLI did not reach both processes"

        extra = topology.loket(
            "calendar", "extra-day", "--office", "PLG", "--date", saturday.isoformat(),
            "--reason", "Layanan Sabtu",
        )  # fmt: skip
        assert extra.returncode == 0, extra.stderr
        assert seen_by_both(day, last, True, saturday), "an extra day by the CLI did not reach both processes"
    finally:
        for client in clients:
            client.close()


def test_a_sign_out_or_a_new_password_ends_a_session_in_both_processes(topology: Topology) -> None:
    # Each process keeps the sessions it looked up (services/staff_sessions.py) while it hears the
    # others: a sign-out on one, or `loket staff password` from the command line, must end the
    # session the other kept within the second, never after the cache's 60 s.
    topology.add_staff("PLG", "officer", "wati")
    first, second = (httpx.Client(base_url=b, timeout=10) for b in topology.backends)

    def refused_by(client: httpx.Client) -> bool:
        deadline = time.monotonic() + 1.0
        while client.get("/api/v1/staff/me").status_code != 401:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def signed_in_on_both() -> dict[str, str]:
        headers = sign_in(first, "wati")
        second.cookies = httpx.Cookies(first.cookies)
        for client in (first, second):  # both look the session up, and keep it
            for _ in range(2):
                assert client.get("/api/v1/staff/me").status_code == 200
        return headers

    try:
        headers = signed_in_on_both()
        out = first.post("/api/v1/staff/logout", headers=headers)
        assert out.status_code == 204, out.text
        assert refused_by(second), "a sign-out on one process did not reach the other"

        signed_in_on_both()
        changed = topology.loket(
            "staff", "password", "--username", "wati", input="kata-sandi-baru-77\nkata-sandi-baru-77\n"
        )
        assert changed.returncode == 0, changed.stderr
        assert refused_by(first) and refused_by(second), "the new password did not end the session"
    finally:
        first.close()
        second.close()
