"""The office node's journal of floor events (issue 19).

Each floor use case is marked `@journaled(kind)`. On an office node (`enable()`), calling it
records its arguments; the first audit entry its transaction writes (services/audit.py) also
writes the journal row, in the same transaction, so a change and its event commit or roll back
together, as the outbox does. At the centre the same hook writes the event's "applied" row inside
the replayed change's own transaction (`applying`), which is what makes an upload idempotent.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any, TypeVar

from loket.store import node_central_repo, node_journal_repo
from loket.store.database import Connection, on_commit
from loket.store.ids import new_id

# What the replay supplies itself (handles and the centre's own rules), never journaled.
INJECTED = frozenset({"db", "bus", "catalog", "policy"})
# kind -> the use case itself (unwrapped), for the centre's replay.
REGISTRY: dict[str, Callable[..., Awaitable[Any]]] = {}

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


@dataclass
class _Pending:
    kind: str
    args: dict[str, Any]
    event_id: str = field(default_factory=new_id)
    written_on: object | None = None


@dataclass
class _Applying:
    office_code: str
    event_id: str
    seq: int
    kind: str
    node_at: datetime
    applied_at: datetime
    clock_offset_s: float | None
    written_on: object | None = None


_ENABLED = False
_EVENT: ContextVar[_Pending | None] = ContextVar("loket_node_event", default=None)
_APPLYING: ContextVar[_Applying | None] = ContextVar("loket_node_applying", default=None)


_WAKER: Callable[[], None] | None = None


def set_waker(waker: Callable[[], None] | None) -> None:
    """What to call once a journaled change has committed (the node's link uploads it at once)."""
    global _WAKER
    _WAKER = waker


def enable(on: bool = True) -> None:
    """Journal every floor event of this process (an office node)."""
    global _ENABLED
    _ENABLED = on


def enabled() -> bool:
    return _ENABLED


def quiet() -> bool:
    """True when an audit entry written now has no journal or applied row to go with it (not an
    office node, not the centre replaying a node's event): a use case may then write it on a
    `FastWrite`, whose connection the journal's repositories do not take."""
    return not _ENABLED and _APPLYING.get() is None


def encode(value: Any) -> Any:
    """A journaled argument as JSON (dates and moments tagged, so the replay gets them back)."""
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [encode(v) for v in value]
    return value


def decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        if "$dt" in value:
            return datetime.fromisoformat(value["$dt"])
        if "$date" in value:
            return date.fromisoformat(value["$date"])
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def journaled(kind: str) -> Callable[[F], F]:
    """Mark a floor use case: on a node its calls are journaled (the outermost one only)."""

    def wrap(fn: F) -> F:
        signature = inspect.signature(fn)
        REGISTRY[kind] = fn

        @functools.wraps(fn)
        async def journaling(*args: Any, **kwargs: Any) -> Any:
            if not _ENABLED or _EVENT.get() is not None:
                return await fn(*args, **kwargs)
            bound = signature.bind(*args, **kwargs)
            plain = {name: encode(v) for name, v in bound.arguments.items() if name not in INJECTED}
            token = _EVENT.set(_Pending(kind, plain))
            try:
                return await fn(*args, **kwargs)
            finally:
                _EVENT.reset(token)

        return journaling  # type: ignore[return-value]

    return wrap


@contextmanager
def applying(event: _Applying) -> Iterator[_Applying]:
    """At the centre: the replayed change's transaction also marks `event` applied."""
    token = _APPLYING.set(event)
    try:
        yield event
    finally:
        _APPLYING.reset(token)


def applied_event(**values: Any) -> _Applying:
    return _Applying(**values)


async def on_audit(conn: Connection, row: dict[str, Any]) -> None:
    """Called with every audit entry a service writes, inside its transaction."""
    pending = _EVENT.get()
    if pending is not None and pending.written_on is not conn:
        pending.written_on = conn  # once per transaction (a retried one writes again)
        await node_journal_repo.append(
            conn,
            {
                "office_code": row["office_code"],
                "event_id": pending.event_id,
                "kind": pending.kind,
                "args": pending.args,
                "effect": {"action": row["action"], "subject": row["subject"], "detail": row["detail"]},
                "at": row["at"],
            },
        )
        if _WAKER is not None:
            on_commit(conn, _WAKER)
    event = _APPLYING.get()
    if event is not None and event.written_on is not conn:
        event.written_on = conn
        await node_central_repo.mark_applied(conn, applied_row(event, "applied"))


def applied_row(event: _Applying, outcome: str) -> dict[str, Any]:
    return {
        "office_code": event.office_code,
        "event_id": event.event_id,
        "seq": event.seq,
        "kind": event.kind,
        "outcome": outcome,
        "node_at": event.node_at,
        "applied_at": event.applied_at,
        "clock_offset_s": event.clock_offset_s,
    }
