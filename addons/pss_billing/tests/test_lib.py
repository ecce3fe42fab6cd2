"""Plain-Python billing periods, proration and age buckets."""

from datetime import date

from odoo.tests import BaseCase

from ..lib.periods import age_bucket, last_closed_period, period_of, prorate


class TestPeriods(BaseCase):
    def test_periods_of_each_frequency(self):
        day = date(2026, 5, 14)  # a Thursday
        self.assertEqual(
            period_of("weekly", day), (date(2026, 5, 11), date(2026, 5, 17))
        )
        self.assertEqual(
            period_of("monthly", day), (date(2026, 5, 1), date(2026, 5, 31))
        )
        self.assertEqual(
            period_of("quarterly", day), (date(2026, 4, 1), date(2026, 6, 30))
        )
        self.assertEqual(
            last_closed_period("monthly", date(2026, 3, 1)),
            (date(2026, 2, 1), date(2026, 2, 28)),
        )
        self.assertEqual(
            last_closed_period("quarterly", date(2026, 1, 15)),
            (date(2025, 10, 1), date(2025, 12, 31)),
        )
        with self.assertRaises(ValueError):
            period_of("daily", day)

    def test_prorate_by_days(self):
        april = (date(2026, 4, 1), date(2026, 4, 30))
        self.assertEqual(prorate(*april), (30, 30))
        self.assertEqual(prorate(*april, active_to=date(2026, 4, 15)), (15, 30))
        self.assertEqual(prorate(*april, active_from=date(2026, 4, 21)), (10, 30))
        self.assertEqual(prorate(*april, active_to=date(2026, 3, 31)), (0, 30))

    def test_age_buckets(self):
        expected = {0: "0_30", 30: "0_30", 31: "31_60", 60: "31_60", 61: "61_90"}
        expected.update({90: "61_90", 91: "90_plus", 400: "90_plus", -3: "0_30"})
        for days, bucket in expected.items():
            self.assertEqual(age_bucket(days), bucket, days)
