"""Tables of reports (issue 8)."""

from __future__ import annotations

from loket.store.tables import metadata  # noqa: F401
