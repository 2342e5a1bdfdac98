"""The in-process rate limiter (GCRA) and where a request comes from.

What a check costs is measured by bench/ratelimit.py (a benchmark prints figures; a timed
assertion in a test fails on a busy machine and proves nothing on a quiet one)."""

from __future__ import annotations

import pytest

from loket.domain.client import client_address, fingerprint, network_key
from loket.domain.ratelimit import Limiter, parse_rule, rules_from, too_many


def test_a_burst_passes_then_one_request_per_interval() -> None:
    limiter = Limiter({"r": parse_rule("r", "3/60")})
    assert [limiter.hit("r", "a", 0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.hit("r", "a", 0.0)
    assert wait == pytest.approx(20.0)
    assert limiter.hit("r", "b", 0.0) == 0.0  # another key has its own bucket
    assert limiter.hit("r", "a", 19.9) > 0 and limiter.hit("r", "a", 20.0) == 0.0


def test_full_buckets_are_forgotten_when_the_table_grows() -> None:
    limiter = Limiter({"r": parse_rule("r", "1/1")}, max_keys=10)
    for i in range(11):
        limiter.hit("r", str(i), 0.0)
    limiter.hit("r", "late", 5.0)
    assert len(limiter) == 1


def test_rules_and_the_429() -> None:
    assert rules_from({"login_address": "5/60"})["login_address"].count == 5
    with pytest.raises(ValueError):
        rules_from({"nonsense": "1/1"})
    with pytest.raises(ValueError):
        parse_rule("x", "ten/60")
    error = too_many(2.1)
    assert error.status == 429 and error.retry_after == 3


def test_addresses_and_fingerprints() -> None:
    assert network_key("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert network_key("::ffff:36.70.1.2") == "36.70.1.2"
    assert client_address("10.0.0.1", "1.2.3.4, 36.70.1.2", []) == "10.0.0.1"  # untrusted proxy
    assert client_address("10.0.0.1", "6.6.6.6, 36.70.1.2", ["10.0.0.1"]) == "36.70.1.2"
    assert fingerprint(None, None) is None and len(fingerprint("Mozilla", "id") or "") == 16


def test_logs_never_carry_a_nik(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from loket.logs import install_log_masking, mask_niks

    install_log_masking()
    logging.getLogger("loket.test").warning(
        "lookup of %s for booking %s", "1671014508900001", "812345678901234"
    )
    assert "1671********0001" in caplog.text and "1671014508900001" not in caplog.text
    assert "812345678901234" in caplog.text  # a 15-digit billing code is not a NIK
    assert mask_niks("no digits") == "no digits"
