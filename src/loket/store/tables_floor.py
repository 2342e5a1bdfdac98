"""Tables of the office floor and staff (issue 4): staff accounts, tickets, stages, stations."""

from __future__ import annotations

from loket.store.tables import metadata  # noqa: F401
