"""Signature creation and verification (pss_client.signing)."""

import hashlib
import hmac

import pytest

from pss_client import sign
from pss_client.signing import compute_signature, parse_header, verify

SECRET = "whsec_test"
BODY = b'{"id":"evt_1","type":"timesheet.approved"}'
NOW = 1_800_000_000


def _hex(secret, timestamp, body):
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def test_sign_matches_the_documented_formula():
    header = sign(SECRET, BODY, NOW)
    assert header == f"t={NOW},v1={_hex(SECRET, NOW, BODY)}"


def test_sign_defaults_to_the_current_time(monkeypatch):
    monkeypatch.setattr("pss_client.signing.time.time", lambda: NOW + 0.9)
    assert sign(SECRET, BODY).startswith(f"t={NOW},v1=")


def test_round_trip_with_str_and_bytes_secrets():
    for secret in (SECRET, SECRET.encode()):
        header = sign(secret, BODY, NOW)
        assert verify(header, BODY, [SECRET], now=NOW)
        assert verify(header, BODY, [SECRET.encode()], now=NOW)
        assert verify(header, BODY, SECRET, now=NOW)  # a single secret


def test_round_trip_over_empty_body_for_get_requests():
    header = sign(SECRET, b"", NOW)
    assert verify(header, b"", [SECRET], now=NOW)
    assert not verify(header, b"{}", [SECRET], now=NOW)


def test_any_accepted_secret_matches_during_rotation():
    header = sign("new-secret", BODY, NOW)
    assert verify(header, BODY, ["old-secret", "new-secret"], now=NOW)
    assert not verify(header, BODY, ["old-secret"], now=NOW)


def test_tolerance_boundaries():
    header = sign(SECRET, BODY, NOW)
    assert verify(header, BODY, [SECRET], now=NOW + 300)
    assert verify(header, BODY, [SECRET], now=NOW - 300)
    assert not verify(header, BODY, [SECRET], now=NOW + 301)
    assert not verify(header, BODY, [SECRET], now=NOW - 301)
    assert verify(header, BODY, [SECRET], tolerance=1000, now=NOW + 900)


def test_verify_uses_the_current_time_by_default(monkeypatch):
    monkeypatch.setattr("pss_client.signing.time.time", lambda: NOW + 10)
    assert verify(sign(SECRET, BODY, NOW), BODY, [SECRET])
    monkeypatch.setattr("pss_client.signing.time.time", lambda: NOW + 1000)
    assert not verify(sign(SECRET, BODY, NOW), BODY, [SECRET])


def test_uppercase_hex_and_spaces_are_tolerated():
    good = _hex(SECRET, NOW, BODY)
    assert verify(f"t={NOW}, v1={good.upper()}", BODY, [SECRET], now=NOW)


def test_parse_header():
    assert parse_header("t=12,v1=ab,v1=cd,v0=zz") == (12, ["ab", "cd"])
    assert parse_header("v1=ab") == (None, ["ab"])
    assert parse_header("t=1,t=2,v1=ab") == (None, ["ab"])


def test_compute_signature_rejects_text_bodies():
    with pytest.raises(TypeError):
        compute_signature(SECRET, "not bytes", NOW)


GOOD = _hex(SECRET, NOW, BODY)

BAD_HEADERS = {
    "missing t": f"v1={GOOD}",
    "empty t": f"t=,v1={GOOD}",
    "non numeric t": f"t=abc,v1={GOOD}",
    "negative t": f"t=-{NOW},v1={GOOD}",
    "two t values": f"t={NOW},t={NOW},v1={GOOD}",
    "missing v1": f"t={NOW}",
    "only other schemes": f"t={NOW},v0={GOOD}",
    "empty v1": f"t={NOW},v1=",
    "non hex v1": f"t={NOW},v1={'g' * 64}",
    "non ascii v1": f"t={NOW},v1={'é' * 64}",
    "truncated v1": f"t={NOW},v1={GOOD[:-2]}",
    "extended v1": f"t={NOW},v1={GOOD}00",
    "signed over other bytes": f"t={NOW},v1={_hex(SECRET, NOW, BODY + b' ')}",
    "signed with other timestamp": f"t={NOW},v1={_hex(SECRET, NOW + 1, BODY)}",
    "stale (> 300 s)": f"t={NOW - 301},v1={_hex(SECRET, NOW - 301, BODY)}",
    "future (> 300 s)": f"t={NOW + 301},v1={_hex(SECRET, NOW + 301, BODY)}",
    "wrong secret": f"t={NOW},v1={_hex('other-secret', NOW, BODY)}",
    "empty header": "",
    "garbage": "not a signature",
}


@pytest.mark.parametrize("header", BAD_HEADERS.values(), ids=BAD_HEADERS.keys())
def test_bad_signatures_are_rejected(header):
    assert verify(header, BODY, [SECRET], now=NOW) is False


def test_missing_header_and_missing_secrets_are_rejected():
    header = sign(SECRET, BODY, NOW)
    assert verify(None, BODY, [SECRET], now=NOW) is False
    assert verify(header, BODY, [], now=NOW) is False
    assert verify(header, BODY, [""], now=NOW) is False


def test_one_valid_among_several_v1_values_is_accepted():
    wrong = _hex("other-secret", NOW, BODY)
    for header in (
        f"t={NOW},v1={wrong},v1={GOOD}",
        f"t={NOW},v1={GOOD},v1={wrong}",
        f"t={NOW},v1=zz,v1={GOOD[:10]},v1={GOOD}",
    ):
        assert verify(header, BODY, [SECRET], now=NOW) is True
    assert verify(f"t={NOW},v1={wrong},v1={wrong}", BODY, [SECRET], now=NOW) is False
