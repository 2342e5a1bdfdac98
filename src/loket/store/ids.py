"""Identifiers: time-ordered for keys, unguessable for codes people carry."""

from __future__ import annotations

import secrets
import time


def new_id() -> str:
    """A 32-character hex id: 48-bit millisecond time then 80 random bits, sortable by time."""
    return f"{int(time.time() * 1000):012x}{secrets.token_hex(10)}"
