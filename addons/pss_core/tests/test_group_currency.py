"""The group reporting currency (DESIGN §7): a setting, and conversions at
the rate of a date with the main company's rates."""

from datetime import date

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestGroupCurrency(TransactionCase):
    def test_setting_and_conversion_at_the_period_end_rate(self):
        Company = self.env["res.company"]
        main = self.env.ref("base.main_company")
        self.assertEqual(Company._pss_group_currency(), main.currency_id)
        # Two currencies other than the main company's (named for reading).
        eur, gbp = [
            c
            for c in (self.env.ref(f"base.{code}") for code in ("EUR", "GBP", "CHF"))
            if c != main.currency_id
        ][:2]
        eur.active = gbp.active = True
        settings = self.env["res.config.settings"].create(
            {"pss_group_currency_id": eur.id}
        )
        settings.execute()
        self.assertEqual(Company._pss_group_currency(), eur)
        Rate = self.env["res.currency.rate"]
        # Rates relative to the main company's currency: only the rate in
        # force on the period end counts.
        Rate.search([("currency_id", "in", (eur | gbp).ids)]).unlink()
        for currency, day, rate in [
            (eur, "2026-03-01", 0.5),
            (eur, "2026-04-01", 0.8),
            (gbp, "2026-04-01", 0.64),
            (eur, "2026-05-15", 0.9),
        ]:
            Rate.create(
                {
                    "currency_id": currency.id,
                    "name": day,
                    "rate": rate,
                    "company_id": main.id,
                }
            )
        april = date(2026, 4, 30)
        # 100 GBP = 100 / 0.64 main-currency units = 125 * 0.8 EUR.
        self.assertEqual(Company._pss_to_group(100, gbp, april), 125.0)
        self.assertEqual(Company._pss_to_group(10, eur, april), 10.0)
        self.assertEqual(Company._pss_to_group(100, main.currency_id, april), 80.0)
