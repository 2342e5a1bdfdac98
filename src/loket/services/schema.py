"""The database schema as the operator changes it: `loket db upgrade` migrates through here."""

from __future__ import annotations

from loket.store.migrate import upgrade


def upgrade_schema(url: str, revision: str = "head") -> None:
    """Migrate the database at `url` to `revision` (Alembic; running it again changes nothing)."""
    upgrade(url, revision)
