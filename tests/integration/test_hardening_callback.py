"""The bank callback's signature is checked on the raw bytes before the body is parsed (issue 21):
an unsigned body is never parsed, however it is built; a signed one that cannot be parsed is a
clear 422, not a RecursionError."""

from __future__ import annotations

from loket.clock import FrozenClock
from loket.domain.errors import InvalidInput, Unauthorized
from loket.domain.payment import sign
from loket.services.payments import bank_secret, receive_bank_callback
from loket.store.database import Database

DEEP = b"[" * 200_000 + b"]" * 200_000


async def test_an_unsigned_deep_array_is_refused_by_its_signature_without_parsing(
    demo: Database, clock: FrozenClock
) -> None:
    for signature in (None, "sha256=" + "0" * 64):
        try:
            await receive_bank_callback(demo, DEEP, signature, now=clock())
        except Unauthorized as refused:
            assert refused.code == "bad_signature"
        else:
            raise AssertionError("an unsigned callback was accepted")


async def test_a_signed_body_that_cannot_be_parsed_is_bad_input(demo: Database, clock: FrozenClock) -> None:
    secret = await bank_secret(demo, "BNI")
    for body in (DEEP, b"{not json", b"[1, 2]"):
        try:
            await receive_bank_callback(demo, body, sign(secret, body), now=clock())
        except InvalidInput as bad:
            assert bad.code == "malformed_json" and bad.field == "body"
        else:
            raise AssertionError("a malformed body was accepted")
