"""The whole schema: every table module, imported so that `metadata` knows all tables
(Alembic, tests). Each capability keeps its tables in its own module."""

from __future__ import annotations

from loket.store import (  # noqa: F401  (registers the tables)
    tables,
    tables_applicant,
    tables_floor,
    tables_planning,
    tables_reports,
    tables_security,
)
from loket.store.tables import metadata

__all__ = ["metadata"]
