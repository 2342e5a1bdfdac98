"""The error answers routes document in OpenAPI (`responses=`), worded once for the whole API.

Every error body is the same shape (`error`, `field`, `message`: web/errors.py); these only name
the statuses a route can answer and what each means there."""

from __future__ import annotations

import json
from importlib import resources
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


# Answers every operation can give, whatever the route says (issue 21): a body the server cannot
# read or that is over the limits (web/body_limits.py), and a database outage (web/errors.py).
BODY_ANSWERS = {
    400: "The body could not be read",
    413: "The body is over LOKET_MAX_BODY_BYTES",
}
ANY_ANSWERS = {503: "The database is unavailable (see Retry-After)"}
EVENT_STREAMS = ("/board/events",)
# Routes that read their raw body (a file to check whole), declared here with the file's own schema.
OFFICE_IMPORT = "/api/v1/admin/offices/import"


def _office_file_body(schema: dict[str, Any]) -> dict[str, Any]:
    """The office file's JSON Schema (data/office.schema.json) as the import's request body; its
    `$defs` become components (`OfficeFile_<name>`), where an OpenAPI reference can find them."""
    document = json.loads(resources.files("loket").joinpath("data/office.schema.json").read_text("utf-8"))
    text = json.dumps({"anyOf": document["anyOf"], "$defs": document["$defs"]})
    found = json.loads(text.replace('"#/$defs/', '"#/components/schemas/OfficeFile_'))
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, definition in found.pop("$defs").items():
        components[f"OfficeFile_{name}"] = definition
    return {"required": True, "content": {"application/json": {"schema": found}}}


def complete_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Make the generated schema say what the app does: path parameters a dependency reads
    (`{code}` taken by the staff role check) declared, the answers of the body limits and of an
    outage documented, the board's stream typed as Server-Sent Events."""
    item = schema.get("paths", {}).get(OFFICE_IMPORT, {}).get("post")
    if item is not None:
        item["requestBody"] = _office_file_body(schema)
    for path, item in schema.get("paths", {}).items():
        names = [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            declared = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "path"}
            for name in names:
                if name not in declared:
                    operation.setdefault("parameters", []).insert(
                        0, {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                    )
            answers = {**ANY_ANSWERS, **(BODY_ANSWERS if "requestBody" in operation else {})}
            for status, words in answers.items():
                operation["responses"].setdefault(str(status), {"description": words})
            if method == "get" and path.endswith(EVENT_STREAMS):
                operation["responses"]["200"] = {
                    "description": "Server-Sent Events: one `board` event per change",
                    "content": {"text/event-stream": {"schema": {"type": "string"}}},
                }
    return schema
