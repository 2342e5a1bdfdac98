"""Tables of security (issue 7)."""

from __future__ import annotations

from loket.store.tables import metadata  # noqa: F401
