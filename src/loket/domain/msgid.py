"""Marking English msgids for extraction in the domain, which imports no i18n machinery."""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a msgid for extraction (`make i18n`); it is translated where it is shown."""
    return message
