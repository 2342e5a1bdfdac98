"""The ASGI app for `loket serve` (uvicorn imports this; settings come from the environment)."""

from __future__ import annotations

from loket.settings import get_settings, with_secret
from loket.web.app import create_app

# Refuses to start with the published default secret key outside the demo (settings.with_secret).
app = create_app(with_secret(get_settings()))
