"""A JSON response serialised by orjson: the hot paths build their bodies by hand."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse


class JSONBytes(JSONResponse):
    """JSONResponse rendered with orjson (several times faster than the stdlib encoder)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)
