"""Tables of the applicant's side (issue 5): waiting lists, offers, the notification outbox."""

from __future__ import annotations

from loket.store.tables import metadata  # noqa: F401
