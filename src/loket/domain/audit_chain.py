"""The audit log's hash chain: how an entry is hashed onto the one before it, and how a chain is
checked. Pure: the sealer and `loket audit verify` (services/audit.py) feed it rows.

Each office has its own chain. Entry n's hash is SHA-256 over entry n-1's hash and a canonical
encoding of entry n (its place `seq`, id, time, actor, action, subject and detail), so changing,
removing or reordering a sealed entry breaks the link after it. docs/security.md states what this
does and does not guarantee.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

GENESIS = "0" * 64  # the "previous hash" of every chain's first entry


class BreakKind(StrEnum):
    GAP = "gap"  # a sequence number is missing: a sealed entry was deleted
    OUT_OF_ORDER = "out_of_order"  # sequence numbers repeat or run backwards
    LINK = "link"  # prev_hash does not name the entry before: entries were moved or removed
    HASH = "hash"  # the entry's content no longer gives its hash: it was changed after sealing
    HEAD = "head"  # the chain ends before the recorded head: its end was cut off


@dataclass(frozen=True)
class Entry:
    """One audit row as the chain sees it."""

    office_code: str
    id: str
    at: datetime
    actor: str
    action: str
    subject: str
    detail: Mapping[str, Any] = field(default_factory=dict)
    seq: int | None = None
    prev_hash: str | None = None
    hash: str | None = None
    mac: str | None = None


@dataclass(frozen=True)
class Link:
    """What the sealer writes onto an entry."""

    id: str
    seq: int
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Break:
    """The first broken link of a chain."""

    office_code: str
    seq: int
    entry_id: str | None
    kind: BreakKind


def _moment(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("audit times are aware UTC moments")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(entry: Entry, seq: int) -> bytes:
    """The bytes an entry is hashed as: a JSON array with sorted keys, no spaces, UTF-8."""
    body = [entry.office_code, seq, entry.id, _moment(entry.at), entry.actor, entry.action, entry.subject]
    body.append(dict(entry.detail))
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_mac(key: bytes, entry: Entry) -> str:
    """HMAC-SHA256 (hex) of the entry's canonical bytes (before it has a place) with the
    application's audit key (issue 21). The key is not in the database: a row inserted there by
    hand cannot carry a valid MAC, so the sealer refuses it instead of sealing it as genuine."""
    return hmac.new(key, canonical(entry, 0), hashlib.sha256).hexdigest()


def mac_ok(key: bytes, entry: Entry) -> bool:
    """True when the entry carries the MAC the application gave it (constant-time compare)."""
    return entry.mac is not None and hmac.compare_digest(entry.mac, entry_mac(key, entry))


def link_hash(prev_hash: str, entry: Entry, seq: int) -> str:
    """SHA-256 (hex) of the previous hash, a newline and the entry's canonical bytes."""
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(entry, seq)).hexdigest()


def seal_order(entries: Iterable[Entry]) -> list[Entry]:
    """The order unsealed entries join the chain: by time, then id (ids are time-ordered and unique)."""
    return sorted(entries, key=lambda e: (e.at, e.id))


def seal(entries: Iterable[Entry], head_seq: int, head_hash: str) -> list[Link]:
    """Chain `entries` (already in seal order) onto the head (0 and GENESIS for a new chain)."""
    links = []
    prev, seq = head_hash, head_seq
    for entry in entries:
        seq += 1
        digest = link_hash(prev, entry, seq)
        links.append(Link(entry.id, seq, prev, digest))
        prev = digest
    return links


@dataclass
class Walk:
    """Checks a chain entry by entry (fed in `seq` order, in as many batches as needed)."""

    office_code: str
    seq: int = 0
    hash: str = GENESIS
    checked: int = 0
    broken: Break | None = None

    def feed(self, entries: Iterable[Entry]) -> Break | None:
        """Check the next entries; returns (and keeps) the first break found."""
        if self.broken is not None:
            return self.broken
        for entry in entries:
            self.broken = self._check(entry)
            if self.broken is not None:
                return self.broken
            self.seq, self.hash = self.seq + 1, str(entry.hash)
            self.checked += 1
        return None

    def _check(self, entry: Entry) -> Break | None:
        expected = self.seq + 1
        if entry.seq is None or entry.seq < expected:
            return Break(self.office_code, expected, entry.id, BreakKind.OUT_OF_ORDER)
        if entry.seq > expected:
            return Break(self.office_code, expected, None, BreakKind.GAP)
        if entry.prev_hash != self.hash:
            return Break(self.office_code, expected, entry.id, BreakKind.LINK)
        if entry.hash != link_hash(self.hash, entry, expected):
            return Break(self.office_code, expected, entry.id, BreakKind.HASH)
        return None

    def finish(self, head_seq: int | None, head_hash: str | None) -> Break | None:
        """After the last entry: the chain must reach the recorded head (a cut-off end shows here)."""
        if self.broken is None and head_seq is not None and (head_seq, head_hash) != (self.seq, self.hash):
            self.broken = Break(self.office_code, self.seq + 1, None, BreakKind.HEAD)
        return self.broken


def verify(office_code: str, entries: Iterable[Entry], head: tuple[int, str] | None = None) -> Break | None:
    """The first broken link of a whole chain given in `seq` order, or None when it is intact."""
    walk = Walk(office_code)
    walk.feed(entries)
    return walk.finish(*(head or (None, None)))
