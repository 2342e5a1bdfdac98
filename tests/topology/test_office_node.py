"""The office keeps working when the central link is down (issue 19), as deployed: a central
`loket serve` on PostgreSQL, an office node (`loket serve --office-node`) on SQLite, and between
them a TCP proxy the test cuts (tests/topology/tcp_proxy.py). No part of the link is mocked."""

from __future__ import annotations

from typing import Any

import httpx
import sqlalchemy as sa

from .office_node import OFFICE, Deployment, Site, office_deployment, signed_in, until  # noqa: F401 (fixture)


def floor_rows(db_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """The office's floor as stored: tickets, stage visits, transitions, floor audit entries."""
    engine = sa.create_engine(db_url)
    queries = {
        "tickets": "SELECT ticket, booking_code, stage, queue_state, station_code, checked_in_at, called_by, "
        "due_date FROM tickets WHERE office_code = :o ORDER BY ticket",
        "visits": "SELECT ticket, visit, stage, queued_at, called_at, finished_at, station_code, officer, "
        "outcome FROM stage_visits WHERE office_code = :o ORDER BY ticket, visit",
        "transitions": "SELECT ticket, from_stage, to_stage, actor, station_code, at FROM stage_transitions "
        "WHERE office_code = :o ORDER BY at, ticket, to_stage",
        "audit": "SELECT action, subject, actor, at FROM audit_log WHERE office_code = :o "
        "AND action LIKE 'floor.%' ORDER BY at, action, subject",
    }
    try:
        with engine.connect() as conn:
            return {
                name: [tuple(_same(v) for v in row) for row in conn.execute(sa.text(q), {"o": OFFICE})]
                for name, q in queries.items()
            }
    finally:
        engine.dispose()


def _same(value: Any) -> Any:
    """Moments as text the same on both databases (SQLite stores them as text)."""
    from datetime import datetime

    if isinstance(value, datetime):
        return value.isoformat()[:26].replace("T", " ")
    if isinstance(value, str) and len(value) >= 19 and value[10] in " T" and value[4] == "-":
        return value[:26].replace("T", " ").split("+")[0]
    return value


def test_the_office_floor_runs_through_an_outage_and_the_centre_converges(deployment: Deployment) -> None:
    centre, node, proxy = deployment.centre, deployment.node, deployment.proxy
    officer = signed_in(node, "budi")
    # Link up: a booking made at the centre now reaches the node and is checked in there.
    late = centre.script("book", "40")

    def checked_in() -> Any:
        done = officer.post(f"/api/v1/offices/{OFFICE}/check-in", json=late)
        return done.json() if done.status_code == 201 else None

    first = until("the central booking checks in at the node", checked_in)
    day = first["date"]
    supervisor = signed_in(centre, "sari")
    until(
        "the centre shows the node's check-in",
        lambda: (
            supervisor.get(f"/api/v1/offices/{OFFICE}/tickets/{day}/{first['ticket']}").status_code == 200
        ),
    )

    # Link cut: the office goes on.
    proxy.cut()
    until(
        "the node sees the link down",
        lambda: officer.get(f"/api/v1/offices/{OFFICE}/node/link").json()["online"] is False,
    )
    conflicted = deployment.bookings[21]
    assert centre.script("cancel", conflicted["booking_code"], conflicted["nik"]) == {"status": "cancelled"}
    for booking in deployment.bookings[:20]:
        assert officer.post(f"/api/v1/offices/{OFFICE}/check-in", json=booking).status_code == 201
    assert (
        officer.post(f"/api/v1/offices/{OFFICE}/stations/INT1/state", json={"state": "open"}).status_code
        == 200
    )
    boards = []
    for i in range(21):  # the 20 and the one checked in before the cut
        called = officer.post(f"/api/v1/offices/{OFFICE}/stations/INT1/call-next")
        assert called.status_code == 200 and called.json()["ticket"], called.text
        boards.append(
            httpx.get(f"{node.url}/api/v1/offices/{OFFICE}/board", timeout=10).json()["calls"][0]["ticket"]
        )
        assert boards[-1] == called.json()["ticket"]  # the board follows every call
        done = officer.post(f"/api/v1/offices/{OFFICE}/stations/INT1/complete", json={"outcome": "done"})
        assert done.status_code == 200, done.text
        if i == 10:
            down = {"state": "down", "reason": "Printer macet"}
            assert officer.post(f"/api/v1/offices/{OFFICE}/stations/INT1/state", json=down).status_code == 200
            assert (
                officer.post(
                    f"/api/v1/offices/{OFFICE}/stations/INT1/state", json={"state": "open"}
                ).status_code
                == 200
            )
    assert len(set(boards)) == 21
    # A booking made at the centre after the cut is not in the mirror: not a guess, but what to do.
    unknown = centre.script("book", "41")
    refused = officer.post(f"/api/v1/offices/{OFFICE}/check-in", json=unknown)
    assert refused.status_code == 409 and refused.json()["error"] == "offline_unverifiable"
    assert refused.json()["may"] == ["check_receipt", "flag_review"] and "bank" in refused.json()["message"]
    review = {"booking_code": unknown["booking_code"], "note": "Bukti setor NTPN terlihat"}
    assert officer.post(f"/api/v1/offices/{OFFICE}/node/reviews", json=review).status_code == 201
    # The booking the centre cancelled meanwhile checks in at the office (it cannot know).
    assert officer.post(f"/api/v1/offices/{OFFICE}/check-in", json=conflicted).status_code == 201
    link = officer.get(f"/api/v1/offices/{OFFICE}/node/link").json()
    assert link["online"] is False and link["offline_since"] and link["waiting"] >= 20 * 3 + 2
    assert supervisor.get(f"/api/v1/offices/{OFFICE}/node/link").json()["online"] is False

    # Link restored: within the set time the centre shows what the office did, the refused
    # check-in apart (it is a case).
    proxy.restore()
    until(
        "the journal is uploaded",
        lambda: (
            (s := officer.get(f"/api/v1/offices/{OFFICE}/node/link").json())["online"] and s["waiting"] == 0
        ),
    )
    office_view = floor_rows(node.db_url)
    office_view["tickets"] = [t for t in office_view["tickets"] if t[1] != conflicted["booking_code"]]
    office_view["audit"] = [a for a in office_view["audit"] if a[1] != conflicted["booking_code"]]
    refused = _ticket_of(node, conflicted)
    office_view["transitions"] = [t for t in office_view["transitions"] if t[0] != refused]
    office_view["visits"] = [v for v in office_view["visits"] if v[0] != refused]
    central_view = floor_rows(centre.db_url)
    for name, rows in office_view.items():
        assert central_view[name] == rows, (name, set(central_view[name]) ^ set(rows))
    assert len(office_view["tickets"]) == 21
    # The figures: the same measurements, the refused check-in's arrival apart.
    office_sup = signed_in(node, "sari")
    central_stats, office_stats = (
        c.get(f"/api/v1/offices/{OFFICE}/stats", params={"date": day}).json()
        for c in (supervisor, office_sup)
    )
    assert [s["served"] for s in central_stats["stages"]] == [s["served"] for s in office_stats["stages"]]
    assert central_stats["stages"][0]["served"] == 21

    def measured(hours: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # Arrivals apart (the refused check-in's is the office's only); an hour that had nothing
        # else (that arrival alone, past the hour) drops out on both sides.
        rows = [{k: v for k, v in h.items() if k != "arrivals"} for h in hours]
        return [r for r in rows if any(v for k, v in r.items() if k not in ("stage", "hour"))]

    assert measured(central_stats["hours"]) == measured(office_stats["hours"])
    arrivals = [
        sum(h["arrivals"] for h in s["hours"] if h["stage"] == "intake")
        for s in (central_stats, office_stats)
    ]
    assert arrivals == [21, 22]

    # A second forced upload of every event changes nothing.
    again = node.loket("node", "sync", "--all")
    assert again.returncode == 0, again.stderr
    assert floor_rows(centre.db_url) == central_view
    cases = supervisor.get(f"/api/v1/offices/{OFFICE}/node/cases").json()
    assert [(c["kind"], c["subject"]) for c in cases] == [("booking_changed", conflicted["booking_code"])]
    assert cases[0]["centre_version"]["booking"]["status"] == "cancelled"
    assert cases[0]["node_version"]["effect"]["action"] == "floor.check_in"
    # The supervisor's page at the centre shows the case with both versions.
    page = supervisor.get(f"/offices/{OFFICE}/node").text
    assert conflicted["booking_code"] in page and "cancelled" in page and "floor.check_in" in page
    # The supervisor resolves it: a choice not offered is refused, naming the field; once only.
    resolve = f"/api/v1/offices/{OFFICE}/node/cases/{cases[0]['id']}/resolve"
    bad = supervisor.post(resolve, json={"resolution": "guess"})
    assert bad.status_code == 422 and bad.json()["field"] == "resolution"
    assert supervisor.post(resolve, json={"resolution": "accept_office"}).status_code == 200
    assert supervisor.post(resolve, json={"resolution": "keep_central"}).json()["error"] == "node_case_closed"
    assert "Terima tindakan kantor" in supervisor.get(f"/offices/{OFFICE}/node").text


def _ticket_of(node: Site, booking: dict[str, str]) -> str:
    engine = sa.create_engine(node.db_url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(sa.text("SELECT ticket FROM tickets WHERE booking_code = :b"),
                                    {"b": booking["booking_code"]}).scalar_one())  # fmt: skip
    finally:
        engine.dispose()
