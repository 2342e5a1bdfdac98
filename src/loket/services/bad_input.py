"""Store failures that are the request's fault, for the layers above the services: the web app
answers them with 422 without importing the store or SQLAlchemy (store/dialect.py says which)."""

from __future__ import annotations

from loket.store.dialect import BAD_VALUE_ERRORS

__all__ = ["BAD_VALUE_ERRORS"]
