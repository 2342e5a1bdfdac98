"""The office node's link to the centre (issue 19): upload the journal in order, then pull the
mirror, on an interval and whenever woken; keep the link's state for the staff pages.

The floor never waits for this: it runs on the node's own database whether the link is up or
not. An upload that fails leaves the events waiting (their `uploaded_at` stays empty) and the
next round sends them again; the centre skips those it already applied."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from loket.clock import Clock
from loket.services.node_journal import encode
from loket.store import node_journal_repo, node_mirror_repo
from loket.store.database import Database

log = logging.getLogger(__name__)
BATCH = 200


@dataclass
class LinkState:
    """What every staff page of the node shows."""

    office_code: str
    online: bool = False
    offline_since: datetime | None = None
    waiting: int = 0
    last_pull_at: datetime | None = None
    last_upload_at: datetime | None = None
    last_error: str = ""
    timezone: str = "Asia/Jakarta"  # the office's, from the mirror: the banner shows local time


class NodeLink:
    """One node's link: `run()` is the background task of `loket serve --office-node`."""

    def __init__(
        self,
        db: Database,
        *,
        central_url: str,
        office_code: str,
        token: str,
        interval_s: float,
        clock: Clock,
        timeout_s: float = 10.0,
    ) -> None:
        self.db = db
        self.office_code = office_code
        self.interval_s = interval_s
        self.clock = clock
        self.state = LinkState(office_code, offline_since=clock())
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._client = httpx.AsyncClient(
            base_url=central_url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout_s,
        )

    def wake(self) -> None:
        """Sync now (a floor change to upload, or the centre told us something changed)."""
        self._wake.set()

    async def run(self) -> None:
        while True:
            await self.sync_once()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval_s)
            self._wake.clear()

    async def listen(self, wait_s: float = 25.0, retry_s: float = 2.0) -> None:
        """The centre's push: a long-poll that returns when the office's bookings change there."""
        mark = ""
        failed = False
        while True:
            try:
                answer = await self._client.get(
                    f"/api/v1/node/{self.office_code}/changes",
                    params={"since": mark, "wait_s": wait_s},
                    timeout=wait_s + 10,
                )
                answer.raise_for_status()
                told = answer.json()
            except (httpx.HTTPError, ValueError):
                if not failed:
                    self.wake()  # a round notices the link is down and says so on every page
                failed = True
                await asyncio.sleep(min(self.interval_s, retry_s))
                continue
            if failed or (told["changed"] and mark):
                self.wake()  # the link is back, or the centre has news: upload and pull now
            failed = False
            mark = told["mark"]

    async def close(self) -> None:
        await self._client.aclose()

    async def sync_once(self, *, everything: bool = False) -> bool:
        """Upload, then pull; True when both went through. Never raises on a link failure."""
        async with self._lock:
            now = self.clock()
            try:
                uploaded = await self._upload(everything)
                await self._pull()
            except (httpx.HTTPError, ValueError) as failed:
                await self._down(now, failed)
                ok = False
            else:
                await self._up(now, uploaded)
                ok = True
            async with self.db.read() as conn:
                self.state.waiting = await node_journal_repo.count_pending(conn, self.office_code)
            return ok

    async def _upload(self, everything: bool) -> int:
        sent = 0
        offset = 0
        while True:
            async with self.db.read() as conn:
                if everything:
                    rows = (await node_journal_repo.everything(conn, self.office_code, offset + BATCH))[
                        offset:
                    ]
                else:
                    rows = await node_journal_repo.pending(conn, self.office_code, BATCH)
            if not rows:
                return sent
            body = {"node_time": self.clock().isoformat(), "events": [_event(r) for r in rows]}
            answer = await self._client.post(f"/api/v1/node/{self.office_code}/journal", json=body)
            answer.raise_for_status()
            async with self.db.write() as conn:
                await node_journal_repo.mark_uploaded(
                    conn, self.office_code, [r.event_id for r in rows], self.clock()
                )
            sent += len(rows)
            offset += len(rows)
            if len(rows) < BATCH:
                return sent

    async def _pull(self) -> None:
        answer = await self._client.get(f"/api/v1/node/{self.office_code}/mirror")
        answer.raise_for_status()
        mirror = answer.json()
        await load_mirror(self.db, mirror)
        for office in mirror["tables"].get("offices", []):
            self.state.timezone = office["timezone"]

    async def _up(self, now: datetime, uploaded: int) -> None:
        if not self.state.online:
            log.info("node %s: link to the centre is up", self.office_code)
        self.state.online = True
        self.state.offline_since = None
        self.state.last_pull_at = now
        self.state.last_error = ""
        if uploaded:
            self.state.last_upload_at = now
        async with self.db.write() as conn:
            await node_journal_repo.set_link(
                conn,
                self.office_code,
                last_pull_at=now,
                offline_since=None,
                last_error=None,
                **({"last_upload_at": now} if uploaded else {}),
            )

    async def _down(self, now: datetime, failed: Exception) -> None:
        if self.state.online or self.state.offline_since is None:
            log.warning("node %s: link to the centre is down: %s", self.office_code, failed)
            self.state.offline_since = now
        self.state.online = False
        self.state.last_error = type(failed).__name__
        async with self.db.write() as conn:
            await node_journal_repo.set_link(
                conn,
                self.office_code,
                offline_since=self.state.offline_since,
                last_error=self.state.last_error,
            )


async def load_mirror(db: Database, mirror: dict[str, Any]) -> int:
    """Write the centre's mirror into the node's database, in one transaction; rows written."""
    async with db.write() as conn:
        return await node_mirror_repo.load(conn, mirror["tables"])


async def outgoing(
    db: Database, office_code: str, *, everything: bool = False, offset: int = 0
) -> list[dict[str, Any]]:
    """The next batch to upload, in journal order: those not sent yet, or (`everything`) all again."""
    async with db.read() as conn:
        if everything:
            rows = (await node_journal_repo.everything(conn, office_code, offset + BATCH))[offset:]
        else:
            rows = await node_journal_repo.pending(conn, office_code, BATCH)
    return [_event(r) for r in rows]


async def mark_sent(db: Database, office_code: str, events: list[dict[str, Any]], now: datetime) -> None:
    async with db.write() as conn:
        await node_journal_repo.mark_uploaded(conn, office_code, [e["id"] for e in events], now)


def _event(row: Any) -> dict[str, Any]:
    return {
        "id": row.event_id,
        "seq": row.seq,
        "kind": row.kind,
        "args": row.args,
        "effect": row.effect,
        "at": encode(row.at)["$dt"],
    }


async def upload_once(
    db: Database, *, central_url: str, office_code: str, token: str, clock: Clock, everything: bool
) -> LinkState:
    """One round from the command line (`loket node sync`)."""
    link = NodeLink(
        db, central_url=central_url, office_code=office_code, token=token, interval_s=0, clock=clock
    )
    try:
        await link.sync_once(everything=everything)
    finally:
        await link.close()
    return link.state
