"""The community satisfaction survey (IKM): invitations and answers."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Date, Index, Integer, String, Table, Text, UniqueConstraint

from loket.domain.ikm import ELEMENT_KEYS
from loket.store.tables.base import metadata, office_fk
from loket.store.types import UTCDateTime

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
