"""What every table module shares: the metadata with its naming convention, the office key.

Every table that belongs to an office has `office_code` first in its primary key and in every
unique key, so the schema can be distributed by office (Citus) unchanged.
"""

from __future__ import annotations

from sqlalchemy import ForeignKeyConstraint, MetaData

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def office_fk(table: str) -> ForeignKeyConstraint:
    """The foreign key from a per-office table to its office."""
    return ForeignKeyConstraint(["office_code"], ["offices.code"], name=f"fk_{table}_office")
