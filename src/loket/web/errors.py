"""One place maps errors to HTTP answers: a machine-readable `error`, the `field`, a translated
`message`. Nothing else reaches the user; in particular no stack trace."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from loket.domain.errors import DomainError, TooMany
from loket.i18n import N_, translate
from loket.services.bad_input import BAD_VALUE_ERRORS
from loket.services.outage import UNAVAILABLE_ERRORS, is_unavailable
from loket.web.deps import request_locale

log = logging.getLogger("loket.web")

# Pydantic error types, as people would say them. The msgids are translated by gettext.
VALIDATION_MESSAGES = {
    "missing": N_("This field is required"),
    "json_invalid": N_("The request body is not valid JSON"),
    "date_from_datetime_parsing": N_("Give a date as YYYY-MM-DD"),
    "date_parsing": N_("Give a date as YYYY-MM-DD"),
    "date_from_datetime_inexact": N_("Give a date as YYYY-MM-DD"),
    "int_parsing": N_("Give a whole number"),
    "int_type": N_("Give a whole number"),
    "string_type": N_("Give text"),
    "string_too_long": N_("The text is too long"),
    "string_too_short": N_("The text is too short"),
    "literal_error": N_("This value is not one of the allowed choices"),
    "enum": N_("This value is not one of the allowed choices"),
    "greater_than_equal": N_("The number is too small"),
    "less_than_equal": N_("The number is too large"),
    "model_attributes_type": N_("The request body must be a JSON object"),
    "dict_type": N_("The request body must be a JSON object"),
    "extra_forbidden": N_("This field is not expected"),
    "value_error": N_("This value is not valid"),
    "email": N_("This is not a valid e-mail address"),
    "date_out_of_range": N_("Give a date between %(first)s and %(last)s"),
}
MAX_ERRORS = 20
RETRY_AFTER_S = 5  # seconds a client waits before retrying during a database outage
# Error types whose message takes the error's context (web/dates.py).
WITH_PARAMS = frozenset({"date_out_of_range"})


def _wants_html(request: Request) -> bool:
    """A page request from a browser: answer errors with a page, not the API's JSON."""
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def _html_page(request: Request, status: int, code: str, msgid: str) -> Response:
    """The browser's error page (the applicant's layout, links onward), not the API's JSON."""
    from loket.web.pages.applicant_common import render

    message = translate(request_locale(request), msgid)
    return render(request, "applicant/error.html", status_code=status, message=message, code=code)


def _field_of(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or "body"


def _allowed(request: Request) -> list[str]:
    """Every method some route of this path answers: Starlette names only the first route's, and a
    path often has a GET route and a POST route (issue 21)."""
    methods: set[str] = set()
    for route in _flat(request.app.router.routes):
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(request.url.path):
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def _flat(routes: Any) -> Any:
    """The routes, also those inside included routers (FastAPI >= 0.16x keeps them nested)."""
    for route in routes:
        if hasattr(route, "effective_route_contexts"):
            yield from route.effective_route_contexts()
        else:
            yield route


def domain_error_body(exc: DomainError, locale: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "error": exc.code,
        "field": exc.field,
        "message": translate(locale, exc.message, **exc.params),
    }
    body.update(exc.extra)
    return body


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn errors into clear 4xx answers (and a bare 500 on bugs)."""

    @app.exception_handler(DomainError)
    async def on_domain_error(request: Request, exc: DomainError) -> Response:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooMany) else None
        if _wants_html(request):
            from loket.web.pages.applicant_common import render

            locale = request_locale(request)
            page = render(
                request,
                "applicant/error.html",
                status_code=exc.status,
                message=translate(locale, exc.message, **exc.params),
                code=exc.code,
            )
            page.headers.update(headers or {})
            return page
        body = domain_error_body(exc, request_locale(request))
        return JSONResponse(body, status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        locale = request_locale(request)
        errors = []
        found = exc.errors()
        # A body with 500k unexpected keys must not get 500k errors back: the first few say enough.
        for err in found[:MAX_ERRORS]:
            kind = str(err.get("type", "value_error"))
            ctx = err.get("ctx") or {}
            if kind == "value_error" and isinstance(ctx.get("error"), DomainError):
                domain = ctx["error"]
                errors.append(
                    {
                        "field": domain.field or _field_of(tuple(err.get("loc", ()))),
                        "reason": domain.code,
                        "message": translate(locale, domain.message, **domain.params),
                    }
                )
                continue
            msgid = VALIDATION_MESSAGES.get(kind)
            params = {k: ctx[k] for k in ("first", "last") if k in ctx} if kind in WITH_PARAMS else {}
            message = translate(locale, msgid, **params) if msgid else str(err.get("msg", kind))
            errors.append(
                {"field": _field_of(tuple(err.get("loc", ()))), "reason": kind, "message": message}
            )
        first = errors[0] if errors else {"field": "body", "reason": "invalid", "message": ""}
        code = "malformed_json" if first["reason"] == "json_invalid" else "validation_error"
        body = {"error": code, "field": first["field"], "message": first["message"], "errors": errors}
        if len(found) > MAX_ERRORS:
            body["errors_total"] = len(found)
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        locale = request_locale(request)
        names = {
            404: ("not_found", N_("Not found")),
            405: ("method_not_allowed", N_("Method not allowed")),
        }
        code, msgid = names.get(exc.status_code, ("http_error", str(exc.detail)))
        if _wants_html(request) and exc.status_code == 404:
            return _html_page(request, 404, "not_found", N_("This page does not exist (any more)."))
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed(request))
        return JSONResponse(
            {"error": code, "field": None, "message": translate(locale, msgid)},
            status_code=exc.status_code,
            headers=headers or None,
        )

    async def on_data_error(request: Request, exc: Exception) -> JSONResponse:
        # The database refused a value (a NUL character, a number out of its column's range): bad
        # input, found after parsing; the transaction is rolled back and nothing changed.
        locale = request_locale(request)
        message = translate(
            locale, "A value in the request cannot be stored (a control character or a number out of range)"
        )
        return JSONResponse({"error": "invalid_value", "field": None, "message": message}, status_code=422)

    for refused in BAD_VALUE_ERRORS:  # handlers are looked up by class
        app.add_exception_handler(refused, on_data_error)

    @app.exception_handler(Exception)
    async def on_bug(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        locale = request_locale(request)
        if _wants_html(request):
            try:
                return _html_page(
                    request, 500, "internal_error", N_("Something went wrong on our side; please try again")
                )
            except Exception:  # the page itself failed: the plain answer below still goes out
                log.exception("the error page failed too")
        return JSONResponse(
            {
                "error": "internal_error",
                "field": None,
                "message": translate(locale, "Something went wrong on our side; please try again"),
            },
            status_code=500,
        )

    async def on_unavailable(request: Request, exc: Exception) -> Response:
        # The database is down, unreachable or too slow (issue 21): 503 with Retry-After, logged
        # once per outage by the database handle, not a traceback per request.
        if not is_unavailable(exc):
            return await on_bug(request, exc)
        db = getattr(request.app.state, "db", None)
        if db is not None:
            db.note_unavailable(exc)
        locale = request_locale(request)
        message = translate(locale, "The service is briefly unavailable; please try again in a moment")
        headers = {"Retry-After": str(RETRY_AFTER_S)}
        if _wants_html(request):
            from loket.web.pages.applicant_common import render

            page = render(
                request, "applicant/error.html", status_code=503, message=message, code="unavailable"
            )
            page.headers.update(headers)
            return page
        body = {"error": "unavailable", "field": None, "message": message}
        return JSONResponse(body, status_code=503, headers=headers)

    for down in UNAVAILABLE_ERRORS:
        app.add_exception_handler(down, on_unavailable)
