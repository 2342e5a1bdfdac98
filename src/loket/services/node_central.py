"""The centre's side of office nodes (issue 19): register a node, give it its mirror, apply its
journal exactly once, open conflict cases, and tell the supervisors which offices are offline.

An uploaded event is replayed through the very use case the office ran (`node_journal.REGISTRY`),
with the office's own time, so tickets, stages, measurements, the SLA clock and the audit entries
at the centre are what the office's were. The replayed transaction also writes the event's row in
`node_applied_events` (office first in the key): an event already applied is skipped, and two
uploads racing on one event cannot both apply it."""

from __future__ import annotations

import asyncio
import inspect
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from loket.domain.calling import FloorPolicy
from loket.domain.errors import DomainError, InvalidInput, NotFound, Unauthorized
from loket.services import checkin, floor, node_offline, stations  # noqa: F401  (they register their events)
from loket.services.audit import record
from loket.services.catalog import Catalog
from loket.services.floor_bus import BoardBus
from loket.services.kiosks import token_hash
from loket.services.node_journal import REGISTRY, applied_event, applied_row, applying, decode
from loket.store import dialect, node_central_repo, node_mirror_repo, offices_repo
from loket.store.database import Database
from loket.store.ids import new_id

# Conflict kinds, and the resolutions a supervisor may choose for each.
RESOLUTIONS: dict[str, tuple[str, ...]] = {
    "booking_changed": ("accept_office", "keep_central"),
    "payment_missing": ("payment_confirmed", "charge_applicant"),
    "ticket_number": ("renumbered",),
    "refused": ("accept_office", "keep_central"),
}


@dataclass(frozen=True)
class UploadResult:
    applied: int
    skipped: int
    conflicts: int
    clock_offset_s: float


async def register_node(db: Database, office_code: str, *, actor: str, now: datetime) -> str:
    """A new token for the office's node (shown once; only its hash is kept)."""
    token = secrets.token_urlsafe(32)
    async with db.write() as conn:
        await offices_repo.load_office(conn, office_code)  # NotFound for an unknown office
        await node_central_repo.register(conn, office_code, token_hash(token), now)
        await record(conn, office_code=office_code, actor=actor, action="node.register", now=now)
    return token


async def check_token(db: Database, office_code: str, token: str) -> None:
    """Unauthorized unless `token` is the office's node token."""
    async with db.read() as conn:
        row = await node_central_repo.node(conn, office_code)
    if row is None or not token or not secrets.compare_digest(row.token_hash, token_hash(token)):
        raise Unauthorized("node_unknown", "This is not the registered node of the office")


async def mirror(
    db: Database, office_code: str, token: str, *, now: datetime, country: str = "ID"
) -> dict[str, Any]:
    """What the office's node keeps: today and the next service day, and everything the floor reads."""
    await check_token(db, office_code, token)
    async with db.read() as conn:
        office = await offices_repo.load_office(conn, office_code)
        today = office.local_today(now)
        calendar = await offices_repo.load_calendar(
            conn, office_code, today, today + timedelta(days=60), country
        )
        days = [today, *calendar.next_service_days(today, 1, include_start=False)]
        tables = await node_mirror_repo.dump(conn, office_code, days)
    async with db.write() as conn:
        await node_central_repo.seen(conn, office_code, now)
    return {
        "office_code": office_code,
        "at": now.isoformat(),
        "days": [d.isoformat() for d in days],
        "tables": tables,
    }


async def wait_for_change(
    db: Database, office_code: str, token: str, since: str, *, timeout_s: float, step_s: float = 1.0
) -> dict[str, Any]:
    """Long-poll: answer as soon as the office's bookings changed after the mark `since` (or at
    `timeout_s` with no change); the node then pulls at once instead of at its next interval."""
    await check_token(db, office_code, token)
    waited = 0.0
    while True:
        async with db.read() as conn:
            mark = await node_mirror_repo.last_change(conn, office_code)
        if mark != since or waited >= timeout_s:
            return {"changed": mark != since, "mark": mark}
        await asyncio.sleep(step_s)
        waited += step_s


def _call_args(fn: Any, args: dict[str, Any], handles: dict[str, Any]) -> dict[str, Any]:
    names = inspect.signature(fn).parameters
    call = {name: decode(value) for name, value in args.items() if name in names}
    call.update({name: handle for name, handle in handles.items() if name in names})
    return call


