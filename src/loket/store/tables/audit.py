"""The audit log and the sealed head of each office's hash chain (docs/security.md)."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Index, String, Table, UniqueConstraint

from loket.store.tables.base import metadata
from loket.store.types import UTCDateTime

audit_log = Table(
    "audit_log",
    metadata,
    Column("office_code", String(8), primary_key=True),
    # Time-ordered random id (see store.ids): unique without a per-office counter to contend on.
    Column("id", String(32), primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(64), nullable=False),
    Column("subject", String(100), nullable=False, server_default=""),
    Column("detail", JSON, nullable=False),
    # The hash chain (issue 7, docs/security.md): NULL until the sealer gives the entry its place
    # in the office's chain; written once, never changed (a trigger refuses it on PostgreSQL).
    Column("seq", BigInteger, nullable=True),
    Column("prev_hash", String(64), nullable=True),
    Column("hash", String(64), nullable=True),
    # HMAC-SHA256 of the entry made by the application at insert time with a key the database
    # does not hold (issue 21): the sealer refuses rows without a valid one.
    Column("mac", String(64), nullable=True),
    UniqueConstraint("office_code", "seq", name="uq_audit_log_office_code"),
)


# The sealer reads only the unsealed tail, however long the sealed history grows.
Index(
    "ix_audit_log_unsealed",
    audit_log.c.office_code,
    audit_log.c.at,
    audit_log.c.id,
    postgresql_where=audit_log.c.seq.is_(None),
    sqlite_where=audit_log.c.seq.is_(None),
)


# The sealed end of each office's audit chain (office '*' for national writes). The chain itself is
# in audit_log (seq, prev_hash, hash); this row is the sealer's lock and a copy of the head.
audit_heads = Table(
    "audit_heads",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("sealed_at", UTCDateTime, nullable=False),
)
