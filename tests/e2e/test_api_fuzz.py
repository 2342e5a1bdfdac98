"""Fuzzing the JSON API from its own OpenAPI schema (schemathesis): no answer is a 5xx, and every
answer matches what the schema declares (status code, content type, body). A bounded number of
examples per operation keeps the run short; it runs in-process on SQLite and on PostgreSQL.

Requests are anonymous (no staff session): staff operations are exercised up to their 401, the
public ones (availability, booking, look-ups, the bank callback, ballots) to the bottom.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from loket.clock import FrozenClock  # noqa: E402
from loket.settings import Settings  # noqa: E402
from loket.web.app import create_app  # noqa: E402

EXAMPLES = 25  # per operation: about 40 operations, about 30 s for both databases
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Streams never end by themselves; the board's JSON snapshot is fuzzed instead.
SKIP = {"GET /api/v1/offices/{code}/board/events"}


@pytest.fixture
def fuzz_app(demo_url: str, clock: FrozenClock) -> Iterator[Any]:
    """The app owning its database (schemathesis runs it on its own event loop), demo loaded."""
    yield create_app(Settings(database_url=demo_url, rate_limit=False), clock=clock)


def test_the_api_answers_every_generated_request_within_its_schema(fuzz_app: Any) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)
    failures: list[str] = []
    tried = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.label in SKIP:
            continue
        tried += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            case.call_and_validate(checks=CHECKS)

        try:
            run()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # every operation's failures, reported together
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    assert tried >= 30
    assert not failures, "\n\n".join(failures)
