"""Fuzzing the JSON API from its own OpenAPI schema (schemathesis), with every check schemathesis
has (`--checks all`: no 5xx; status code, content type, headers and body as declared; invalid data
refused and valid data accepted; the Allow header; unsupported methods; missing headers; auth
that is not ignored; resources that stay available and deleted ones that stay gone), operation
by operation and statefully (sequences chained by the links schemathesis infers from the
schema), anonymously and signed in as each staff role: officer, supervisor and admin of Palembang,
and a national administrator. It runs in-process on SQLite and on PostgreSQL; a bounded number
of examples per operation keeps each run within CI's minutes.

A signed-in run sends the session cookie and its CSRF token as a browser or an API client does
(web/auth.py); each operation gets a fresh session, so a fuzzed sign-out ends only its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.checks import CHECKS, load_all_checks  # noqa: E402

from loket.clock import FrozenClock  # noqa: E402
from loket.services import national_admins  # noqa: E402
from loket.services import staff as staff_service  # noqa: E402
from loket.settings import Settings  # noqa: E402
from loket.store.database import Database  # noqa: E402
from loket.web.app import create_app  # noqa: E402
from loket.web.auth import COOKIE, CSRF_HEADER  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("fast_hashing")]

EXAMPLES = 8  # per operation and role: 65 operations, 5 roles, 2 databases
STATEFUL_EXAMPLES = 8  # scenarios per role
STATEFUL_STEPS = 6
# Streams never end by themselves; the board's JSON snapshot is fuzzed instead.
SKIP = {"GET /api/v1/offices/{code}/board/events"}
# Run last in a role's pass: it ends the session the rest of the pass would use.
LAST = {"POST /api/v1/staff/logout"}
PASSWORD = "Fuzz-Rahasia-2026!"
ROLES = ("anonymous", "officer", "supervisor", "admin", "national")

load_all_checks()
positive_data_acceptance = CHECKS.get_one("positive_data_acceptance")
# Rules across parameters, which a JSON Schema cannot state (each parameter has its own schema):
# a range's end before its start, a range longer than the route serves. Their 422 is the right
# answer to data each of whose parameters is valid; every other refusal of valid data still fails.
ACROSS_PARAMETERS = {"range_order", "range_too_long"}
# The same for an office file: what domain/office_file.py checks once the file's JSON Schema has
# accepted it (spans in order, no overlaps, codes and numbers unique). A file refused for any
# other problem (a schema keyword: type, required, pattern...) is still a failure.
OFFICE_FILE_RULES = {
    "closure_order",
    "closure_overlap",
    "date_invalid",
    "extra_day_exists",
    "hours_invalid",
    "office_twice",
    "session_order",
    "sessions_overlap",
    "station_exists",
    "station_number_taken",
}


def _beyond_the_schema(body: Any) -> bool:
    if not isinstance(body, dict):
        return False
    if body.get("error") in ACROSS_PARAMETERS:
        return True
    problems = body.get("errors")
    return (
        body.get("error") == "office_file_invalid"
        and isinstance(problems, list)
        and bool(problems)
        and all(isinstance(p, dict) and p.get("code") in OFFICE_FILE_RULES for p in problems)
    )


def positive_data_accepted(ctx: Any, response: Any, case: Any) -> bool | None:
    """schemathesis' positive_data_acceptance, but for the rules beyond any JSON Schema above."""
    if response.status_code == 422:
        try:
            body = response.json()
        except Exception:
            body = None
        if _beyond_the_schema(body):
            return None
    result: bool | None = positive_data_acceptance(ctx, response, case)
    return result


ALL_CHECKS = [
    positive_data_accepted if name == "positive_data_acceptance" else CHECKS.get_one(name)
    for name in CHECKS.get_all_names()
]


@dataclass
class Account:
    """A staff account of the demo office, signed in afresh for each operation."""

    db_url: str
    username: str | None
    clock: FrozenClock

    def headers(self) -> dict[str, str]:
        if self.username is None:
            return {}
        return asyncio.run(self._sign_in())

    async def _sign_in(self) -> dict[str, str]:
        assert self.username is not None
        db = Database(self.db_url, pool_size=1)
        try:
            done = await staff_service.login(db, self.username, PASSWORD, now=self.clock(), hours=8)
        finally:
            await db.dispose()
        return {"Cookie": f"{COOKIE}={done.token}", CSRF_HEADER: done.csrf_token}


async def _make_accounts(url: str, clock: FrozenClock) -> None:
    db = Database(url, pool_size=1)
    try:
        for role in ("officer", "supervisor", "admin"):
            await staff_service.create_staff(
                db,
                office_code="PLG",
                username=f"fuzz-{role}",
                full_name=f"Fuzz {role}",
                password=PASSWORD,
                role=role,
                now=clock(),
            )
        await staff_service.create_staff(
            db,
            office_code="PLG",
            username="fuzz-national",
            full_name="Fuzz national",
            password=PASSWORD,
            role="admin",
            now=clock(),
        )
        await national_admins.grant_national_admin(db, "fuzz-national", now=clock())
    finally:
        await db.dispose()


@pytest.fixture
def fuzz_app(demo_url: str, clock: FrozenClock) -> Iterator[Any]:
    """The app owning its database (schemathesis runs it on its own event loop), demo loaded."""
    asyncio.run(_make_accounts(demo_url, clock))
    yield create_app(Settings(database_url=demo_url, rate_limit=False), clock=clock)


def test_every_check_of_schemathesis_is_run() -> None:
    assert {c.__name__ for c in ALL_CHECKS} >= {
        "positive_data_accepted",
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
        "missing_required_header",
        "unsupported_method",
        "allow_header_conformance",
        "use_after_free",
        "ensure_resource_availability",
        "ignored_auth",
    }


def _account(role: str, demo_url: str, clock: FrozenClock) -> Account:
    return Account(demo_url, None if role == "anonymous" else f"fuzz-{role}", clock)


def _fuzz(operation: Any, headers: dict[str, str]) -> Any:
    """The Hypothesis test of one operation, sending `headers` with every case."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=ALL_CHECKS)

    return run


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_answers_within_its_schema(
    fuzz_app: Any, demo_url: str, clock: FrozenClock, role: str
) -> None:
    account = _account(role, demo_url, clock)
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)
    operations = [r.ok() for r in schema.get_all_operations()]
    operations = [o for o in operations if o.label not in SKIP]
    operations.sort(key=lambda o: o.label in LAST)
    failures: list[str] = []
    for operation in operations:
        run = _fuzz(operation, account.headers())
        try:
            run()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # every operation's failures, reported together
            failures.append(f"{role} {operation.label}: {str(exc)[:1500]}")
    assert len(operations) >= 60
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_sequences_of_operations_answer_within_their_schema(
    fuzz_app: Any, demo_url: str, clock: FrozenClock, role: str
) -> None:
    account = _account(role, demo_url, clock)
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app).exclude(
        operation_id=None, path_regex=r"/board/events$"
    )
    base = schema.as_state_machine()
    # Links inferred from the responses and path parameters: without them there is nothing to chain.
    assert base.bundles, "schemathesis found no links between operations"

    class Scenarios(base):  # type: ignore[valid-type,misc]
        def setup(self) -> None:
            self.headers = account.headers()  # each scenario its own session

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": self.headers}

        def validate_response(
            self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            case.validate_response(
                response,
                excluded_checks=[positive_data_acceptance],
                additional_checks=[positive_data_accepted],
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )

    Scenarios.run(
        settings=settings(
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=STATEFUL_STEPS,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )
