"""Logs never carry a NIK: every log record's message, and the traceback it carries, is passed
through `mask_niks` before any handler sees it (UU 27/2022: personal data only where the role needs it)."""

from __future__ import annotations

import logging
import re
from typing import Any

from loket.domain.identity import mask_nik

# 16 digits standing alone: a NIK (billing codes have 15 digits, booking codes contain letters).
_NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")
_installed = False
_FORMATTER = logging.Formatter()


def mask_niks(text: str) -> str:
    """`text` with every 16-digit number shown as 3171********0001."""
    return _NIK.sub(lambda m: mask_nik(m.group(0)), text)


def install_log_masking() -> None:
    """Mask NIKs in every log record of this process, whichever logger or handler it goes to."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's problem, not ours to hide
            return record
        masked = mask_niks(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # A traceback is formatted by the handler, after this factory: format it now, masked,
            # so that an exception's text (a driver's DETAIL line, a value in a message) is
            # masked too. Handlers use `exc_text` when it is set.
            record.exc_text = mask_niks(_FORMATTER.formatException(record.exc_info))
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
