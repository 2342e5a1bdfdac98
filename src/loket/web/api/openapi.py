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


# OpenAPI links (what a client, or schemathesis' stateful tests, feeds from one answer into the
# next): (operation, status) -> {link name: (target path, method, parameters)}.
_OFFICE = {"code": "$request.path.code"}
LINKS: dict[tuple[str, str, str], dict[str, tuple[str, str, dict[str, str]]]] = {
    ("/api/v1/offices", "get", "200"): {
        f"office_{name}": (f"/api/v1/offices/{{code}}{tail}", "get", {"code": "$response.body#/0/code"})
        for name, tail in (
            ("detail", ""),
            ("calendar", "/calendar"),
            ("availability", "/availability"),
            ("board", "/board"),
            ("due_date", "/due-date"),
        )
    },
    ("/api/v1/offices/{code}/bookings", "post", "201"): {
        f"booking_{name}": (
            f"/api/v1/bookings/{{booking_code}}/{name}",
            "post",
            {"booking_code": "$response.body#/booking_code"},
        )
        for name in ("cancel", "reschedule")
    },
    ("/api/v1/offices/{code}/stations", "post", "201"): {
        f"station_{name}": (
            f"/api/v1/offices/{{code}}/stations/{{station}}/{name}",
            "post",
            {**_OFFICE, "station": "$response.body#/station"},
        )
        for name in ("state", "call-next", "recall", "no-show", "complete", "transfer", "hand-over")
    },
    ("/api/v1/offices/{code}/check-in", "post", "201"): {
        "ticket": (
            "/api/v1/offices/{code}/tickets/{day}/{ticket}",
            "get",
            {**_OFFICE, "day": "$response.body#/date", "ticket": "$response.body#/ticket"},
        )
    },
}


def _add_links(schema: dict[str, Any]) -> None:
    paths = schema.get("paths", {})
    ids = {
        (path, method): operation.get("operationId")
        for path, item in paths.items()
        for method, operation in item.items()
        if isinstance(operation, dict)
    }
    for (path, method, status), links in LINKS.items():
        answer = paths.get(path, {}).get(method, {}).get("responses", {}).get(status)
        if answer is None:
            continue
        for name, (target, target_method, parameters) in links.items():
            operation_id = ids.get((target, target_method))
            if operation_id is not None:
                answer.setdefault("links", {})[name] = {"operationId": operation_id, "parameters": parameters}


def complete_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Make the generated schema say what the app does: path parameters a dependency reads
    (`{code}` taken by the staff role check) declared, the answers of the body limits and of an
    outage documented, the board's stream typed as Server-Sent Events."""
    _add_links(schema)
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
