"""The office node (issue 19): at the centre, each office's registered node and its link, the
journal events already applied, the conflict cases; at the office, the node's own journal and link."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Float, Integer, String, Table, UniqueConstraint

from loket.store.tables.base import metadata, office_fk
from loket.store.types import UTCDateTime

# Centre: the office's node, its token (hashed, as kiosk devices) and what its link last did.
office_nodes = Table(
    "office_nodes",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("token_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=True),
    Column("last_upload_at", UTCDateTime, nullable=True),
    # Centre's clock minus the node's, measured at the last upload (seconds).
    Column("clock_offset_s", Float, nullable=True),
    Column("events_applied", Integer, nullable=False, server_default="0"),
    office_fk("office_nodes"),
)


# Centre: every journal event applied once; the key makes a repeated upload change nothing.
node_applied_events = Table(
    "node_applied_events",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("event_id", String(32), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("outcome", String(16), nullable=False),  # applied | conflict | noop
    Column("node_at", UTCDateTime, nullable=False),
    Column("applied_at", UTCDateTime, nullable=False),
    Column("clock_offset_s", Float, nullable=True),
    office_fk("node_applied_events"),
)


# Centre: what the office did offline that the centre disagrees with, both versions kept.
node_conflicts = Table(
    "node_conflicts",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("id", String(32), primary_key=True),
    Column("event_id", String(32), nullable=False),
    Column("kind", String(32), nullable=False),  # booking_changed | payment_missing | ticket_number
    Column("subject", String(40), nullable=False),
    Column("node_version", JSON, nullable=False),
    Column("centre_version", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False),  # open | resolved
    Column("resolution", String(32), nullable=True),
    Column("resolved_by", String(40), nullable=True),
    Column("resolved_at", UTCDateTime, nullable=True),
    office_fk("node_conflicts"),
)


# Node: every floor event, written in the transaction of the change, uploaded in `seq` order.
node_journal = Table(
    "node_journal",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("event_id", String(32), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("args", JSON, nullable=False),
    # What the change was (the audit entry's action, subject and detail): the centre compares.
    Column("effect", JSON, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("uploaded_at", UTCDateTime, nullable=True),
    UniqueConstraint("office_code", "seq", name="uq_node_journal_office_seq"),
    office_fk("node_journal"),
)


# Node: the state of its link to the centre (one row per office it serves).
node_links = Table(
    "node_links",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("last_pull_at", UTCDateTime, nullable=True),
    Column("last_upload_at", UTCDateTime, nullable=True),
    Column("offline_since", UTCDateTime, nullable=True),
    Column("last_error", String(200), nullable=True),
)
