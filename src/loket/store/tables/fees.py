"""The national fee schedule (a reference table on a distributed cluster)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Column, Date, String, Table

from loket.store.tables.base import metadata

# National, not per office: a reference table on a distributed cluster.
fee_tariffs = Table(
    "fee_tariffs",
    metadata,
    Column("product", String(32), primary_key=True),
    Column("effective_from", Date, primary_key=True),
    Column("amount", BigInteger, nullable=False),
    Column("regulation", String(64), nullable=False),
    Column("active", Boolean, nullable=False, server_default="1"),
    # What the officer must see before granting the product (a free category's proof), if anything.
    Column("proof", String(200), nullable=True),
    CheckConstraint("amount >= 0", name="amount"),
)
