"""Database outages, for the layers above the services: the web app answers them with 503 and
Retry-After without importing the store or SQLAlchemy (store/dialect.py says which errors)."""

from __future__ import annotations

from loket.store.dialect import UNAVAILABLE_ERRORS, is_unavailable

__all__ = ["UNAVAILABLE_ERRORS", "is_unavailable"]
