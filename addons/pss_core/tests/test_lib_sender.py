"""Retry-After of an outbound receiver, without a database."""

from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.tests import BaseCase

from odoo.addons.pss_core.lib.sender import MAX_RETRY_AFTER, parse_retry_after

NOW = 1_800_000_000  # 2027-01-15T08:00:00Z


class TestLibSender(BaseCase):
    def test_parse_retry_after(self):
        for value, seconds in [
            (None, None),
            ("", None),
            ("120", 120),
            (" 30 ", 30),
            ("0", 0),
            # An HTTP date: the seconds from now, never negative.
            ("Fri, 15 Jan 2027 08:02:00 GMT", 120),
            ("Wed, 21 Oct 2015 07:28:00 GMT", 0),
            # Far away: honoured up to a day, never past what a datetime holds.
            ("9" * 20, MAX_RETRY_AFTER),
            ("Fri, 31 Dec 9999 23:59:59 -2359", MAX_RETRY_AFTER),
            # Malformed: treated as absent (the system's backoff applies).
            ("1" * 5000, None),
            ("\u00b9\u00b2", None),
            ("\u0661\u0662\u0660", None),
            ("-5", None),
            ("1.5", None),
            ("soon", None),
            ("Mon, 99 Foo 2027 25:61:61 GMT", None),
            ("Mon, 01 Jan 0001 00:00:00 +2359", 0),
        ]:
            with self.subTest(value=value, seconds=seconds):
                assert parse_retry_after(value, now=NOW) == seconds

    @settings(database=None)
    @given(st.text(max_size=80))
    def test_parse_retry_after_never_raises(self, value):
        seconds = parse_retry_after(value, now=NOW)
        assert seconds is None or 0 <= seconds <= MAX_RETRY_AFTER
