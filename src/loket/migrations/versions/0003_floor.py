"""floor: tables of loket.store.tables (staff, stations, tickets, stages, measurements)

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import loket.store.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_accounts",
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("created_at", loket.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_staff_accounts")),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", loket.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", loket.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_staff_sessions")),
    )
    op.create_table(
        "staff_memberships",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("granted_at", loket.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["office_code"], ["offices.code"], name="fk_staff_memberships_office"),
        sa.PrimaryKeyConstraint("office_code", "username", name=op.f("pk_staff_memberships")),
    )
    op.create_index("ix_staff_memberships_username", "staff_memberships", ["username"], unique=False)
    op.create_table(
        "stage_transitions",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("ticket", sa.String(length=8), nullable=False),
        sa.Column("from_stage", sa.String(length=16), nullable=True),
        sa.Column("to_stage", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=40), nullable=False),
        sa.Column("station_code", sa.String(length=16), nullable=True),
        sa.Column("at", loket.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(["office_code"], ["offices.code"], name="fk_stage_transitions_office"),
        sa.PrimaryKeyConstraint("office_code", "id", name=op.f("pk_stage_transitions")),
    )
    op.create_index(
        "ix_stage_transitions_ticket", "stage_transitions", ["office_code", "day", "ticket"], unique=False
    )
    op.create_table(
        "stage_visits",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("ticket", sa.String(length=8), nullable=False),
        sa.Column("visit", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("queued_at", loket.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("called_at", loket.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", loket.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("station_code", sa.String(length=16), nullable=True),
        sa.Column("officer", sa.String(length=40), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["office_code"], ["offices.code"], name="fk_stage_visits_office"),
        sa.PrimaryKeyConstraint("office_code", "day", "ticket", "visit", name=op.f("pk_stage_visits")),
    )
    op.create_index("ix_stage_visits_called", "stage_visits", ["office_code", "called_at"], unique=False)
    op.create_table(
        "station_states",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("station_code", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=200), server_default="", nullable=False),
        sa.Column("since", loket.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("officer", sa.String(length=40), nullable=True),
        sa.Column("ticket_day", sa.Date(), nullable=True),
        sa.Column("ticket", sa.String(length=8), nullable=True),
        sa.ForeignKeyConstraint(["office_code"], ["offices.code"], name="fk_station_states_office"),
        sa.PrimaryKeyConstraint("office_code", "station_code", name=op.f("pk_station_states")),
    )
    op.create_table(
        "ticket_counters",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["office_code"], ["offices.code"], name="fk_ticket_counters_office"),
        sa.PrimaryKeyConstraint("office_code", "day", "category", name=op.f("pk_ticket_counters")),
    )
    op.create_table(
        "tickets",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("ticket", sa.String(length=8), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("booking_code", sa.String(length=24), nullable=True),
        sa.Column("nik", sa.String(length=16), nullable=False),
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column("product", sa.String(length=32), nullable=False),
        sa.Column("priority_reason", sa.String(length=16), nullable=True),
        sa.Column("appointment_at", loket.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("checked_in_at", loket.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("class_rank", sa.Integer(), nullable=False),
        sa.Column("order_at", loket.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("queue_state", sa.String(length=8), nullable=False),
        sa.Column("queued_at", loket.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("target_station", sa.String(length=16), nullable=True),
        sa.Column("station_code", sa.String(length=16), nullable=True),
        sa.Column("called_at", loket.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("called_by", sa.String(length=40), nullable=True),
        sa.Column("recalls", sa.Integer(), server_default="0", nullable=False),
        sa.Column("paid", sa.Boolean(), nullable=False),
        sa.Column("dossier_complete_at", loket.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("biometrics_done_at", loket.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("missing_documents", sa.JSON(), nullable=False),
        sa.Column("updated_at", loket.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["office_code"], ["offices.code"], name="fk_tickets_office"),
        sa.PrimaryKeyConstraint("office_code", "day", "ticket", name=op.f("pk_tickets")),
    )
    op.create_index("ix_tickets_booking", "tickets", ["office_code", "booking_code"], unique=False)
    op.create_index("ix_tickets_due", "tickets", ["office_code", "due_date"], unique=False)
    op.create_index(
        "ix_tickets_queue",
        "tickets",
        ["office_code", "day", "stage", "queue_state", "class_rank", "late", "order_at", "seq"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_queue", table_name="tickets")
    op.drop_index("ix_tickets_due", table_name="tickets")
    op.drop_index("ix_tickets_booking", table_name="tickets")
    op.drop_table("tickets")
    op.drop_table("ticket_counters")
    op.drop_table("station_states")
    op.drop_index("ix_stage_visits_called", table_name="stage_visits")
    op.drop_table("stage_visits")
    op.drop_index("ix_stage_transitions_ticket", table_name="stage_transitions")
    op.drop_table("stage_transitions")
    op.drop_index("ix_staff_memberships_username", table_name="staff_memberships")
    op.drop_table("staff_memberships")
    op.drop_table("staff_sessions")
    op.drop_table("staff_accounts")
