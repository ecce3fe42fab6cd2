"""Billing runs through the queue fixtures: only approved time, every
billing model to the cent, reruns, late time, WIP and company isolation."""

from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, RedirectWarning, UserError
from odoo.tests import TransactionCase, tagged

from odoo.addons.pss_core.tests.common import make_user

from .common import APRIL, MAY, BillingCase, unique

LINE = "account.analytic.line"


@tagged("post_install", "-at_install")
class TestTimeAndMaterials(BillingCase):
    def setUp(self):
        super().setUp()
        self.eng = self.tm_engagement(self.company_de, rate="150.00")
        self.order = self.order_of(self.eng)
        self.res = self.add_resource()
        self.psa_time = self.approve(
            [
                self.line(
                    unique("L-"), self.res, self.eng, date="2026-04-10", hours="5"
                ),
                self.line(
                    unique("L-"), self.res, self.eng, date="2026-04-20", hours="3"
                ),
            ]
        )
        # Time typed in Odoo (Anna is a consultant: the role's rate), not approved.
        self.odoo_time = self.env[LINE].create(
            {
                "name": "Typed in Odoo",
                "project_id": self.order.project_ids[:1].id,
                "employee_id": self.employee_anna.id,
                "unit_amount": 2.0,
                "date": date(2026, 4, 15),
            }
        )

    def test_only_approved_time_is_invoiced_rerun_and_late_time(self):
        self.assertTrue(all(self.psa_time.mapped("pss_approved")))
        self.assertFalse(self.odoo_time.pss_approved)
        so_line = self.psa_time.so_line
        self.assertEqual(len(so_line), 1)
        self.assertEqual(so_line.qty_delivered, 8.0, "unapproved time is not delivered")

        run = self.run_billing(APRIL)
        invoice = run.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.company_id, self.company_de)
        self.assertEqual(invoice.currency_id, self.company_de.currency_id)
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(invoice.pss_approval_state, "to_approve")
        self.assertEqual(invoice.invoice_date, date(2026, 4, 30))
        self.assertEqual(invoice.invoice_line_ids.quantity, 8.0)
        self.assertEqual(invoice.invoice_line_ids.price_unit, 150.0)
        self.assertEqual(invoice.invoice_line_ids.tax_ids, self.tax_de)
        self.assertEqual(
            (invoice.amount_untaxed, invoice.amount_tax, invoice.amount_total),
            (1200.0, 228.0, 1428.0),
        )
        self.assertEqual(self.psa_time.timesheet_invoice_id, invoice)
        self.assertFalse(self.odoo_time.timesheet_invoice_id)
        (line,) = run.line_ids
        self.assertEqual((line.state, line.invoice_id), ("invoiced", invoice))
        self.assertEqual(line.unapproved_hours, 2.0)
        self.assertIn("1 invoiced", run.summary)

        # The unapproved time waits in WIP, at sale price and cost; the
        # invoiced time is there too until the draft is approved, as time
        # on a draft invoice (never neither unbilled nor invoiced).
        wip = self.env["pss.billing.wip"].search([("order_id", "=", self.order.id)])
        unbilled = wip.filtered(lambda w: w.billing_state == "unbilled")
        self.assertEqual(unbilled.mapped("approved"), [False])
        self.assertEqual((unbilled.hours, unbilled.value_sale), (2.0, 300.0))
        self.assertEqual(unbilled.age_bucket, "90_plus")
        on_draft = wip - unbilled
        self.assertEqual(on_draft.mapped("billing_state"), ["to_approve"])
        self.assertEqual((on_draft.approved, on_draft.hours), (True, 8.0))

        # Rerun of the period: nothing new.
        rerun = self.run_billing(APRIL)
        self.assertFalse(rerun.invoice_ids)
        self.assertFalse(rerun.line_ids.filtered(lambda ln: ln.state == "invoiced"))
        self.assertEqual(
            self.env["account.move"].search_count(
                [("invoice_line_ids.sale_line_ids.order_id", "=", self.order.id)]
            ),
            1,
        )

        # Late approved time for April, and the Odoo time approved now:
        # the May run invoices only them.
        late = self.approve(
            [self.line(unique("L-"), self.res, self.eng, date="2026-04-25", hours="4")]
        )
        self.odoo_time.with_user(self.biller).action_pss_approve()
        self.assertEqual(self.odoo_time.pss_approved_user_id, self.biller)
        self.assertTrue(self.odoo_time.pss_approved_at)
        self.assertEqual(so_line.qty_delivered, 14.0, "approval delivers the time")
        may = self.run_billing(MAY)
        self.assertEqual(len(may.invoice_ids), 1)
        self.assertEqual(may.invoice_ids.amount_untaxed, 900.0)
        self.assertEqual((late | self.odoo_time).timesheet_invoice_id, may.invoice_ids)
        self.assertEqual(self.psa_time.timesheet_invoice_id, invoice)
        self.assertFalse(
            self.env["pss.billing.wip"].search(
                [("order_id", "=", self.order.id), ("billing_state", "=", "unbilled")]
            )
        )

    def test_cron_bills_a_period_whose_first_run_came_before_its_time(self):
        """The demo's first night: the scheduled run of April was made
        before April's time arrived. It must not stop the next night's run
        from billing April; a night with nothing to bill leaves no run, and
        a company that is no pss entity gets none."""
        # pss_commit=False: the cron commits after each entity outside tests.
        Run = self.env["pss.billing.run"].with_context(pss_commit=False)
        # A done, empty run of April (made before the time was approved).
        early = Run.create(
            {
                "company_id": self.company_de.id,
                "date_from": APRIL[0],
                "date_to": APRIL[1],
            }
        )
        early.write({"state": "done", "engagement_count": 0})
        self.assertTrue(early._pss_is_empty())
        plain = self.env["res.company"].create({"name": unique("No pss company")})
        before = Run.search([])

        made = Run._cron_billing_runs(today=date(2026, 5, 3))
        de_run = made.filtered(lambda r: r.company_id == self.company_de)
        self.assertEqual(len(de_run), 1, "April is billed despite the empty run")
        self.assertEqual((de_run.date_from, de_run.date_to), APRIL)
        self.assertEqual(de_run.invoice_ids.invoice_line_ids.quantity, 8.0)
        self.assertEqual(self.psa_time.timesheet_invoice_id, de_run.invoice_ids)
        new_runs = Run.search([]) - before
        self.assertEqual(new_runs, made, "idle runs of other entities leave nothing")
        self.assertTrue(all(not run._pss_is_empty() for run in new_runs))
        self.assertNotIn(plain, new_runs.company_id)

        # The next night April has had its run: nothing new.
        self.assertFalse(Run._cron_billing_runs(today=date(2026, 5, 4)))
        self.assertEqual(Run.search([]) - before, made)

    def test_unapproved_time_only_is_skipped_with_reason(self):
        other = self.order_of(self.tm_engagement(self.company_de))
        self.env[LINE].create(
            {
                "name": "Typed in Odoo",
                "project_id": other.project_ids[:1].id,
                "employee_id": self.employee_anna.id,
                "unit_amount": 1.5,
                "date": date(2026, 4, 16),
            }
        )
        run = self.run_billing(APRIL)
        line = run.line_ids.filtered(lambda ln: ln.order_id == other)
        self.assertEqual((line.state, line.reason), ("skipped", "unapproved_time"))
        self.assertEqual(line.unapproved_hours, 1.5)
        self.assertFalse(line.invoice_id)
        self.assertEqual(run.invoice_ids.line_ids.sale_line_ids.order_id, self.order)

    def test_approved_time_is_frozen_except_for_its_sender(self):
        timesheet = self.psa_time[0]
        with self.assertRaises(UserError):
            timesheet.with_user(self.biller).write({"unit_amount": 9.0})
        with self.assertRaises(UserError):
            timesheet.with_user(self.biller).unlink()
        with self.assertRaises(AccessError):
            self.odoo_time.with_user(self.biller).write({"pss_approved": True})
        with self.assertRaises(AccessError):
            self.odoo_time.with_user(self.pm).action_pss_approve()
        # The sender's new version applies.
        ext = timesheet.pss_external_id
        self.approve(
            [
                self.line(
                    ext, self.res, self.eng, date="2026-04-10", hours="6", version=2
                )
            ]
        )
        self.assertEqual(timesheet.unit_amount, 6.0)
        self.assertEqual(timesheet.so_line.qty_delivered, 9.0)

    def test_credit_hold_locked_period_and_missing_price(self):
        partner = self.order.partner_id.commercial_partner_id
        partner.pss_credit_hold = True
        run = self.run_billing(APRIL)
        self.assertFalse(run.invoice_ids)
        self.assertEqual(run.line_ids.reason, "credit_hold")
        partner.pss_credit_hold = False

        self.company_de.sudo().fiscalyear_lock_date = date(2026, 4, 30)
        self.company_de.pss_period_lock_behaviour = "park"
        run = self.run_billing(APRIL)
        self.assertFalse(run.invoice_ids)
        self.assertEqual(run.line_ids.reason, "locked_period")
        self.company_de.pss_period_lock_behaviour = "next_open_date"
        run = self.run_billing(APRIL)
        self.assertEqual(run.invoice_ids.invoice_date, date(2026, 5, 1))
        self.company_de.sudo().fiscalyear_lock_date = False

        other = self.tm_engagement(self.company_de, rate="0")
        self.approve(
            [self.line(unique("L-"), self.res, other, date="2026-04-10", hours="1")]
        )
        run = self.run_billing(APRIL)
        line = run.line_ids.filtered(lambda ln: ln.order_id == self.order_of(other))
        self.assertEqual((line.state, line.reason), ("skipped", "missing_price"))

    def test_tax_lock_date_alone_holds_invoices_with_taxes(self):
        # Odoo's rule for moves: the tax lock date holds an invoice with
        # taxes (the engagement's lines carry 19%), as a period lock would.
        self.company_de.sudo().tax_lock_date = date(2026, 4, 30)
        self.company_de.pss_period_lock_behaviour = "park"
        run = self.run_billing(APRIL)
        self.assertFalse(run.invoice_ids)
        self.assertEqual(run.line_ids.reason, "locked_period")
        self.company_de.pss_period_lock_behaviour = "next_open_date"
        run = self.run_billing(APRIL)
        self.assertEqual(run.invoice_ids.invoice_date, date(2026, 5, 1))
        self.assertTrue(run.invoice_ids.invoice_line_ids.tax_ids)

    def test_tax_lock_date_at_approval_follows_the_draft_taxes(self):
        self.company_de.pss_approval_required = True
        run = self.run_billing(APRIL)
        invoice = run.invoice_ids
        self.assertEqual(invoice.pss_approval_state, "to_approve")
        self.company_de.sudo().tax_lock_date = date(2026, 4, 30)
        with self.assertRaisesRegex(UserError, "locked period"):
            invoice.with_user(self.biller).action_pss_approve()
        self.assertEqual(invoice.state, "draft", "never re-dated silently")
        # Without taxes the draft is outside the tax lock: posted on its date.
        invoice.invoice_line_ids.tax_ids = False
        invoice.with_user(self.biller).action_pss_approve()
        self.assertEqual((invoice.state, invoice.date), ("posted", date(2026, 4, 30)))

    def test_company_isolation(self):
        eng_us = self.tm_engagement(self.company_us, rate="100.00")
        res_us = self.add_resource(self.company_us)
        us_time = self.approve(
            [self.line(unique("L-"), res_us, eng_us, date="2026-04-10", hours="2")],
            company=self.company_us,
        )
        run_de = self.run_billing(APRIL)
        self.assertFalse(us_time.timesheet_invoice_id, "a DE run bills no US time")
        self.assertEqual(run_de.invoice_ids.company_id, self.company_de)
        run_us = self.run_billing(APRIL, company=self.company_us)
        self.assertEqual(run_us.invoice_ids.currency_id, self.company_us.currency_id)
        self.assertEqual(run_us.invoice_ids.amount_untaxed, 200.0)

        Run = self.env["pss.billing.run"].with_user(self.biller_us)
        self.assertEqual(Run.search([("id", "in", (run_de | run_us).ids)]), run_us)
        Wip = self.env["pss.billing.wip"].with_user(self.biller_us)
        self.assertFalse(Wip.search([("company_id", "=", self.company_de.id)]))
        Move = self.env["account.move"].with_user(self.biller_us)
        self.assertFalse(Move.search([("id", "in", run_de.invoice_ids.ids)]))
        with self.assertRaises(AccessError):
            run_de.with_user(self.biller_us).read(["summary"])

    def test_wip_equals_the_timesheets_in_company_and_group_currency(self):
        """WIP totals are those of the unbilled timesheets, per entity in its
        currency, and across entities in the group currency at today's rate."""
        de, us = self.company_de, self.company_us
        self.assertNotEqual(de.currency_id, us.currency_id)
        main = self.env.ref("base.main_company")
        group = us.currency_id
        self.env["ir.config_parameter"].sudo().set_param(
            "pss_core.group_currency_id", str(group.id)
        )
        Rate = self.env["res.currency.rate"]
        Rate.search([("currency_id", "in", (de | us).currency_id.ids)]).unlink()
        for currency, rate in ((de.currency_id, 0.8), (us.currency_id, 1.25)):
            if currency != main.currency_id:
                Rate.create(
                    {
                        "currency_id": currency.id,
                        "rate": rate,
                        "name": "2026-01-01",
                        "company_id": main.id,
                    }
                )

        rates = {de.currency_id: 0.8, us.currency_id: 1.25}
        rates[main.currency_id] = 1.0  # the main company's currency is the base

        def rate(currency):
            return rates.get(currency, 1.0)

        eng_us = self.tm_engagement(us, rate="100.00")
        res_us = self.add_resource(us)
        self.approve(
            [self.line(unique("L-"), res_us, eng_us, date="2026-04-10", hours="3")],
            company=us,
        )
        self.approve(
            [self.line(unique("L-"), self.res, self.eng, date="2026-04-12", hours="5")]
        )
        orders = self.order | self.order_of(eng_us)
        timesheets = self.env[LINE].search(
            [
                ("so_line.order_id", "in", orders.ids),
                ("timesheet_invoice_id", "=", False),
            ]
        )
        wip = self.env["pss.billing.wip"].search([("order_id", "in", orders.ids)])
        expected = {}
        for line in timesheets:
            company = line.company_id
            value = line.unit_amount * line.so_line.price_unit
            cost = -line.amount
            factor = rate(group) / rate(company.currency_id)
            sale, cost_, sale_g, cost_g = expected.get(company, (0, 0, 0, 0))
            expected[company] = (
                sale + value,
                cost_ + cost,
                sale_g + value * factor,
                cost_g + cost * factor,
            )
        for company, (sale, cost, sale_g, cost_g) in expected.items():
            rows = wip.filtered(lambda w, c=company: w.company_id == c)
            self.assertAlmostEqual(sum(rows.mapped("value_sale")), sale, places=2)
            self.assertAlmostEqual(sum(rows.mapped("value_cost")), cost, places=2)
            self.assertAlmostEqual(
                sum(rows.mapped("value_sale_group")), sale_g, places=2
            )
            self.assertAlmostEqual(
                sum(rows.mapped("value_cost_group")), cost_g, places=2
            )
            self.assertEqual(rows.group_currency_id, group)
        self.assertEqual(set(expected), {de, us})
        self.assertAlmostEqual(
            sum(wip.mapped("value_sale_group")),
            sum(v[2] for v in expected.values()),
            places=2,
        )


