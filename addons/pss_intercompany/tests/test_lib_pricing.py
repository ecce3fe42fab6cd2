"""Transfer pricing arithmetic, without a database."""

from datetime import date
from decimal import Decimal

from odoo.tests import BaseCase

from odoo.addons.pss_intercompany.lib import pricing


class TestLibPricing(BaseCase):
    def test_unit_price_and_amount_to_the_cent(self):
        price = pricing.unit_price("83.37", "7.5")
        assert price == Decimal("89.622750")
        assert pricing.line_amount("7.5", price) == Decimal("672.17")
        assert pricing.line_amount("3.25", price) == Decimal("291.27")
        # half-up, not banker's rounding
        assert pricing.line_amount("1", "0.125") == Decimal("0.13")

    def test_periods(self):
        assert pricing.period_of(date(2026, 2, 14)) == (
            date(2026, 2, 1),
            date(2026, 2, 28),
        )
        assert pricing.period_of(date(2026, 5, 3), "quarterly") == (
            date(2026, 4, 1),
            date(2026, 6, 30),
        )
        assert pricing.previous_period(date(2026, 1, 10)) == (
            date(2025, 12, 1),
            date(2025, 12, 31),
        )
        assert pricing.previous_period(date(2026, 4, 1), "quarterly") == (
            date(2026, 1, 1),
            date(2026, 3, 31),
        )

    def test_adjustments_void_change_and_unchanged(self):
        price = Decimal("89.622750")
        charged = {
            1: (Decimal("3.25"), Decimal("291.27"), price),  # voided
            2: (Decimal("7.5"), Decimal("672.17"), price),  # 7.5 -> 8
            3: (Decimal("2"), Decimal("179.25"), price),  # unchanged
        }
        result = pricing.adjustments(charged, {2: 8, 3: 2})
        assert result == {
            1: (Decimal("-3.25"), Decimal("-291.27")),
            2: (Decimal("0.5"), Decimal("44.81")),
        }

    def test_adjustment_back_to_zero_reverses_exactly(self):
        charged = {7: (Decimal("1.5"), Decimal("10.01"), Decimal("6.6733"))}
        assert pricing.adjustments(charged, {7: 0}) == {
            7: (Decimal("-1.5"), Decimal("-10.01"))
        }
