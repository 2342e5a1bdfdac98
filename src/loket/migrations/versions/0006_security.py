"""security: release modes and ballots, the audit chain, sign-in guards, anti-broker columns

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import loket.store.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC = loket.store.types.UTCDateTime(timezone=True)

# audit_log is append-only: no DELETE, and an UPDATE only seals an unsealed entry (NULL -> chain
# columns) without touching its content. Enforced below the application, for every client.
PG_GUARD = """
CREATE OR REPLACE FUNCTION audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'audit_log is append-only: DELETE refused' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.seq IS NOT NULL
       OR NEW.office_code IS DISTINCT FROM OLD.office_code OR NEW.id IS DISTINCT FROM OLD.id
       OR NEW.at IS DISTINCT FROM OLD.at OR NEW.actor IS DISTINCT FROM OLD.actor
       OR NEW.action IS DISTINCT FROM OLD.action OR NEW.subject IS DISTINCT FROM OLD.subject
       OR NEW.detail::text IS DISTINCT FROM OLD.detail::text THEN
        RAISE EXCEPTION 'audit_log is append-only: UPDATE refused' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_guard();
"""
SQLITE_GUARDS = (
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END""",
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
       WHEN OLD.seq IS NOT NULL OR NEW.office_code IS NOT OLD.office_code OR NEW.id IS NOT OLD.id
         OR NEW.at IS NOT OLD.at OR NEW.actor IS NOT OLD.actor OR NEW.action IS NOT OLD.action
         OR NEW.subject IS NOT OLD.subject OR NEW.detail IS NOT OLD.detail
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END""",
)


def upgrade() -> None:
    op.create_table(
        "day_releases",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("opens_at", UTC, nullable=False),
        sa.Column("closes_at", UTC, nullable=True),
        sa.Column("commitment", sa.String(length=64), nullable=True),
        sa.Column("seed", sa.String(length=64), nullable=True),
        sa.Column("entries_digest", sa.String(length=64), nullable=True),
        sa.Column("drawn_at", UTC, nullable=True),
        sa.Column("draw_capacity", sa.JSON(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.CheckConstraint("mode IN ('fcfs', 'ballot')", name=op.f("ck_day_releases_mode")),
        sa.ForeignKeyConstraint(["office_code"], ["offices.code"], name="fk_day_releases_office"),
        sa.PrimaryKeyConstraint("office_code", "day", name=op.f("pk_day_releases")),
    )
    op.create_table(
        "ballot_entries",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("nik", sa.String(length=16), nullable=False),
        sa.Column("entry_code", sa.String(length=24), nullable=False),
        sa.Column("starts", sa.Time(), nullable=False),
        sa.Column("flexible", sa.Boolean(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(length=8), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("product", sa.String(length=32), nullable=False),
        sa.Column("validity_years", sa.Integer(), nullable=True),
        sa.Column("service", sa.String(length=24), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("client_ip", sa.String(length=45), nullable=True),
        sa.Column("client_fp", sa.String(length=16), nullable=True),
        sa.Column("entered_at", UTC, nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("drawn_session", sa.String(length=5), nullable=True),
        sa.Column("booking_code", sa.String(length=24), nullable=True),
        sa.Column("waitlist_code", sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(["office_code"], ["offices.code"], name="fk_ballot_entries_office"),
        sa.PrimaryKeyConstraint("office_code", "day", "nik", name=op.f("pk_ballot_entries")),
        sa.UniqueConstraint("office_code", "entry_code", name="uq_ballot_entries_office_code"),
    )
    op.create_table(
        "ballot_contacts",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("contact", sa.String(length=270), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["office_code"], ["offices.code"], name="fk_ballot_contacts_office"),
        sa.PrimaryKeyConstraint("office_code", "day", "contact", name=op.f("pk_ballot_contacts")),
    )
    op.create_table(
        "audit_heads",
        sa.Column("office_code", sa.String(length=8), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("sealed_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("office_code", name=op.f("pk_audit_heads")),
    )
    op.create_table(
        "login_guards",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", UTC, nullable=False),
        sa.Column("locked_until", UTC, nullable=True),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_login_guards")),
    )
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
        batch.create_unique_constraint("uq_audit_log_office_code", ["office_code", "seq"])
    op.create_index(
        "ix_audit_log_unsealed",
        "audit_log",
        ["office_code", "at", "id"],
        postgresql_where=sa.text("seq IS NULL"),
        sqlite_where=sa.text("seq IS NULL"),
    )
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("client_ip", sa.String(length=45), nullable=True))
        batch.add_column(sa.Column("client_fp", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("address_key", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("verify_in_person", sa.Boolean(), server_default="0", nullable=False))
        batch.add_column(sa.Column("flag_reason", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("purged_at", UTC, nullable=True))
    with op.batch_alter_table("payments") as batch:
        batch.add_column(sa.Column("payer", sa.String(length=64), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_GUARD)
    else:
        for statement in SQLITE_GUARDS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_guard()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    with op.batch_alter_table("payments") as batch:
        batch.drop_column("payer")
    with op.batch_alter_table("bookings") as batch:
        for name in ("purged_at", "flag_reason", "verify_in_person", "address_key", "client_fp", "client_ip"):
            batch.drop_column(name)
    op.drop_index("ix_audit_log_unsealed", table_name="audit_log")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_constraint("uq_audit_log_office_code", type_="unique")
        for name in ("hash", "prev_hash", "seq"):
            batch.drop_column(name)
    for table in ("login_guards", "audit_heads", "ballot_contacts", "ballot_entries", "day_releases"):
        op.drop_table(table)
