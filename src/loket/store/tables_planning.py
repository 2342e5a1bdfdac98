"""Tables of planning (issue 6): the daily application history of each office."""

from __future__ import annotations

from loket.store.tables import metadata  # noqa: F401
