"""Staff accounts, their roles per office, signed-in sessions and sign-in failures."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, String, Table

from loket.store.tables.base import metadata, office_fk
from loket.store.types import UTCDateTime

# National: one account per person, whichever offices they serve.
staff_accounts = Table(
    "staff_accounts",
    metadata,
    Column("username", String(40), primary_key=True),
    Column("full_name", String(120), nullable=False),
    Column("password_hash", String(200), nullable=False),
    # Where the staff member is told of repeated failed sign-ins (issue 21); optional.
    Column("email", String(254), nullable=True),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("created_at", UTCDateTime, nullable=False),
)


# The role an account holds in one office.
staff_memberships = Table(
    "staff_memberships",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("username", String(40), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("granted_at", UTCDateTime, nullable=False),
    office_fk("staff_memberships"),
)


Index("ix_staff_memberships_username", staff_memberships.c.username)


# Signed-in sessions: the cookie carries a random token; only its SHA-256 is stored.
staff_sessions = Table(
    "staff_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("username", String(40), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)


# Failed sign-ins per typed username (known or not, so a lock-out reveals no account).
# Failed sign-ins per typed username *and* the network it came from (issue 21): a stranger's
# failures slow down only the stranger, never the staff member at their own desk.
login_guards = Table(
    "login_guards",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("address", String(64), primary_key=True),  # domain.client.network_key, "" if unknown
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", UTCDateTime, nullable=False),
    # No attempt from this address for this name is checked before this moment.
    Column("locked_until", UTCDateTime, nullable=True),
)


# Invitations: a single-use link (only the SHA-256 of its token is stored) where the invited
# person chooses a username and a password; it grants `role` in `office_code` once used.
staff_invitations = Table(
    "staff_invitations",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("token_hash", String(64), primary_key=True),
    Column("email", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("invited_by", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
    Column("used_by", String(40), nullable=True),
    office_fk("staff_invitations"),
)


# The link carries only the token: find its office by the token's hash.
Index("ix_staff_invitations_token_hash", staff_invitations.c.token_hash, unique=False)