async def apply_journal(
    db: Database,
    office_code: str,
    token: str,
    *,
    node_time: datetime,
    events: list[dict[str, Any]],
    now: datetime,
    policy: FloorPolicy,
    bus: BoardBus | None = None,
    catalog: Catalog | None = None,
) -> UploadResult:
    """Apply an uploaded batch in order; events already applied change nothing."""
    await check_token(db, office_code, token)
    offset = round((now - node_time).total_seconds(), 3)
    events = [
        {**e, "at": datetime.fromisoformat(e["at"]) if isinstance(e["at"], str) else e["at"]} for e in events
    ]
    for event in events:
        if event["kind"] not in REGISTRY:
            raise InvalidInput(
                "node_event_kind", "Unknown journal event %(kind)s", field="kind", kind=event["kind"]
            )
        if event["args"].get("office_code") != office_code:
            raise InvalidInput("node_event_office", "A journal event of another office", field="office_code")
    async with _one_upload(db, office_code) as held:
        done = await _apply(db, office_code, events, offset, now, policy, bus, catalog)
        if held is not None:
            await _record_upload(held, office_code, done, now)
        else:
            async with db.write() as conn:
                await _record_upload(conn, office_code, done, now)
    return done


async def _record_upload(conn: Any, office_code: str, done: UploadResult, now: datetime) -> None:
    row = await node_central_repo.node(conn, office_code)
    await node_central_repo.seen(
        conn,
        office_code,
        now,
        last_upload_at=now,
        clock_offset_s=done.clock_offset_s,
        events_applied=int(row.events_applied) + done.applied,
    )


_SQLITE_UPLOADS: dict[str, asyncio.Lock] = {}


@asynccontextmanager
async def _one_upload(db: Database, office_code: str) -> AsyncIterator[Any]:
    """One upload of an office at a time (docs/locking.md, "Office nodes"): on PostgreSQL the
    connection holding the office's node row, which also records the upload."""
    if db.dialect != "postgresql":
        async with _SQLITE_UPLOADS.setdefault(office_code, asyncio.Lock()):
            yield None
        return
    async with db.write() as held:
        await node_central_repo.lock_node(held, office_code)
        yield held


async def _apply(
    db: Database,
    office_code: str,
    events: list[dict[str, Any]],
    offset: float,
    now: datetime,
    policy: FloorPolicy,
    bus: BoardBus | None,
    catalog: Catalog | None,
) -> UploadResult:
    async with db.read() as conn:
        done = await node_central_repo.applied_ids(conn, office_code, [e["id"] for e in events])
    applied = skipped = conflicts = 0
    handles = {"db": db, "bus": bus, "catalog": catalog, "policy": policy}
    for event in sorted(events, key=lambda e: e["seq"]):
        if event["id"] in done:
            skipped += 1
            continue
        fn = REGISTRY[event["kind"]]
        marker = applied_event(
            office_code=office_code,
            event_id=event["id"],
            seq=event["seq"],
            kind=event["kind"],
            node_at=event["at"],
            applied_at=now,
            clock_offset_s=offset,
        )
        try:
            with applying(marker):
                result = await fn(**_call_args(fn, event["args"], handles))
        except DomainError as refused:
            await _open_case(db, office_code, event, marker, refused, now)
            conflicts += 1
            continue
        except Exception as exc:
            if dialect.is_retryable(exc) and await _already(db, office_code, event["id"]):
                skipped += 1  # another upload applied it meanwhile
                continue
            raise
        if marker.written_on is None:  # nothing to change (e.g. a call with nobody waiting)
            async with db.write() as conn:
                await node_central_repo.mark_applied(conn, applied_row(marker, "noop"))
        applied += 1
        conflicts += await _check_ticket(db, office_code, event, result, now)
        conflicts += await _check_review(db, office_code, event, now)
    return UploadResult(applied, skipped, conflicts, offset)


async def _already(db: Database, office_code: str, event_id: str) -> bool:
    async with db.read() as conn:
        return bool(await node_central_repo.applied_ids(conn, office_code, [event_id]))


def _node_version(event: dict[str, Any]) -> dict[str, Any]:
    args = {k: v for k, v in event["args"].items() if k != "nik"}  # the NIK stays out of the case
    return {"kind": event["kind"], "at": event["at"].isoformat(), "args": args, "effect": event["effect"]}


async def _open_case(
    db: Database, office_code: str, event: dict[str, Any], marker: Any, refused: DomainError, now: datetime
) -> None:
    """The centre refused what the office did: keep both versions as a case for a supervisor."""
    booking = event["args"].get("booking_code")
    kind = {"not_paid": "payment_missing"}.get(refused.code, "booking_changed" if booking else "refused")
    async with db.write() as conn:
        centre: dict[str, Any] = {"refused": refused.code, "message": str(refused)}
        if booking:
            centre["booking"] = (await node_mirror_repo.booking_versions(conn, office_code, [booking])).get(
                booking
            )
        await _add_case(
            conn, office_code, event, kind, booking or event["effect"].get("subject", ""), centre, now
        )
        await node_central_repo.mark_applied(conn, applied_row(marker, "conflict"))


