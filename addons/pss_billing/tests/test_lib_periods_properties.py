"""Properties of the billing periods and proration (plain Python, no
database): every day is in exactly one period of each frequency, periods
tile the calendar, and proration never bills more days than the period has."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from odoo.tests import BaseCase

from ..lib.periods import last_closed_period, period_of, prorate

FREQUENCIES = st.sampled_from(["weekly", "monthly", "quarterly"])
DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


class TestPeriodProperties(BaseCase):
    @given(FREQUENCIES, DAYS)
    def test_a_day_lies_in_its_period_and_periods_tile(self, frequency, day):
        first, last = period_of(frequency, day)
        self.assertLessEqual(first, day)
        self.assertLessEqual(day, last)
        # The same period for every day of it, and the next one starts
        # the day after it ends: no gap, no overlap.
        self.assertEqual(period_of(frequency, first), (first, last))
        self.assertEqual(period_of(frequency, last), (first, last))
        self.assertEqual(
            period_of(frequency, last + timedelta(days=1))[0], last + timedelta(days=1)
        )
        if frequency == "weekly":
            self.assertEqual(first.weekday(), 0)
            self.assertEqual((last - first).days, 6)
        else:
            self.assertEqual(first.day, 1)
            self.assertEqual((last + timedelta(days=1)).day, 1)

    @given(FREQUENCIES, DAYS)
    def test_the_last_closed_period_ends_the_day_before_the_current(
        self, frequency, today
    ):
        first, last = last_closed_period(frequency, today)
        self.assertLess(last, today)
        self.assertEqual(last + timedelta(days=1), period_of(frequency, today)[0])
        self.assertEqual(period_of(frequency, first), (first, last))

    @given(
        FREQUENCIES,
        DAYS,
        st.one_of(st.none(), DAYS),
        st.one_of(st.none(), DAYS),
    )
    def test_prorate_counts_the_days_of_the_overlap(self, frequency, day, start, end):
        first, last = period_of(frequency, day)
        billed, days = prorate(first, last, start, end)
        self.assertEqual(days, (last - first).days + 1)
        self.assertGreaterEqual(billed, 0)
        self.assertLessEqual(billed, days)
        overlap = [
            first + timedelta(days=n)
            for n in range(days)
            if (start is None or first + timedelta(days=n) >= start)
            and (end is None or first + timedelta(days=n) <= end)
        ]
        self.assertEqual(billed, len(overlap))
