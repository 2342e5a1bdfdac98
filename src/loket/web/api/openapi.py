"""The error answers routes document in OpenAPI (`responses=`), worded once for the whole API.

Every error body is the same shape (`error`, `field`, `message`: web/errors.py); these only name
the statuses a route can answer and what each means there."""

from __future__ import annotations

from typing import Any

DESCRIPTIONS = {
    401: "Not signed in",
    403: "Not allowed in this office",
    404: "Not found",
    409: "Conflict",
    422: "Bad input",
    429: "Too many requests (see Retry-After)",
}

Responses = dict[int | str, dict[str, Any]]


def responses(*statuses: int, described: dict[int, str] | None = None) -> Responses:
    """`responses=` for a route answering `statuses`, in order; `described` rewords some of them."""
    words = {**DESCRIPTIONS, **(described or {})}
    return {status: {"description": words[status]} for status in sorted(statuses)}


# A public route: unknown things, conflicts, bad input, rate limits.
PUBLIC_ERRORS = responses(404, 409, 422, 429)
# A route for staff holding a role in the office of its path.
STAFF_ERRORS = responses(401, 403, 404, 409, 422)
