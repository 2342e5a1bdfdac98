"""The notification outbox: messages written in the transaction of the event they tell about."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, Integer, String, Table, Text, UniqueConstraint

from loket.store.tables.base import metadata
from loket.store.types import UTCDateTime

# Messages to send, written in the same transaction as the event they tell about (the outbox);
# `loket worker` delivers them. `idempotency_key` travels with the message so that a message
# re-sent after a crash is recognised by the receiving side.
notify_outbox = Table(
    "notify_outbox",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("id", String(32), primary_key=True),
    Column("idempotency_key", String(120), nullable=False),
    Column("event", String(32), nullable=False),
    Column("subject", String(24), nullable=False),  # the booking or waiting-list entry code
    Column("channel", String(8), nullable=False),  # email | phone
    Column("recipient", String(254), nullable=False),
    Column("locale", String(5), nullable=False),
    Column("params", JSON, nullable=False),
    # pending -> sending (leased to a worker) -> sent | failed | skipped
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    UniqueConstraint("office_code", "idempotency_key", name="uq_notify_outbox_office_code"),
)


Index("ix_outbox_due", notify_outbox.c.status, notify_outbox.c.next_attempt_at)


Index("ix_outbox_subject", notify_outbox.c.office_code, notify_outbox.c.subject)
