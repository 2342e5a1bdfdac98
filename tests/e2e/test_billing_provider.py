"""End to end against the billing simulator, a real HTTP peer: a booking gets its code from the
provider; the provider's signed notification confirms it; a provider that is down or slow leaves
the booking awaiting its code until the worker fetches it; duplicate and late notifications are
recorded and open a refund. Both databases."""

from __future__ import annotations

import asyncio
from datetime import date, datetime

import httpx

from loket.clock import FrozenClock
from loket.domain.payment import SIGNATURE_HEADER, sign
from loket.services import refunds as refund_service
from loket.services.catalog import Catalog
from loket.services.worker import worker_round
from loket.store.database import Database
from loket.testing.applicants import applicant
from loket.web.csrf import COOKIE as CSRF_COOKIE
from loket.web.csrf import HEADER as CSRF_HEADER

from .billing_peer import Peers, running

DAY = date(2017, 12, 29)


async def book(peers: Peers, index: int) -> dict:  # type: ignore[type-arg]
    response = await peers.loket.post("/api/v1/offices/PLG/bookings", json=applicant(index).booking_body(DAY))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def lookup(peers: Peers, code: str, index: int) -> dict:  # type: ignore[type-arg]
    response = await peers.loket.post(
        "/api/v1/bookings/lookup", json={"booking_code": code, "nik": applicant(index).nik}
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def pay(peers: Peers, billing_code: str, clock: FrozenClock, **extra: object) -> dict:  # type: ignore[type-arg]
    # The simulator's handler notifies Loket synchronously: run it while this loop serves Loket.
    response = await peers.billing.post(
        "/pay", json={"billing_code": billing_code, "paid_at": clock().isoformat(), **extra}
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def worker(peers: Peers, demo: Database, clock: FrozenClock) -> dict[str, int]:
    catalog = Catalog(ttl=0, country=peers.settings.holiday_country)
    return await worker_round(demo, catalog, peers.settings, clock, billing=peers.provider)


async def test_booking_gets_its_code_and_a_notification_confirms_it(
    db_url: str, demo: Database, clock: FrozenClock
) -> None:
    async with running(db_url, demo, clock) as peers:
        made = await book(peers, 1)
        assert made["status"] == "awaiting_payment"
        state = (await peers.billing.get("/v1/state")).json()
        issued = {c["reference"]: c for c in state["codes"]}
        assert issued[made["booking_code"]]["billing_code"] == made["billing_code"]
        assert issued[made["booking_code"]]["amount"] == made["amount"] == 355000
        paid = await pay(peers, made["billing_code"], clock)
        assert paid["deliveries"] == [
            {
                "status": 200,
                "body": {
                    "outcome": "accepted",
                    "booking_code": made["booking_code"],
                    "booking_status": "paid",
                    "refund_due": 0,
                    "replayed": False,
                },
            }
        ]
        assert (await lookup(peers, made["booking_code"], 1))["status"] == "paid"


async def test_notification_with_a_bad_signature_is_refused(
    db_url: str, demo: Database, clock: FrozenClock
) -> None:
    async with running(db_url, demo, clock) as peers:
        made = await book(peers, 2)
        body = (
            f'{{"billing_code":"{made["billing_code"]}","ntpn":"FORGED0001","amount":355000,'
            f'"paid_at":"{clock().isoformat()}","bank":"BNI"}}'
        ).encode()
        forged = await peers.loket.post(
            "/api/v1/payments/billing-notification",
            content=body,
            headers={SIGNATURE_HEADER: sign("not-the-secret", body), "Accept-Language": "id"},
        )
        assert forged.status_code == 401 and forged.json()["field"] == "signature"
        assert (await lookup(peers, made["booking_code"], 2))["status"] == "awaiting_payment"


async def test_provider_down_leaves_the_booking_awaiting_its_code_until_the_worker_fetches_it(
    db_url: str, demo: Database, clock: FrozenClock
) -> None:
    async with running(db_url, demo, clock) as peers:
        assert (await peers.billing.post("/control", json={"mode": "fail"})).status_code == 200
        made = await book(peers, 3)
        assert made["billing_code"] is None and made["status"] == "awaiting_billing_code"
        shown = await lookup(peers, made["booking_code"], 3)
        assert shown["billing_code"] is None and shown["status"] == "awaiting_billing_code"
        token = "billing-e2e-csrf-0123456789abcdef0123"
        page = await peers.loket.post(
            "/status?lang=en",
            data={"booking_code": made["booking_code"], "nik": applicant(3).nik},
            headers={CSRF_HEADER: token, "Cookie": f"{CSRF_COOKIE}={token}"},
        )
        assert page.status_code == 200 and "Awaiting its billing code" in page.text
        assert "data-awaiting-code" in page.text and "Pay before" not in page.text
        # Still down at the worker's next round: still awaiting, nothing half-written.
        clock.advance(seconds=6)
        assert (await worker(peers, demo, clock))["billing_waiting"] == 1
        await peers.billing.post("/control", json={"mode": "ok"})
        assert (await worker(peers, demo, clock)).get("billing_issued", 0) == 0  # back-off: 10 s not yet up
        clock.advance(seconds=11)
        assert (await worker(peers, demo, clock))["billing_issued"] == 1
        shown = await lookup(peers, made["booking_code"], 3)
        assert shown["status"] == "awaiting_payment" and shown["billing_code"] is not None
        state = (await peers.billing.get("/v1/state")).json()
        assert [c["billing_code"] for c in state["codes"]] == [shown["billing_code"]]
        assert (await worker(peers, demo, clock)).get("billing_issued", 0) == 0  # fetched once
        paid = await pay(peers, shown["billing_code"], clock)
        assert paid["deliveries"][0]["body"]["outcome"] == "accepted"


async def test_slow_provider_answers_late_and_the_retry_gets_the_same_code(
    db_url: str, demo: Database, clock: FrozenClock
) -> None:
    async with running(db_url, demo, clock, timeout_s=0.5) as peers:
        await peers.billing.post("/control", json={"mode": "slow", "delay_s": 1.5})
        made = await book(peers, 4)
        assert made["status"] == "awaiting_billing_code"
        await asyncio.sleep(1.5)  # the simulator finishes issuing the code nobody waited for
        await peers.billing.post("/control", json={"mode": "ok"})
        clock.advance(seconds=6)
        assert (await worker(peers, demo, clock))["billing_issued"] == 1
        state = (await peers.billing.get("/v1/state")).json()
        assert state["code_requests"] == 2 and len(state["codes"]) == 1  # idempotent per booking
        shown = await lookup(peers, made["booking_code"], 4)
        assert shown["billing_code"] == state["codes"][0]["billing_code"]


async def test_duplicate_and_late_notifications_are_recorded_and_open_refunds(
    db_url: str, demo: Database, clock: FrozenClock
) -> None:
    async with running(db_url, demo, clock) as peers:
        made = await book(peers, 5)
        # The provider delivers the one payment twice: applied once, the copy is a replay.
        await peers.billing.post("/control", json={"copies": 2})
        paid = await pay(peers, made["billing_code"], clock)
        outcomes = [(d["body"]["outcome"], d["body"]["replayed"]) for d in paid["deliveries"]]
        assert outcomes == [("accepted", False), ("accepted", True)]
        # Paid a second time (a second NTPN): recorded, and a refund is due for it.
        await peers.billing.post("/control", json={"copies": 1})
        again = await pay(peers, made["billing_code"], clock)
        assert again["deliveries"][0]["body"]["outcome"] == "duplicate_payment"
        # A late payment of a booking cancelled before it: recorded, refund due.
        other = await book(peers, 6)
        cancelled = await peers.loket.post(
            f"/api/v1/bookings/{other['booking_code']}/cancel", json={"nik": applicant(6).nik}
        )
        assert cancelled.status_code == 200
        late = await pay(peers, other["billing_code"], clock)
        assert late["deliveries"][0]["body"]["outcome"] == "paid_after_cancellation"
        due = await refund_service.refunds(demo, "PLG", status="due")
        assert {(r.booking_code, r.ntpn, r.reason, r.amount) for r in due} == {
            (made["booking_code"], again["ntpn"], "duplicate_payment", 355000),
            (other["booking_code"], late["ntpn"], "paid_after_cancellation", 355000),
        }


async def test_payment_after_expiry_reinstates_the_booking_as_today(
    db_url: str, demo: Database, clock: FrozenClock
) -> None:
    async with running(db_url, demo, clock) as peers:
        made = await book(peers, 7)
        clock.advance(hours=3)  # past the two-hour hold
        await worker(peers, demo, clock)
        assert (await lookup(peers, made["booking_code"], 7))["status"] == "expired"
        refused = await peers.billing.post(
            "/pay", json={"billing_code": made["billing_code"], "paid_at": clock().isoformat()}
        )
        assert refused.status_code == 409  # the provider refuses an expired code by default
        late = await pay(peers, made["billing_code"], clock, late=True)
        assert late["deliveries"][0]["body"]["outcome"] == "reinstated"
        assert (await lookup(peers, made["booking_code"], 7))["status"] == "paid"


async def test_a_lost_notification_is_recovered_from_the_providers_status_before_the_hold_lapses(
    db_url: str, demo: Database, clock: FrozenClock
) -> None:
    async with running(db_url, demo, clock) as peers:
        made = await book(peers, 9)
        await peers.billing.post("/control", json={"notify": False})  # the notification gets lost
        paid = await pay(peers, made["billing_code"], clock)
        assert paid["deliveries"] == []
        assert (await lookup(peers, made["booking_code"], 9))["status"] == "awaiting_payment"
        clock.advance(hours=3)  # past the hold: the worker asks before it lapses the booking
        done = await worker(peers, demo, clock)
        assert (done["payments_recovered"], done.get("expired", 0)) == (1, 0)
        shown = await lookup(peers, made["booking_code"], 9)
        assert shown["status"] == "paid"
        assert datetime.fromisoformat(shown["paid_at"]) == datetime.fromisoformat(paid["paid_at"])


async def test_amount_mismatch_answer_is_in_the_callers_language(
    db_url: str, demo: Database, clock: FrozenClock
) -> None:
    async with running(db_url, demo, clock) as peers:
        made = await book(peers, 8)
        for lang, text in (
            ("id", "Jumlah tidak sesuai dengan tagihan"),
            ("en", "The amount does not match the billing"),
        ):
            body = (
                f'{{"billing_code":"{made["billing_code"]}","ntpn":"MISMATCH{lang.upper()}01","amount":1000,'
                f'"paid_at":"{clock().isoformat()}","bank":"BNI"}}'
            ).encode()
            answer = await peers.loket.post(
                "/api/v1/payments/billing-notification",
                content=body,
                headers={
                    SIGNATURE_HEADER: sign(peers.settings.billing_secret, body),
                    "Accept-Language": lang,
                },
            )
            assert answer.status_code == 409 and answer.json()["error"] == "amount_mismatch"
            assert answer.json()["message"] == text


def test_the_simulator_runs_as_a_command(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`loket simulator billing` as its own process: it issues a code to a signed request."""
    import subprocess
    import sys
    import time
    from datetime import UTC, datetime, timedelta

    from loket.services.billing import BillingOrder
    from loket.services.billing.http import HttpProvider

    from .billing_peer import free_port

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "loket",
            "simulator",
            "billing",
            "--port",
            str(port),
            "--secret",
            "cmd-secret",
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    provider = HttpProvider(f"http://127.0.0.1:{port}", "cmd-secret", timeout_s=2)

    async def ask() -> str:
        order = BillingOrder("PLG-CMD0000001", "PLG", 355_000, "Siti", datetime.now(UTC) + timedelta(hours=2))
        try:
            return (await provider.request_code(order)).billing_code
        finally:
            await provider.close()

    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                state = httpx.get(f"http://127.0.0.1:{port}/v1/state", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
                assert time.monotonic() < deadline, "the simulator did not start within 30 s"
                time.sleep(0.2)
        assert state.json()["codes"] == []
        code = asyncio.run(ask())
        assert len(code) == 15 and code.isdigit()
        assert httpx.get(f"http://127.0.0.1:{port}/v1/state", timeout=2).json()["code_requests"] == 1
    finally:
        server.terminate()
        server.wait(timeout=20)
