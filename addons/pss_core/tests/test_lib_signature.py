"""HMAC signature scheme (X-PSS-Signature), without a database."""

import pytest

from odoo.tests import BaseCase

from odoo.addons.pss_core.lib.signature import SignatureError, compute, sign, verify

SECRET = "whsec_test"
BODY = b'{"id":"evt_1","type":"test.record"}'
NOW = 1_800_000_000
ARABIC_INDIC = str.maketrans(
    "0123456789", "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669"
)


class TestLibSignature(BaseCase):
    def test_round_trip(self):
        header = sign(SECRET, BODY, timestamp=NOW)
        assert header.startswith(f"t={NOW},v1=")
        assert verify(header, BODY, [SECRET], now=NOW) == 0

    def test_known_vector(self):
        assert compute("key", 1, b"body") == (
            "91b5374b153842ad05b2c4eab9349b8321b14703165bd3fb8b034dfb8be98ae5"
        )

    def test_rejections(self):
        for header, reason in [
            (None, "missing"),
            ("", "missing"),
            ("garbage", "malformed"),
            (f"t=abc,v1={'0' * 64}", "malformed"),
            (f"v1={'0' * 64}", "malformed"),
            (f"t={NOW}", "no_v1"),
            (f"t={NOW},v0={compute(SECRET, NOW, BODY)}", "no_v1"),
            (f"t={NOW},v1=zz{'0' * 62}", "mismatch"),
            (f"t={NOW},v1={compute(SECRET, NOW, BODY)[:32]}", "mismatch"),
            (f"t={NOW},v1={compute(SECRET, NOW, b'other bytes')}", "mismatch"),
            (f"t={NOW},v1={compute('wrong', NOW, BODY)}", "mismatch"),
            (f"t={NOW - 301},v1={compute(SECRET, NOW - 301, BODY)}", "stale"),
            (f"t={NOW + 301},v1={compute(SECRET, NOW + 301, BODY)}", "future"),
            (f"t={NOW},v1=\u00e9{'0' * 63}", "mismatch"),
            # Timestamps of digits that are not ASCII: isdigit() and int() take
            # Arabic-Indic digits, isdigit() takes superscripts that int() refuses.
            (f"t={str(NOW).translate(ARABIC_INDIC)},v1={'0' * 64}", "malformed"),
            (f"t=\u00b9\u00b2,v1={'0' * 64}", "malformed"),
            # Thousands of digits: int() refuses past 4,300; a padded "now" too.
            (f"t={'1' * 5000},v1={'0' * 64}", "malformed"),
            (f"t={'0' * 4990}{NOW},v1={compute(SECRET, NOW, BODY)}", "malformed"),
            (f"t=+{NOW},v1={compute(SECRET, NOW, BODY)}", "malformed"),
            (f"t= {NOW} ,v1={compute(SECRET, NOW, BODY)}", "malformed"),
        ]:
            with self.subTest(header=header, reason=reason):
                with pytest.raises(SignatureError) as info:
                    verify(header, BODY, [SECRET], now=NOW)
                assert info.value.reason == reason
                # The error never leaks the expected MAC.
                assert compute(SECRET, NOW, BODY) not in str(info.value)

    def test_edges_of_tolerance_are_accepted(self):
        for ts in (NOW - 300, NOW + 300):
            assert verify(sign(SECRET, BODY, ts), BODY, [SECRET], now=NOW) == 0

    def test_one_valid_among_several_signatures(self):
        good = compute(SECRET, NOW, BODY)
        header = f"t={NOW},v1={'0' * 64},v1={good},v1=deadbeef"
        assert verify(header, BODY, [SECRET], now=NOW) == 0

    def test_old_secret_during_rotation_matches_second_slot(self):
        header = sign("old-secret", BODY, NOW)
        assert verify(header, BODY, ["new-secret", "old-secret"], now=NOW) == 1
        with pytest.raises(SignatureError):
            verify(header, BODY, ["new-secret"], now=NOW)

    def test_no_configured_secret_is_refused(self):
        with pytest.raises(SignatureError) as info:
            verify(sign(SECRET, BODY, NOW), BODY, [None, ""], now=NOW)
        assert info.value.reason == "no_secret"
