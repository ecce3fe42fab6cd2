"""Two billing runs of one entity and period at once make one set of
invoices: real workers on separate cursors, committing for real."""

import threading
from datetime import date

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.pss_core.tests.common import CommittedCase, unique

PERIOD = (date(2026, 4, 1), date(2026, 4, 30))


@tagged("post_install", "-at_install")
class TestBillingConcurrency(CommittedCase):
    """Not a TransactionCase: the runs must really commit to show locking."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.cursor_env() as root:
            company = root["res.company"].create(
                {
                    "name": unique("Billing conc "),
                    "currency_id": root.ref("base.EUR").id,
                }
            )
            root["account.chart.template"].try_loading(
                "generic_coa", company, install_demo=False
            )
            company.pss_approval_required = True
            env = root(context={"allowed_company_ids": company.ids})
            product = env["product.product"].create(
                {
                    "name": "Fixed fee (concurrency)",
                    "detailed_type": "service",
                    "invoice_policy": "order",
                    "service_tracking": "no",
                    "taxes_id": [(5, 0, 0)],
                    "company_id": company.id,
                }
            )
            cls.company_id = company.id
            cls.product_id = product.id
        cls.order_ids = []

    def make_orders(self):
        """Three confirmed fixed-fee engagements, committed."""
        with self.cursor_env() as root:
            env = root(context={"allowed_company_ids": [self.company_id]})
            partner = env["res.partner"].create(
                {"name": unique("Concurrent customer "), "company_id": self.company_id}
            )
            orders = env["sale.order"].create(
                [
                    {
                        "partner_id": partner.id,
                        "company_id": self.company_id,
                        "pss_billing_model": "fixed_fee",
                        "order_line": [
                            (
                                0,
                                0,
                                {"product_id": self.product_id, "price_unit": 1000.0},
                            )
                        ],
                    }
                    for _i in range(3)
                ]
            )
            orders.action_confirm()
            self.order_ids.extend(orders.ids)
            return orders.ids

    @classmethod
    def tearDownClass(cls):
        with cls.cursor_env() as root:
            env = root(context={"allowed_company_ids": [cls.company_id]})
            runs = env["pss.billing.run"].search([("company_id", "=", cls.company_id)])
            runs.invoice_ids.filtered(lambda m: m.state == "draft").unlink()
            runs.unlink()
            env["sale.order"].browse(cls.order_ids).write({"state": "cancel"})
        super().tearDownClass()

    def invoices(self, order_ids):
        with self.cursor_env() as env:
            moves = env["account.move"].search(
                [("invoice_line_ids.sale_line_ids.order_id", "in", order_ids)]
            )
            return len(moves)

    def run_in_worker(self, env):
        env = env(context={"allowed_company_ids": [self.company_id]})
        run = env["pss.billing.run"].create(
            {
                "company_id": self.company_id,
                "date_from": PERIOD[0],
                "date_to": PERIOD[1],
            }
        )
        run.action_run()
        return run.invoice_count

    def test_two_runs_at_once_make_one_set_of_invoices(self):
        order_ids = self.make_orders()
        barrier = threading.Barrier(2)
        outcomes = []

        def worker():
            cr = self.registry.cursor()
            try:
                env = api.Environment(cr, SUPERUSER_ID, {})
                # Both snapshots are taken before either run commits.
                env.cr.execute("SELECT count(*) FROM sale_order")
                barrier.wait(timeout=30)
                try:
                    outcomes.append(("ok", self.run_in_worker(env)))
                    cr.commit()
                except UserError as exc:
                    cr.rollback()
                    outcomes.append(("refused", str(exc)))
            finally:
                cr.close()

        threads = [threading.Thread(target=worker) for _i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        self.assertEqual(len(outcomes), 2, outcomes)
        self.assertEqual(self.invoices(order_ids), 3, outcomes)
        made = [count for state, count in outcomes if state == "ok"]
        self.assertEqual(sum(made), 3, outcomes)

    def test_a_run_that_started_before_another_committed_refuses(self):
        order_ids = self.make_orders()
        stale = self.registry.cursor()
        try:
            env = api.Environment(stale, SUPERUSER_ID, {})
            env.cr.execute("SELECT count(*) FROM sale_order")  # snapshot taken
            with self.cursor_env() as other:
                self.run_in_worker(other)
            before = self.invoices(order_ids)
            with self.assertRaises(UserError) as caught:
                self.run_in_worker(env)
            self.assertIn("finished while this one started", str(caught.exception))
            stale.rollback()
        finally:
            stale.close()
        self.assertEqual(self.invoices(order_ids), before)
        self.assertEqual(before, 3)
