"""CSRF protection of the forms that need no sign-in (applicant pages, the staff sign-in form):
a double-submit token. A random token lives in an HttpOnly cookie and in a hidden field of every
form the page renders (and in htmx's X-CSRF-Token header); an unsafe request must carry both and
they must match, which a page on another site cannot arrange. Works without JavaScript.

Signed-in staff pages use the session's own token instead (web/auth.py).
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request, Response

from loket.domain.errors import Forbidden
from loket.settings import Settings

COOKIE = "loket_csrf"
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_token(request: Request) -> str:
    """This browser's token (made on first use; `remember_csrf` puts it in the response's cookie)."""
    made = getattr(request.state, "csrf_new", None)
    if made:
        return str(made)
    sent = request.cookies.get(COOKIE, "")
    if len(sent) >= 32 and sent.isascii():
        return sent
    token = secrets.token_urlsafe(32)
    request.state.csrf_new = token
    return token


def remember_csrf(request: Request, response: Response, settings: Settings) -> None:
    """Set the cookie when this request made a new token."""
    made = getattr(request.state, "csrf_new", None)
    if made:
        response.set_cookie(
            COOKIE, made, httponly=True, samesite="lax", secure=settings.cookie_secure, path="/"
        )


def _failed() -> Forbidden:
    return Forbidden("csrf_failed", "The form has expired; reload the page and try again")


async def require_csrf(request: Request) -> None:
    """A dependency: unsafe requests echo the cookie's token in the form field or the header."""
    if request.method in SAFE_METHODS:
        return
    cookie = request.cookies.get(COOKIE, "")
    sent = request.headers.get(HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(FIELD)
        sent = value if isinstance(value, str) else None
    if not cookie or not sent or not hmac.compare_digest(sent.encode(), cookie.encode()):
        raise _failed()