async def _add_case(
    conn: Any,
    office_code: str,
    event: dict[str, Any],
    kind: str,
    subject: str,
    centre: dict[str, Any],
    now: datetime,
) -> None:
    case_id = new_id()
    await node_central_repo.add_conflict(
        conn,
        {
            "office_code": office_code,
            "id": case_id,
            "event_id": event["id"],
            "kind": kind,
            "subject": subject[:40],
            "node_version": _node_version(event),
            "centre_version": centre,
            "created_at": now,
            "status": "open",
        },
    )
    await record(
        conn,
        office_code=office_code,
        actor="node",
        action="node.conflict",
        subject=case_id,
        detail={"kind": kind, "event": event["id"], "subject": subject},
        now=now,
    )


async def _check_ticket(
    db: Database, office_code: str, event: dict[str, Any], result: Any, now: datetime
) -> int:
    """A check-in replayed under another number: the number was used by both sides."""
    office_ticket = (event["effect"].get("detail") or {}).get("ticket")
    central = getattr(result, "ticket", None)
    if event["kind"] not in ("check_in", "walk_in") or not office_ticket or central in (None, office_ticket):
        return 0
    async with db.write() as conn:
        centre = {"ticket": central, "message": "The centre issued another number for this check-in"}
        await _add_case(conn, office_code, event, "ticket_number", office_ticket, centre, now)
    return 1


async def _check_review(db: Database, office_code: str, event: dict[str, Any], now: datetime) -> int:
    """A booking the office flagged for review (a receipt it could not verify): a case unless the
    centre has it paid."""
    if event["kind"] != "flag_review":
        return 0
    code = str(event["args"].get("booking_code", "")).strip().upper()
    async with db.write() as conn:
        booking = (await node_mirror_repo.booking_versions(conn, office_code, [code])).get(code)
        if booking is not None and booking["status"] in ("paid", "checked_in"):
            return 0
        centre = {"booking": booking, "message": "The centre has no payment for this booking"}
        await _add_case(conn, office_code, event, "payment_missing", code, centre, now)
    return 1


async def conflict_cases(db: Database, office_code: str) -> list[dict[str, Any]]:
    async with db.read() as conn:
        rows = await node_central_repo.conflicts(conn, office_code)
    return [dict(row._mapping) | {"resolutions": RESOLUTIONS.get(row.kind, ())} for row in rows]


async def resolve_case(
    db: Database, office_code: str, case_id: str, resolution: str, *, actor: str, now: datetime
) -> None:
    """A supervisor's decision on a case; audited. A resolved case stays resolved."""
    async with db.write() as conn:
        row = await node_central_repo.conflict(conn, office_code, case_id, lock=True)
        if row is None:
            raise NotFound("node_case_not_found", "Unknown case %(case)s", field="case", case=case_id)
        if resolution not in RESOLUTIONS.get(row.kind, ()):
            raise InvalidInput("node_resolution", "Choose one of the resolutions offered", field="resolution")
        if row.status != "open":
            raise InvalidInput("node_case_closed", "This case is already resolved", field="case")
        await node_central_repo.resolve(conn, office_code, case_id, resolution, actor, now)
        await record(
            conn,
            office_code=office_code,
            actor=actor,
            action="node.resolve",
            subject=case_id,
            detail={"kind": row.kind, "resolution": resolution, "subject": row.subject},
            now=now,
        )


async def node_status(
    db: Database, office_code: str, *, now: datetime, offline_after_s: float
) -> dict[str, Any] | None:
    """The office's node as the centre sees it: online, or offline since its last contact."""
    async with db.read() as conn:
        row = await node_central_repo.node(conn, office_code)
        if row is None:
            return None
        open_cases = sum(
            1 for c in await node_central_repo.conflicts(conn, office_code) if c.status == "open"
        )
    seen = row.last_seen_at
    online = seen is not None and (now - seen).total_seconds() <= offline_after_s
    return {
        "office_code": office_code,
        "online": online,
        "offline_since": None if online else seen,
        "last_upload_at": row.last_upload_at,
        "clock_offset_s": row.clock_offset_s,
        "events_applied": row.events_applied,
        "open_cases": open_cases,
    }


async def offline_offices(db: Database, *, now: datetime, offline_after_s: float) -> list[dict[str, Any]]:
    """Every office whose node has not been heard from within `offline_after_s`."""
    async with db.read() as conn:
        rows = await node_central_repo.nodes(conn)
    late = [
        r for r in rows if r.last_seen_at is None or (now - r.last_seen_at).total_seconds() > offline_after_s
    ]
    return [{"office_code": r.office_code, "offline_since": r.last_seen_at} for r in late]