@tagged("post_install", "-at_install")
class TestBillingModels(BillingCase):
    def engagement_of(self, model, **values):
        ext = unique(f"ENG-{model}-")
        data = self.engagement(
            ext,
            model,
            self.customer(unique("C-"), name=f"Customer of {ext}"),
            currency=self.company_de.currency_id.name,
            **values,
        )
        message = self.post(self.psa, "engagement.won", data, self.company_de)
        self.process()
        self.assertDone(message)
        return ext

    def test_milestone_fixed_fee_retainer_and_expenses_to_the_cent(self):
        self.company_de.pss_approval_required = False
        milestone = self.engagement_of(
            "milestone",
            milestones=[
                {"external_id": "M1", "name": "Design", "amount": "1000.00"},
                {"external_id": "M2", "name": "Build", "amount": "2500.50"},
            ],
        )
        reached = self.post(
            self.psa,
            "milestone.reached",
            {
                "engagement_external_id": milestone,
                "milestone_external_id": "M1",
                "reached_on": "2026-04-12",
            },
            self.company_de,
        )
        fixed = self.engagement_of("fixed_fee", fixed_amount="4999.99")
        retainer = self.engagement_of(
            "retainer",
            start_date="2026-03-01",
            end_date="2026-04-15",
            retainer={"amount": "3100.00", "hours_cap": "10"},
        )
        self.process()
        self.assertDone(reached)
        res = self.add_resource()
        self.approve(
            [
                self.line(unique("L-"), res, retainer, date="2026-03-10", hours="7"),
                self.line(unique("L-"), res, retainer, date="2026-03-20", hours="5.5"),
            ]
        )
        tm = self.tm_engagement(self.company_de)
        expense = self.post(
            self.psa,
            "expense.approved",
            {
                "external_id": unique("X-"),
                "resource_external_id": res,
                "engagement_external_id": tm,
                "date": "2026-04-15",
                "amount": "120.40",
                "currency": self.company_de.currency_id.name,
                "category": "travel",
                "description": "Train",
                "billable": True,
            },
            self.company_de,
        )
        self.process()
        self.assertDone(expense)

        run = self.run_billing(APRIL)
        by_order = {ln.order_id: ln for ln in run.line_ids}
        # No rate above the cap yet: the retainer waits, the others go.
        ret_line = by_order[self.order_of(retainer)]
        self.assertEqual(
            (ret_line.state, ret_line.reason), ("skipped", "missing_price")
        )
        self.assertIn("2.5 hours above the cap", ret_line.note)
        self.assertEqual(
            by_order[self.order_of(milestone)].invoice_id.amount_untaxed, 1000.0
        )
        self.assertEqual(
            by_order[self.order_of(fixed)].invoice_id.amount_untaxed, 4999.99
        )
        self.assertEqual(by_order[self.order_of(tm)].invoice_id.amount_untaxed, 120.40)
        self.assertEqual(set(run.invoice_ids.mapped("state")), {"posted"})

        self.order_of(retainer).pss_overage_rate = 120.0
        run = self.run_billing(APRIL)
        invoice = run.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(
            invoice.line_ids.sale_line_ids.order_id, self.order_of(retainer)
        )
        # March 3100.00 + April 15/30 days 1550.00 + 2.5 h x 120.00 = 4950.00
        self.assertEqual(
            sorted(invoice.invoice_line_ids.mapped("price_subtotal")),
            [300.0, 1550.0, 3100.0],
        )
        self.assertEqual(invoice.amount_untaxed, 4950.0)
        self.assertEqual(invoice.amount_total, 5890.5)
        self.assertFalse(self.run_billing(APRIL).invoice_ids, "rerun: nothing new")
        self.assertFalse(self.run_billing(MAY).invoice_ids)

    def test_draft_waits_for_finance_approval(self):
        fixed = self.engagement_of("fixed_fee", fixed_amount="1000.00")
        run = self.run_billing(APRIL)
        invoice = run.invoice_ids
        self.assertEqual(
            (invoice.state, invoice.pss_approval_state), ("draft", "to_approve")
        )
        with self.assertRaises(AccessError):
            invoice.with_user(self.pm).action_pss_approve()
        self.company_de.sudo().period_lock_date = date(2026, 4, 30)
        with self.assertRaises(UserError):
            invoice.with_user(self.biller).action_pss_approve()
        self.assertEqual(
            invoice.state, "draft", "a locked date is never moved silently"
        )
        self.company_de.sudo().period_lock_date = False
        # Waiting for approval, the April draft holds back the month-end close:
        # it is listed (as of May), and Odoo refuses the lock meanwhile.
        Run = self.env["pss.billing.run"].with_user(self.biller)
        blocking = self.env["account.move"].search(
            Run._pss_lock_blocking_domain(today=date(2026, 5, 3))
        )
        self.assertIn(invoice, blocking)
        self.assertNotIn(
            invoice,
            self.env["account.move"].search(
                Run._pss_lock_blocking_domain(today=date(2026, 4, 20))
            ),
        )
        action = Run.action_drafts_blocking_lock()
        self.assertIn(invoice, self.env["account.move"].search(action["domain"]))
        self.assertEqual((run.invoice_waiting_count, run.invoice_posted_count), (1, 0))
        self.assertIn("1 invoice: 0 posted, 1 waiting for approval", run.summary)
        run.with_user(self.biller).action_approve_invoices()
        # The run shows where its invoices are now, and its summary says the
        # same (never "Posted 1" beside "0 posted").
        run.invalidate_recordset()
        self.assertEqual((run.invoice_waiting_count, run.invoice_posted_count), (0, 1))
        self.assertIn("1 invoice: 1 posted, 0 waiting for approval", run.summary)
        self.assertNotIn("1 waiting", run.summary)
        self.assertEqual(
            (invoice.state, invoice.pss_approval_state), ("posted", "approved")
        )
        self.assertEqual(invoice.invoice_date, date(2026, 4, 30))
        self.assertEqual(invoice.pss_approved_user_id, self.biller)
        self.assertTrue(self.order_of(fixed))
        self.assertNotIn(
            invoice,
            self.env["account.move"].search(
                Run._pss_lock_blocking_domain(today=date(2026, 5, 3))
            ),
            "posted: nothing blocks the close",
        )

    def test_drafts_blocking_the_close_are_what_odoo_refuses(self):
        """The list holds every draft that stops Odoo from locking the
        period: the billing run's invoice, an intercompany vendor bill and a
        manual entry, not a draft after the period end; exactly Odoo's own
        list when it refuses the lock."""
        self.engagement_of("fixed_fee", fixed_amount="1000.00")
        invoice = self.run_billing(APRIL).invoice_ids
        Move = self.env["account.move"].with_company(self.company_de)

        def draft(move_type, day, **values):
            line = {"name": "Intercompany services", "quantity": 1, "price_unit": 80}
            if move_type == "entry":
                account = self.env["account.account"].search(
                    [("company_id", "=", self.company_de.id)], limit=1
                )
                lines = [
                    Command.create(dict(line, account_id=account.id, debit=80)),
                    Command.create(dict(line, account_id=account.id, credit=80)),
                ]
                return Move.create(
                    {"move_type": "entry", "date": day, "line_ids": lines}
                )
            return Move.create(
                dict(
                    {
                        "move_type": move_type,
                        "partner_id": self.company_us.partner_id.id,
                        "invoice_date": day,
                        "date": day,
                        "invoice_line_ids": [Command.create(line)],
                    },
                    **values,
                )
            )

        ic_bill = draft("in_invoice", "2026-04-29")
        entry = draft("entry", "2026-03-15")
        later = draft("in_invoice", "2026-05-02")
        self.assertEqual(
            (ic_bill | entry | later | invoice).mapped("state"), ["draft"] * 4
        )
        Run = self.env["pss.billing.run"].with_user(self.biller)
        listed = (
            self.env["account.move"]
            .with_user(self.biller)
            .search(Run._pss_lock_blocking_domain(lock_date=date(2026, 4, 30)))
        )
        self.assertIn(invoice, listed)
        self.assertIn(ic_bill, listed, "an intercompany vendor bill blocks too")
        self.assertIn(entry, listed)
        self.assertNotIn(later, listed)
        # The default period: the month before today.
        self.assertEqual(
            Run._pss_lock_blocking_domain(today=date(2026, 5, 3)),
            Run._pss_lock_blocking_domain(lock_date=date(2026, 4, 30)),
        )
        with self.assertRaises(RedirectWarning) as refused:
            self.company_de.sudo().fiscalyear_lock_date = date(2026, 4, 30)
        odoo_list = self.env["account.move"].search(refused.exception.args[1]["domain"])
        self.assertEqual(listed, odoo_list)
        self.assertFalse(self.company_de.fiscalyear_lock_date, "nothing locked")
        # Once they are posted or deleted, the list is empty and Odoo locks.
        (listed - invoice).unlink()
        invoice.with_user(self.biller).action_pss_approve()
        self.assertFalse(
            self.env["account.move"]
            .with_user(self.biller)
            .search(Run._pss_lock_blocking_domain(lock_date=date(2026, 4, 30)))
        )
        self.company_de.sudo().fiscalyear_lock_date = date(2026, 4, 30)
        self.assertEqual(self.company_de.fiscalyear_lock_date, date(2026, 4, 30))


