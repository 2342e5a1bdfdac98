"""The whole schema: `metadata` with every table registered (Alembic, tests)."""

from __future__ import annotations

from loket.store.tables import metadata

__all__ = ["metadata"]
