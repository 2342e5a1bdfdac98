"""Request bodies (issue 21): a size limit (413, before the body is read in full), JSON depth and
value-count limits (422), and a capped list of validation errors. Nothing of it may answer 500."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import orjson

from loket.settings import Settings

BOOKINGS = "/api/v1/offices/PLG/bookings"


async def test_a_body_over_the_limit_is_413_in_the_users_language(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    big = b'{"nik": "' + b"1" * settings.max_body_bytes + b'"}'
    answer = await client.post(BOOKINGS, content=big, headers={"content-type": "application/json"})
    assert answer.status_code == 413, answer.text[:200]
    assert answer.json()["error"] == "body_too_large" and answer.json()["field"] == "body"
    english = await client.post(
        BOOKINGS, content=big, headers={"content-type": "application/json", "accept-language": "en"}
    )
    assert "too large" in english.json()["message"]
    assert "terlalu besar" in answer.json()["message"]


async def test_a_streamed_body_without_length_is_cut_at_the_limit(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(settings.max_body_bytes // 65_536 + 50):
            sent += 65_536
            yield b" " * 65_536

    answer = await client.post(BOOKINGS, content=chunks(), headers={"content-type": "application/json"})
    assert answer.status_code == 413
    assert answer.json()["error"] == "body_too_large"


async def test_a_deep_json_array_to_the_bank_callback_is_422_not_500(client: httpx.AsyncClient) -> None:
    deep = b"[" * 200_000 + b"]" * 200_000
    answer = await client.post(
        "/api/v1/payments/bank-callback", content=deep, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 422, answer.text[:200]
    assert answer.json()["error"] == "json_too_deep"
    shallow_but_deeper_than_allowed = b"[" * 40 + b"]" * 40
    answer = await client.post(
        BOOKINGS, content=shallow_but_deeper_than_allowed, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 422 and answer.json()["error"] == "json_too_deep"


async def test_too_many_values_are_refused_and_errors_are_capped(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    many = orjson.dumps({f"k{i}": i for i in range(settings.max_json_items + 1)})
    answer = await client.post(BOOKINGS, content=many, headers={"content-type": "application/json"})
    assert answer.status_code == 422 and answer.json()["error"] == "json_too_large"
    # Under the limits, 5,000 unexpected keys: the answer lists the first few and says how many.
    some = orjson.dumps({f"k{i}": i for i in range(5_000)})
    answer = await client.post(BOOKINGS, content=some, headers={"content-type": "application/json"})
    body = answer.json()
    assert answer.status_code == 422 and body["error"] == "validation_error"
    assert len(body["errors"]) == 20 and body["errors_total"] > 5_000
    assert len(answer.content) < 5_000


async def test_an_ordinary_booking_body_still_passes(client: httpx.AsyncClient) -> None:
    answer = await client.get("/api/v1/offices/PLG/availability")
    assert answer.status_code == 200
    small = await client.post(BOOKINGS, json={"nik": "1"})
    assert small.status_code == 422 and small.json()["error"] == "validation_error"