@tagged("post_install", "-at_install")
class TestInvoicedTimesheetPolicy(TransactionCase):
    """The approval gate is a policy of the company: a company that is not a
    pss entity invoices typed time exactly as Odoo does; a pss entity
    invoices approved time only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        env.ref("base.EUR").active = True
        cls.plain = env["res.company"].create(
            {"name": unique("Odoo only"), "currency_id": env.ref("base.EUR").id}
        )
        cls.entity = env["res.company"].create(
            {
                "name": unique("pss entity"),
                "currency_id": env.ref("base.EUR").id,
                "pss_entity_code": unique("GATE"),
            }
        )
        Chart = env["account.chart.template"]
        for company in cls.plain | cls.entity:
            Chart.try_loading("generic_coa", company, install_demo=False)
        cls.approver = make_user(
            env,
            unique("approver"),
            ["base.group_user", "project.group_project_manager"],
            cls.plain | cls.entity,
        )
        hour = env.ref("uom.product_uom_hour")
        cls.product = env["product.product"].create(
            {
                "name": "Consulting on timesheets",
                "detailed_type": "service",
                "invoice_policy": "delivery",
                "service_type": "timesheet",
                "service_tracking": "project_only",
                "uom_id": hour.id,
                "uom_po_id": hour.id,
                "list_price": 100.0,
                "taxes_id": [Command.clear()],
            }
        )
        cls.customer = env["res.partner"].create({"name": unique("Customer")})

    def sell_and_type_time(self, company, hours=3.0):
        """A sale order of ``company`` for the timesheet service, confirmed
        (Odoo makes its project), and time typed on the project."""
        env = self.env(context={"allowed_company_ids": company.ids})
        order = (
            env["sale.order"]
            .with_company(company)
            .create(
                {
                    "partner_id": self.customer.id,
                    "company_id": company.id,
                    "order_line": [
                        Command.create(
                            {"product_id": self.product.id, "product_uom_qty": 10}
                        )
                    ],
                }
            )
        )
        order.action_confirm()
        employee = env["hr.employee"].create(
            {"name": unique("Typist"), "company_id": company.id}
        )
        timesheet = env[LINE].create(
            {
                "name": "Typed in Odoo",
                "project_id": order.project_ids.id,
                "employee_id": employee.id,
                "unit_amount": hours,
                "date": date(2026, 4, 15),
            }
        )
        return order, timesheet

    def test_company_without_entity_code_invoices_all_time_as_odoo(self):
        self.assertEqual(self.plain.pss_invoiced_timesheet, "all")
        order, timesheet = self.sell_and_type_time(self.plain)
        self.assertFalse(timesheet.pss_approved)
        self.assertEqual(timesheet.so_line, order.order_line)
        self.assertEqual(order.order_line.qty_delivered, 3.0)
        self.assertEqual(order.invoice_status, "to invoice")
        invoice = order._create_invoices()
        self.assertEqual(invoice.company_id, self.plain)
        self.assertEqual(invoice.invoice_line_ids.quantity, 3.0)
        self.assertEqual(invoice.amount_untaxed, 300.0)
        self.assertEqual(timesheet.timesheet_invoice_id, invoice)
        self.assertEqual(order.invoice_status, "no")

    def test_pss_entity_invoices_approved_time_only(self):
        self.assertEqual(self.entity.pss_invoiced_timesheet, "approved")
        order, timesheet = self.sell_and_type_time(self.entity)
        self.assertEqual(order.order_line.qty_delivered, 0.0)
        self.assertEqual(order.invoice_status, "no")
        with self.assertRaises(UserError):
            order._create_invoices()
        timesheet.with_user(self.approver).action_pss_approve()
        self.assertEqual(order.order_line.qty_delivered, 3.0)
        self.assertEqual(order.invoice_status, "to invoice")
        invoice = order._create_invoices()
        self.assertEqual(invoice.invoice_line_ids.quantity, 3.0)
        self.assertEqual(timesheet.timesheet_invoice_id, invoice)

    def test_policy_follows_entity_code_unless_chosen_and_recomputes(self):
        order, _timesheet = self.sell_and_type_time(self.entity)
        self.assertEqual(order.order_line.qty_delivered, 0.0)
        # An entity that chooses all recorded time invoices it at once.
        self.entity.pss_invoiced_timesheet = "all"
        self.assertEqual(order.order_line.qty_delivered, 3.0)
        self.assertEqual(order.invoice_status, "to invoice")
        # A company given an entity code gets the gate, unless the same
        # save chooses otherwise.
        company = self.env["res.company"].create({"name": unique("Later entity")})
        self.assertEqual(company.pss_invoiced_timesheet, "all")
        company.pss_entity_code = unique("LATER")
        self.assertEqual(company.pss_invoiced_timesheet, "approved")
        other = self.env["res.company"].create({"name": unique("Other")})
        other.write(
            {"pss_entity_code": unique("OTHER"), "pss_invoiced_timesheet": "all"}
        )
        self.assertEqual(other.pss_invoiced_timesheet, "all")
