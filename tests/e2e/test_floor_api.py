"""The floor over HTTP: check-in at the kiosk, call next, the board (JSON and SSE), the stats."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import httpx
import pytest

from loket.clock import FrozenClock
from loket.store.database import Database
from loket.testing.applicants import applicant

from .floor_fixtures import make_staff, sign_in

pytestmark = pytest.mark.usefixtures("fast_hashing")
DAY = "2017-12-29"


async def booked_and_paid(client: httpx.AsyncClient, db: Database, index: int) -> tuple[str, str]:
    from loket.domain.payment import SIGNATURE_HEADER, sign
    from loket.services.payments import bank_secret

    person = applicant(index)
    made = await client.post(
        "/api/v1/offices/PLG/bookings", json=person.booking_body(datetime.fromisoformat(DAY).date())
    )
    assert made.status_code == 201, made.text
    body = made.json()
    raw = json.dumps(
        {
            "billing_code": body["billing_code"],
            "amount": body["amount"],
            "ntpn": f"NTPN{index:012d}",
            "paid_at": "2017-12-28T02:00:00+00:00",
            "bank": "BNI",
        }
    ).encode()
    paid = await client.post(
        "/api/v1/payments/bank-callback",
        content=raw,
        headers={
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(await bank_secret(db, "BNI"), raw),
        },
    )
    assert paid.status_code == 200, paid.text
    return body["booking_code"], person.nik


async def test_check_in_call_and_board(client: httpx.AsyncClient, db: Database, clock: FrozenClock) -> None:
    code, nik = await booked_and_paid(client, db, 1)
    await make_staff(db, clock, "budi", "sari")
    clock.now = datetime(2017, 12, 29, 0, 50, tzinfo=UTC)  # 07:50 WIB on the appointment day
    csrf = await sign_in(client, "budi")
    headers = {"X-CSRF-Token": csrf}
    wrong = await client.post(
        "/api/v1/offices/PLG/check-in", json={"booking_code": code, "nik": applicant(2).nik}, headers=headers
    )
    assert wrong.status_code == 404
    ticket = await client.post(
        "/api/v1/offices/PLG/check-in", json={"booking_code": code, "nik": nik}, headers=headers
    )
    assert ticket.status_code == 201, ticket.text
    assert ticket.json()["ticket"] == "A-001"
    again = await client.post(
        "/api/v1/offices/PLG/check-in", json={"booking_code": code, "nik": nik}, headers=headers
    )
    assert again.json()["ticket"] == "A-001" and again.json()["replayed"] is True
    closed = await client.post("/api/v1/offices/PLG/stations/INT3/call-next", headers=headers)
    assert closed.status_code == 409 and closed.json()["error"] == "station_not_open"
    await client.post("/api/v1/offices/PLG/stations/INT3/state", json={"state": "open"}, headers=headers)
    called = await client.post("/api/v1/offices/PLG/stations/INT3/call-next", headers=headers)
    assert called.json()["ticket"] == "A-001" and called.json()["station_name"] == "Loket 3"
    board = (await client.get("/api/v1/offices/PLG/board")).json()
    assert {"ticket": "A-001", "station": "INT3"}.items() <= board["calls"][0].items()
    assert [c["ticket"] for c in board["counters"] if c["station"] == "INT3"] == ["A-001"]
    assert "full_name" not in json.dumps(board) and "Siti" not in json.dumps(board)
    done = await client.post(
        "/api/v1/offices/PLG/stations/INT3/complete", json={"outcome": "done"}, headers=headers
    )
    assert done.json()["to_stage"] == "biometrics"
    queue = await client.get("/api/v1/offices/PLG/queues/biometrics")
    assert [q["ticket"] for q in queue.json()] == ["A-001"]
    csrf = await sign_in(client, "sari")
    stats = await client.get("/api/v1/offices/PLG/stats", params={"date": DAY})
    assert stats.status_code == 200
    intake = next(s for s in stats.json()["stages"] if s["stage"] == "intake")
    assert intake["arrivals"] == 1 and intake["served"] == 1
    assert stats.json()["stations"]["open"] == 1


async def test_board_stream_sends_the_call(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock
) -> None:
    code, nik = await booked_and_paid(client, db, 3)
    await make_staff(db, clock, "budi")
    clock.now = datetime(2017, 12, 29, 0, 50, tzinfo=UTC)
    headers = {"X-CSRF-Token": await sign_in(client, "budi")}
    await client.post(
        "/api/v1/offices/PLG/check-in", json={"booking_code": code, "nik": nik}, headers=headers
    )
    await client.post("/api/v1/offices/PLG/stations/INT1/state", json={"state": "open"}, headers=headers)

    # httpx's in-process transport buffers whole responses, so read the SSE generator itself
    # (tests/e2e/test_board_fanout.py, the browser test and bench/floor.py read it over a socket).
    from loket.services import floor_views
    from loket.services.board_hub import BoardHub
    from loket.services.floor_bus import BoardBus
    from loket.web.board_bus import board_stream

    bus = BoardBus()
    hub = BoardHub(bus, lambda office, now: floor_views.board(db, office, now), clock, poll_s=5.0)
    stream = board_stream(hub, "PLG")
    assert await anext(stream) == b"retry: 2000\n\n"
    first = await anext(stream)
    assert first.startswith(b"event: board\n") and json.loads(first.split(b"data: ")[1])["calls"] == []
    waiting = asyncio.create_task(anext(stream))
    await asyncio.sleep(0.1)
    assert not waiting.done()
    await client.post("/api/v1/offices/PLG/stations/INT1/call-next", headers=headers)
    bus.notify("PLG")  # what the call-next service does on commit with the serving process's bus
    event = await asyncio.wait_for(waiting, 2)  # well before the 5 s poll: woken by the bus
    assert json.loads(event.split(b"data: ")[1])["calls"][0]["ticket"] == "A-001"
    await stream.aclose()
    assert hub.subscribers("PLG") == 0  # the closed stream left the hub, and its feed stopped
    await hub.close()


def app_of(client: httpx.AsyncClient):  # type: ignore[no-untyped-def]
    return client._transport.app  # type: ignore[attr-defined]


async def test_the_routes_hand_the_app_bus_to_the_services(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock
) -> None:
    code, nik = await booked_and_paid(client, db, 4)
    await make_staff(db, clock, "budi")
    clock.now = datetime(2017, 12, 29, 0, 50, tzinfo=UTC)
    headers = {"X-CSRF-Token": await sign_in(client, "budi")}

    def version() -> int:
        return int(app_of(client).state.board_bus.version("PLG"))

    await client.post(
        "/api/v1/offices/PLG/check-in", json={"booking_code": code, "nik": nik}, headers=headers
    )
    after_check_in = version()
    assert after_check_in == 1
    refused = await client.post("/api/v1/offices/PLG/stations/INT1/call-next", headers=headers)
    assert refused.status_code == 409 and version() == after_check_in  # rolled back: no wake
    await client.post("/api/v1/offices/PLG/stations/INT1/state", json={"state": "open"}, headers=headers)
    await client.post("/api/v1/offices/PLG/stations/INT1/call-next", headers=headers)
    assert version() == after_check_in + 2


async def test_typed_routes_answer_what_the_services_return(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock
) -> None:
    """The response models change nothing in the JSON: it is the services' plain data, key for key."""
    from datetime import date

    from loket.services import floor_views

    code, nik = await booked_and_paid(client, db, 5)
    await make_staff(db, clock, "budi", "sari")
    clock.now = datetime(2017, 12, 29, 0, 50, tzinfo=UTC)
    headers = {"X-CSRF-Token": await sign_in(client, "sari")}
    await client.post(
        "/api/v1/offices/PLG/check-in", json={"booking_code": code, "nik": nik}, headers=headers
    )
    for station in ("INT1", "BIO1"):
        opened = await client.post(
            f"/api/v1/offices/PLG/stations/{station}/state", json={"state": "open"}, headers=headers
        )
        assert opened.json() == {"station": station, "state": "open"}
    await client.post("/api/v1/offices/PLG/stations/INT1/call-next", headers=headers)
    await client.post("/api/v1/offices/PLG/stations/INT1/complete", json={"outcome": "done"}, headers=headers)
    down = await client.post(
        "/api/v1/offices/PLG/stations/INT2/state", json={"state": "down", "reason": "Kamera"}, headers=headers
    )
    assert down.json() == {"station": "INT2", "state": "down"}
    now, day = clock(), date(2017, 12, 29)
    pairs = [
        ("/api/v1/offices/PLG/stations", await floor_views.stations(db, "PLG", now)),
        ("/api/v1/offices/PLG/queues/biometrics", await floor_views.queue(db, "PLG", "biometrics", now)),
        (
            "/api/v1/offices/PLG/tickets/2017-12-29/A-001",
            await floor_views.ticket_history(db, "PLG", day, "A-001"),
        ),
        ("/api/v1/offices/PLG/stats?date=2017-12-29", await floor_views.stats(db, "PLG", day, now)),
        ("/api/v1/offices/PLG/board", await floor_views.board(db, "PLG", now)),
    ]
    for path, plain in pairs:
        answer = await client.get(path)
        assert answer.status_code == 200, path
        assert answer.json() == json.loads(json.dumps(plain)), path
    added = await client.post(
        "/api/v1/offices/PLG/stations",
        json={"code": "int9", "kind": "intake", "name": "Loket 9", "number": 90},
        headers=headers,
    )
    assert added.status_code == 201 and added.json() == {"station": "INT9"}


async def test_openapi_documents_every_floor_answer(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    for path, methods in spec["paths"].items():
        if not path.startswith("/api/v1/offices/{code}/") or path.endswith("/board/events"):
            continue
        for method, operation in methods.items():
            if "floor" not in operation.get("tags", []):
                continue
            ok = next((v for k, v in operation["responses"].items() if k.startswith("2")), None)
            assert ok is not None, (method, path)
            if ok.get("content") is None:  # 204 No Content
                continue
            schema = ok["content"]["application/json"]["schema"]
            refs = json.dumps(schema)
            assert "Public" in refs or schema.get("items", {}).get("type") == "string", (method, path, schema)
