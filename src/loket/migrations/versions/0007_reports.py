"""reports: tables of loket.store.tables (service targets, bank statements, IKM survey)

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import loket.store.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The nine elements of PermenPAN-RB 14/2017, written out: a migration never imports app code
# that may change after it.
ELEMENTS = ("u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9")


def _office_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["office_code"], ["offices.code"], name=f"fk_{table}_office")


def upgrade() -> None:
    utc = loket.store.types.UTCDateTime(timezone=True)
    op.create_table(
        "stage_targets",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("wait_s", sa.Integer(), nullable=True),
        sa.Column("service_s", sa.Integer(), nullable=True),
        sa.Column("updated_at", utc, nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        _office_fk("stage_targets"),
        sa.PrimaryKeyConstraint("office_code", "stage", name=op.f("pk_stage_targets")),
    )
    op.create_table(
        "bank_statements",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("statement_id", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("imported_at", utc, nullable=False),
        sa.Column("imported_by", sa.String(length=100), nullable=False),
        _office_fk("bank_statements"),
        sa.PrimaryKeyConstraint("office_code", "statement_id", name=op.f("pk_bank_statements")),
    )
    op.create_table(
        "bank_statement_lines",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("ntpn", sa.String(length=32), nullable=False),
        sa.Column("billing_code", sa.String(length=15), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("paid_at", utc, nullable=False),
        sa.Column("bank", sa.String(length=16), nullable=False),
        sa.Column("statement_id", sa.String(length=64), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_bank_statement_lines_amount")),
        _office_fk("bank_statement_lines"),
        sa.PrimaryKeyConstraint("office_code", "ntpn", name=op.f("pk_bank_statement_lines")),
    )
    op.create_index(
        "ix_statement_lines_paid", "bank_statement_lines", ["office_code", "paid_at"], unique=False
    )
    op.create_table(
        "survey_invitations",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("booking_code", sa.String(length=24), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("ticket", sa.String(length=8), nullable=False),
        sa.Column("invited_at", utc, nullable=False),
        sa.Column("answered_at", utc, nullable=True),
        _office_fk("survey_invitations"),
        sa.PrimaryKeyConstraint("office_code", "booking_code", name=op.f("pk_survey_invitations")),
        sa.UniqueConstraint("office_code", "token_hash", name="uq_survey_invitations_office_code"),
    )
    op.create_table(
        "survey_responses",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("booking_code", sa.String(length=24), nullable=False),
        sa.Column("answered_at", utc, nullable=False),
        *(sa.Column(key, sa.Integer(), nullable=False) for key in ELEMENTS),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        *(
            sa.CheckConstraint(f"{key} BETWEEN 1 AND 4", name=op.f(f"ck_survey_responses_{key}_scale"))
            for key in ELEMENTS
        ),
        _office_fk("survey_responses"),
        sa.PrimaryKeyConstraint("office_code", "booking_code", name=op.f("pk_survey_responses")),
    )
    op.create_index(
        "ix_survey_responses_answered", "survey_responses", ["office_code", "answered_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_survey_responses_answered", table_name="survey_responses")
    op.drop_table("survey_responses")
    op.drop_table("survey_invitations")
    op.drop_index("ix_statement_lines_paid", table_name="bank_statement_lines")
    op.drop_table("bank_statement_lines")
    op.drop_table("bank_statements")
    op.drop_table("stage_targets")
