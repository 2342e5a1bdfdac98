"""The ASGI app for `loket serve` (uvicorn imports this; settings come from the environment)."""

from __future__ import annotations

from loket.settings import get_settings
from loket.web.app import create_app

app = create_app(get_settings())
