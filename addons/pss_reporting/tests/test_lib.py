"""The plain helpers of the read API and of assignment weeks (no database)."""

from datetime import date

from odoo.tests import BaseCase

from ..lib.weeks import decode_cursor, encode_cursor, parse_iso_week, to_csv


class TestWeeks(BaseCase):
    def test_iso_week_monday(self):
        self.assertEqual(parse_iso_week("2026-W01"), date(2025, 12, 29))
        self.assertEqual(parse_iso_week("2026-W53"), date(2026, 12, 28))
        with self.assertRaises(ValueError):
            parse_iso_week("2025-W53")
        with self.assertRaises(ValueError):
            parse_iso_week("2026-15")

    def test_cursor_round_trip_and_forgery(self):
        self.assertEqual(decode_cursor(encode_cursor(1234)), 1234)
        self.assertEqual(decode_cursor(None), 0)
        for bad in ("%%%", "e30", encode_cursor(0)[:-2] + "zz"):
            with self.assertRaises(ValueError):
                decode_cursor(bad)

    def test_csv(self):
        text = to_csv(["a", "b"], [{"a": 1, "b": None}, {"a": "x,y", "b": 2.5}])
        self.assertEqual(text, 'a,b\r\n1,\r\n"x,y",2.5\r\n')
