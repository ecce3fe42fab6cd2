"""What a billing run decides per engagement, without a database."""

from datetime import date

from odoo.tests import BaseCase

from odoo.addons.pss_billing.lib.billing import (
    NOTHING,
    hours_above_cap,
    hours_in_period,
    invoice_date_of,
    skip_reason,
)


class TestSkipReason(BaseCase):
    def test_reasons_in_order(self):
        # (invoiceable, unapproved hours, credit hold, locked, retainer
        # problem, unpriced line) -> reason
        table = [
            ((False, 0.0, False, False, False, False), NOTHING),
            ((False, None, True, True, True, True), NOTHING),
            ((False, 2.5, False, False, False, False), "unapproved_time"),
            ((False, 2.5, True, True, True, True), "unapproved_time"),
            ((True, 0.0, True, True, True, True), "credit_hold"),
            ((True, 3.0, False, True, True, True), "locked_period"),
            ((True, 0.0, False, False, True, False), "missing_price"),
            ((True, 0.0, False, False, False, True), "missing_price"),
            ((True, 5.0, False, False, False, False), None),
        ]
        for args, expected in table:
            with self.subTest(args=args):
                self.assertEqual(skip_reason(*args), expected)


class TestInvoiceDate(BaseCase):
    def test_open_locked_and_moved(self):
        end = date(2026, 4, 30)
        table = [
            # (lock, behaviour) -> (invoice date, locked)
            ((None, "next_open_date"), (end, False)),
            ((date(2026, 3, 31), "keep"), (end, False)),
            ((date(2026, 4, 30), "next_open_date"), (date(2026, 5, 1), False)),
            ((date(2026, 5, 31), "next_open_date"), (date(2026, 6, 1), False)),
            ((date(2026, 4, 30), "keep"), (end, True)),
            ((date(2026, 5, 31), False), (end, True)),
        ]
        for (lock, behaviour), expected in table:
            with self.subTest(lock=lock, behaviour=behaviour):
                self.assertEqual(invoice_date_of(end, lock, behaviour), expected)


class TestHoursAboveCap(BaseCase):
    def test_hours_of_the_period_and_above_the_cap(self):
        hours = {
            (1, date(2026, 3, 31)): 8.0,
            (1, date(2026, 4, 1)): 7.5,
            (1, date(2026, 4, 30)): 4.25,
            (1, date(2026, 5, 1)): 6.0,
            (2, date(2026, 4, 15)): 9.0,
        }
        first, last = date(2026, 4, 1), date(2026, 4, 30)
        self.assertEqual(hours_in_period(hours, 1, first, last), 11.75)
        self.assertEqual(hours_in_period(hours, 2, first, last), 9.0)
        self.assertEqual(hours_in_period(hours, 3, first, last), 0)
        table = [
            ((11.75, 10.0), 1.75),
            ((10.0, 10.0), 0.0),
            ((9.0, 10.0), 0.0),
            ((10.004, 10.0), 0.0),
            ((10.006, 10.0), 0.01),
            ((12.333, 10.0), 2.33),
        ]
        for (worked, cap), expected in table:
            with self.subTest(worked=worked, cap=cap):
                self.assertEqual(hours_above_cap(worked, cap), expected)
