"""Tables of reports (issue 8): service targets, imported bank statements, the satisfaction survey.

Every table belongs to an office: `office_code` comes first in every primary and unique key.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from loket.domain.ikm import ELEMENT_KEYS
from loket.store.tables import metadata, office_fk
from loket.store.types import UTCDateTime

# An office's own wait and service targets per stage (seconds; NULL: no target). Stages without a
# row use the defaults of domain/service_targets.py.
stage_targets = Table(
    "stage_targets",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("stage", String(16), primary_key=True),
    Column("wait_s", Integer, nullable=True),
    Column("service_s", Integer, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(100), nullable=False),
    office_fk("stage_targets"),
)

# One row per imported statement file; `statement_id` fingerprints its lines, so importing the
# same statement again finds its row and changes nothing.
bank_statements = Table(
    "bank_statements",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("statement_id", String(64), primary_key=True),
    Column("filename", String(200), nullable=False),
    Column("lines", Integer, nullable=False),
    Column("total", BigInteger, nullable=False),
    Column("first_day", Date, nullable=False),
    Column("last_day", Date, nullable=False),
    Column("imported_at", UTCDateTime, nullable=False),
    Column("imported_by", String(100), nullable=False),
    office_fk("bank_statements"),
)

# What the bank says it received, one row per receipt number (NTPN).
bank_statement_lines = Table(
    "bank_statement_lines",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("ntpn", String(32), primary_key=True),
    Column("billing_code", String(15), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("paid_at", UTCDateTime, nullable=False),
    Column("bank", String(16), nullable=False),
    Column("statement_id", String(64), nullable=False),
    Column("line", Integer, nullable=False),
    CheckConstraint("amount > 0", name="amount"),
    office_fk("bank_statement_lines"),
)
Index("ix_statement_lines_paid", bank_statement_lines.c.office_code, bank_statement_lines.c.paid_at)

# The survey link sent after collection: one per application. Only the token's SHA-256 is kept;
# answering sets `answered_at`, which makes the link single-use.
survey_invitations = Table(
    "survey_invitations",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("booking_code", String(24), primary_key=True),
    Column("token_hash", String(64), nullable=False),
    Column("day", Date, nullable=False),
    Column("ticket", String(8), nullable=False),
    Column("invited_at", UTCDateTime, nullable=False),
    Column("answered_at", UTCDateTime, nullable=True),
    UniqueConstraint("office_code", "token_hash", name="uq_survey_invitations_office_code"),
    office_fk("survey_invitations"),
)

# The answers: nine scores (1 to 4, PermenPAN-RB 14/2017) and a comment; one per application.
survey_responses = Table(
    "survey_responses",
    metadata,
    Column("office_code", String(8), primary_key=True),
    Column("booking_code", String(24), primary_key=True),
    Column("answered_at", UTCDateTime, nullable=False),
    *(Column(key, Integer, nullable=False) for key in ELEMENT_KEYS),
    Column("comment", Text, nullable=False, server_default=""),
    Column("locale", String(5), nullable=False),
    *(CheckConstraint(f"{key} BETWEEN 1 AND 4", name=f"{key}_scale") for key in ELEMENT_KEYS),
    office_fk("survey_responses"),
)
Index("ix_survey_responses_answered", survey_responses.c.office_code, survey_responses.c.answered_at)
