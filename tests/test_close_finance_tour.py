"""Browser test of the whole month-end close as the finance controller
(tour pss_close_finance_tour, headless Chromium): the demo's ``finance``
user (pss Finance with accounting administrator rights, allowed in the
entities of the intercompany pair) opens Finance → Month-end close, the
close of the seeded month, and follows the checklist in the browser:
approves the waiting invoice, runs intercompany, resolves the
intercompany mismatch with a reason, resolves the reconciliation variance
with a reason, signs off the run and sets the lock date. Checked after the
tour on the server: the lock date is the period end, every resolution
carries the reason and the finance user, the invoice is posted."""

from pss_tour import TourMixin
from test_reconcile_http import ReconcileHttpCase

from odoo import Command, fields
from odoo.tests import tagged

from odoo.addons.pss_billing.tests.common import APRIL
from odoo.addons.pss_core.tests.common import make_user
from odoo.addons.pss_project.tests.common import unique

# The demo's finance user (addons/pss_demo/demo/res_users_demo.xml).
DEMO_FINANCE_GROUPS = [
    "base.group_user",
    "pss_core.group_pss_finance",
    "account.group_account_manager",
    "sales_team.group_sale_salesman_all_leads",
    "hr_timesheet.group_timesheet_manager",
    "analytic.group_analytic_accounting",
    "project.group_project_milestone",
]


@tagged("post_install", "-at_install")
class TestCloseFinanceTour(TourMixin, ReconcileHttpCase):
    def seed_month(self):
        """April in DE: approved time billed into a draft waiting for
        approval, the PSA's totals 6 h above Odoo's (one variance), and a DE
        invoice to the US entity without the US bill (the intercompany run
        finds the mismatch)."""
        de, us = self.company_de, self.company_us
        de.write({"pss_approval_required": True, "period_lock_date": False})
        eng = self.tm_engagement(de)
        res = unique("R-")
        self.post(self.psa, "resource.upserted", self.resource(res), de)
        self.process()
        approved = self.post(
            self.psa,
            "timesheet.approved",
            {"lines": [self.line(unique("L-"), res, eng, hours="4")]},
            de,
        )
        self.process()
        self.assertDone(approved)
        billing = (
            self.env["pss.billing.run"]
            .with_user(self.biller)
            .with_company(de)
            .create({"company_id": de.id, "date_from": APRIL[0], "date_to": APRIL[1]})
        )
        billing.action_run()
        self.assertEqual(billing.state, "done", billing.error)
        draft = billing.sudo().invoice_ids
        self.assertEqual(draft.state, "draft")
        self.assertEqual(draft.pss_approval_state, "to_approve")
        self.totals([{"engagement_external_id": eng, "hours": "10"}])
        run = self.reconcile(APRIL)
        variance = run.line_ids.filtered(lambda ln: ln.status == "variance")
        self.assertEqual(len(variance), 1, run.line_ids.mapped("label"))
        journal = self.env["account.journal"].search
        self.env["pss.ic.agreement"].create(
            {
                "provider_company_id": de.id,
                "consumer_company_id": us.id,
                "date_from": "2026-01-01",
                "product_id": self.product_time.id,
                "currency_id": de.currency_id.id,
                "provider_journal_id": journal(
                    [("type", "=", "sale"), ("company_id", "=", de.id)], limit=1
                ).id,
                "consumer_journal_id": journal(
                    [("type", "=", "purchase"), ("company_id", "=", us.id)], limit=1
                ).id,
            }
        )
        unbooked = (
            self.env["account.move"]
            .with_company(de)
            .create(
                {
                    "move_type": "out_invoice",
                    "company_id": de.id,
                    "partner_id": us.partner_id.id,
                    "invoice_date": fields.Date.to_date("2026-04-20"),
                    "currency_id": de.currency_id.id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Shared services",
                                "quantity": 1,
                                "price_unit": 500,
                            }
                        )
                    ],
                }
            )
        )
        unbooked.action_post()
        close = self.env["pss.close"].create(
            {"company_id": de.id, "date_from": APRIL[0], "date_to": APRIL[1]}
        )
        self.assertEqual(close.draft_invoice_count, 1)
        self.assertEqual(close.variance_count, 1)
        self.assertEqual(close.ic_run_state, "todo")
        self.assertEqual(close.state, "open")
        return close, draft, run, variance

    def test_finance_follows_the_checklist_to_the_lock(self):
        close, draft, run, variance = self.seed_month()
        finance = make_user(
            self.env,
            unique("finance").lower(),
            DEMO_FINANCE_GROUPS,
            self.company_de | self.company_us,
            company=self.company_de,
        )
        finance.password = finance.login
        self.env.flush_all()
        self.pss_tour("/web", "pss_close_finance_tour", login=finance.login)

        self.env.invalidate_all()
        self.assertEqual(self.company_de.period_lock_date, APRIL[1])
        self.assertEqual(close.state, "locked")
        self.assertEqual(close.locked_by_id, finance)
        self.assertEqual(draft.state, "posted")
        self.assertEqual(draft.pss_approved_user_id, finance)
        self.assertTrue(variance.resolved)
        self.assertEqual(variance.resolved_by_id, finance)
        self.assertIn("PSA export missed", variance.resolution)
        self.assertEqual(run.state, "signed")
        self.assertEqual(run.signed_by_id, finance)
        ic_runs = self.env["pss.ic.run"].search(close._pss_domain("ic_run"))
        self.assertEqual(len(ic_runs), 1)
        self.assertEqual(ic_runs.create_uid, finance)
        balance = ic_runs.balance_ids
        self.assertEqual(len(balance), 1)
        self.assertEqual(balance.state, "resolved")
        self.assertEqual(balance.resolved_by_id, finance)
        self.assertIn("bill in transit", balance.resolution)
        self.assertFalse(close.blocking)
