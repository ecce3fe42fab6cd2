"""End to end through pss_timesheet's queue: a US resource's approved time
on a DE engagement is charged US -> DE, and its void through
``timesheet.voided`` is reversed in the next run."""

from odoo import Command
from odoo.tests import tagged

from odoo.addons.pss_core.tests.common import make_user
from odoo.addons.pss_timesheet.tests.common import TimesheetCase, unique


@tagged("post_install", "-at_install")
class TestIntercompanyFromQueue(TimesheetCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        eur, usd = env.ref("base.EUR"), env.ref("base.USD")
        # pss_project's fixtures load generic_coa, which leaves both
        # entities in USD: the DE entity is set back to EUR.
        cls.company_de.currency_id = eur
        env["res.currency.rate"].create(
            [
                {
                    "currency_id": usd.id,
                    "name": "2026-01-01",
                    "rate": 1.25,
                    "company_id": company.id,
                }
                for company in cls.companies
            ]
        )
        cls.ic_user = make_user(
            env,
            unique("ic_queue"),
            [
                "base.group_user",
                "pss_core.group_pss_finance",
                "account.group_account_manager",
                "hr_timesheet.group_timesheet_manager",
            ],
            cls.companies,
        )

        def journal(company, kind):
            return env["account.journal"].search(
                [("company_id", "=", company.id), ("type", "=", kind)], limit=1
            )

        product = env["product.product"].create(
            {
                "name": "IC services",
                "detailed_type": "service",
                "taxes_id": [Command.clear()],
                "supplier_taxes_id": [Command.clear()],
            }
        )
        cls.agreement = env["pss.ic.agreement"].create(
            {
                "provider_company_id": cls.company_us.id,
                "consumer_company_id": cls.company_de.id,
                "date_from": "2026-01-01",
                "currency_id": eur.id,
                "pricing": "cost_plus",
                "markup": 10.0,
                "product_id": product.id,
                "provider_journal_id": journal(cls.company_us, "sale").id,
                "consumer_journal_id": journal(cls.company_de, "purchase").id,
            }
        )

    def test_charged_then_voided_then_reversed(self):
        resource = unique("R-IC-")
        cost = {"amount": "70", "currency": "USD", "effective_from": "2026-01-01"}
        upserted = self.post(
            self.psa,
            "resource.upserted",
            self.resource(resource, hourly_cost=cost),
            self.company_us,
        )
        self.process()
        self.assertDone(upserted)
        engagement = self.tm_engagement(self.company_de)
        ext = unique("L-IC-")
        message = self.post(
            self.psa,
            "timesheet.approved",
            {"lines": [self.line(ext, resource, engagement, hours="2.5")]},
            self.company_de,
        )
        self.process()
        self.assertDone(message)
        timesheet = self.timesheets([ext])
        self.assertTrue(timesheet.pss_intercompany)

        Run = self.env["pss.ic.run"].with_user(self.ic_user)
        april = Run.create({"date_from": "2026-04-01", "date_to": "2026-04-30"})
        april.action_run()
        self.assertEqual(april.state, "done", april.error)
        line = april.charge_ids.line_ids
        self.assertEqual(line.timesheet_id, timesheet)
        # 70 USD = 56 EUR, + 10 %: 61.60 EUR/h x 2.5 h
        self.assertAlmostEqual(line.unit_price, 61.6, places=6)
        self.assertEqual(line.amount, 154.0)
        self.assertEqual(april.charge_ids.invoice_id.company_id, self.company_us)
        self.assertEqual(april.charge_ids.bill_id.company_id, self.company_de)
        # the DE timesheet now costs what DE is charged
        self.assertEqual(timesheet.amount, -154.0)

        void = self.post(
            self.psa, "timesheet.voided", {"lines": [ext]}, self.company_de
        )
        self.process()
        self.assertDone(void)
        self.assertFalse(timesheet.exists())
        may = Run.create({"date_from": "2026-05-01", "date_to": "2026-05-31"})
        may.action_run()
        charge = may.charge_ids
        self.assertEqual(charge.line_ids.amount, -154.0)
        self.assertEqual(charge.credit_note_id.company_id, self.company_us)
        self.assertEqual(charge.credit_note_id.amount_total, 154.0)
        self.assertEqual(charge.refund_id.company_id, self.company_de)
        self.assertEqual(charge.refund_id.amount_total, 154.0)
        self.assertFalse(charge.invoice_id)
