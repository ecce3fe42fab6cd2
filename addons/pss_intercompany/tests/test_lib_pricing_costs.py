"""Converted hourly costs of intercompany charges, without a database."""

from decimal import Decimal

from odoo.tests import BaseCase

from odoo.addons.pss_intercompany.lib import pricing


class TestLibConvertedCost(BaseCase):
    def test_converted_cost_kept_to_price_digits(self):
        table = [
            (("80", 1), Decimal("80.000000")),
            ((80.0, 1.1), Decimal("88.000000")),
            (("83.37", "0.9123456789"), Decimal("76.062259")),
            (("10", "0.33333333335"), Decimal("3.333333")),
            (("10", "0.00000015"), Decimal("0.000002")),
            ((0, "1.2"), Decimal("0.000000")),
        ]
        for (cost, rate), expected in table:
            with self.subTest(cost=cost, rate=rate):
                self.assertEqual(pricing.converted_cost(cost, rate), expected)
        self.assertEqual(pricing.PRICE_DIGITS, 6)
        self.assertEqual(
            pricing.unit_price(pricing.converted_cost("50", "1.2"), "10"),
            Decimal("66.000000"),
        )
