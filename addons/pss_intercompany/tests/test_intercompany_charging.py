"""Intercompany charging: prices to the cent, documents in the right
companies, idempotent reruns, adjustments and reversals, no second bill, the
consumer's project costs the work once, balance checks."""

from datetime import date
from decimal import Decimal

import psycopg2

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.pss_intercompany.lib.pricing import line_amount, unit_price

from .common import USD_PER_EUR, IntercompanyCase


def expected(hours, cost, markup):
    """hours x cost x (1 + markup), to the cent, computed independently."""
    return float(
        (
            Decimal(str(hours)) * Decimal(cost) * (1 + Decimal(str(markup)) / 100)
        ).quantize(Decimal("0.01"), "ROUND_HALF_UP")
    )


@tagged("post_install", "-at_install")
class TestIntercompanyCharging(IntercompanyCase):
    def test_both_directions_amounts_documents_taxes(self):
        anna_1 = self.time(self.anna, self.project_us, 7.5)
        anna_2 = self.time(self.anna, self.project_us, 3.25, "2026-04-20")
        bob = self.time(self.bob, self.project_de, 4.5)
        own = self.time(self.anna, self.project_de, 2.0)  # not intercompany
        unapproved = self.time(self.bob, self.project_de, 1.0)
        unapproved.sudo().write({"pss_approved": False, "pss_approved_at": False})
        may = self.time(self.anna, self.project_us, 1.0, "2026-05-04")
        # payment terms of the other entity's partner, per company
        net30 = self.env.ref("account.account_payment_term_30days")
        self.us.partner_id.with_company(self.de).property_payment_term_id = net30

        run = self.charge()

        self.assertEqual(run.state, "done", run.error)
        self.assertEqual(run.line_count, 3)
        # DE -> US, agreement in EUR: 83.37 EUR/h + 7.5 %
        charge = run.charge_ids.filtered(lambda c: c.agreement_id == self.de_to_us)
        by_ts = {line.timesheet_id: line for line in charge.line_ids}
        self.assertEqual(set(by_ts), {anna_1, anna_2})
        self.assertEqual(by_ts[anna_1].amount, expected(7.5, "83.37", 7.5))
        self.assertEqual(by_ts[anna_1].amount, 672.17)
        self.assertEqual(by_ts[anna_2].amount, 291.27)
        self.assertAlmostEqual(by_ts[anna_1].unit_price, 89.62275, places=6)
        self.assertEqual(by_ts[anna_1].markup, 7.5)
        self.assertEqual(by_ts[anna_1].currency_id, self.eur)
        invoice, bill = charge.invoice_id, charge.bill_id
        self.assertEqual(invoice.company_id, self.de)
        self.assertEqual(invoice.move_type, "out_invoice")
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.partner_id, self.us.partner_id)
        self.assertEqual(invoice.journal_id, self.de_to_us.provider_journal_id)
        self.assertEqual(invoice.currency_id, self.eur)
        self.assertEqual(invoice.fiscal_position_id, self.fpos_de_export)
        self.assertEqual(invoice.invoice_payment_term_id, net30)
        self.assertEqual(invoice.invoice_line_ids.tax_ids, self.tax_de_export)
        self.assertEqual(invoice.amount_untaxed, 963.44)
        self.assertEqual(invoice.amount_total, 963.44)
        self.assertEqual(invoice.invoice_line_ids.account_id.company_id, self.de)
        self.assertEqual(
            set(invoice.invoice_line_ids.account_id.mapped("account_type")),
            {"income"},
        )
        self.assertEqual(bill.company_id, self.us)
        self.assertEqual(bill.move_type, "in_invoice")
        self.assertEqual(bill.state, "posted")
        self.assertEqual(bill.partner_id, self.de.partner_id)
        self.assertEqual(bill.currency_id, self.eur)
        self.assertEqual(bill.ref, invoice.name)
        self.assertFalse(bill.invoice_line_ids.tax_ids)  # no US purchase tax
        self.assertEqual(bill.amount_untaxed, 963.44)
        self.assertEqual(bill.invoice_line_ids.account_id.company_id, self.us)
        self.assertIn(
            bill.invoice_line_ids.account_id.account_type,
            ("expense", "expense_direct_cost"),
        )
        self.assertFalse(any(bill.invoice_line_ids.mapped("analytic_distribution")))
        # company currency of the US bill: EUR converted at 1.25
        self.assertAlmostEqual(bill.amount_untaxed_signed, -1204.30, places=2)
        self.assertEqual(invoice.pss_ic_counterpart_id, bill)
        self.assertEqual(bill.pss_ic_counterpart_id, invoice)
        self.assertEqual(invoice.pss_ic_charge_id, charge)
        self.assertEqual(bill.pss_ic_charge_id, charge)

        # US -> DE, agreement in EUR: 97.30 USD/h = 77.84 EUR/h, + 5 %;
        # the US tax is price-included: the untaxed amount is the charge.
        charge = run.charge_ids.filtered(lambda c: c.agreement_id == self.us_to_de)
        line = charge.line_ids
        self.assertEqual(line.timesheet_id, bob)
        self.assertAlmostEqual(line.cost, 77.84, places=6)
        self.assertAlmostEqual(line.cost_rate, 1 / USD_PER_EUR, places=8)
        self.assertEqual(line.cost_currency_id, self.usd)
        self.assertEqual(line.amount, expected(4.5, "77.84", 5.0))
        self.assertEqual(line.amount, 367.79)
        invoice, bill = charge.invoice_id, charge.bill_id
        self.assertEqual(invoice.company_id, self.us)
        self.assertEqual(invoice.currency_id, self.eur)
        self.assertEqual(invoice.invoice_line_ids.tax_ids, self.tax_us_incl)
        self.assertEqual(invoice.amount_untaxed, 367.79)
        self.assertEqual(invoice.amount_total, 393.54)
        self.assertEqual(bill.company_id, self.de)
        self.assertEqual(bill.invoice_line_ids.tax_ids, self.tax_de_input_7)
        self.assertEqual(bill.amount_untaxed, 367.79)
        self.assertEqual(bill.amount_total, 393.54)

        # nothing charged for own, unapproved or next month's time
        charged = run.charge_ids.line_ids.timesheet_id
        self.assertFalse(charged & (own | unapproved | may))
        # balances: receivable of the provider = payable of the consumer
        balances = run.balance_ids
        self.assertEqual(
            set(
                balances.filtered(lambda b: b.agreement_id != self.nl_to_de).mapped(
                    "state"
                )
            ),
            {"matched"},
        )
        balance = balances.filtered(lambda b: b.agreement_id == self.us_to_de)
        self.assertEqual((balance.receivable, balance.payable), (393.54, 393.54))

    def test_role_rate_and_draft_bill_is_a_mismatch(self):
        self.time(self.nina, self.project_de, 6.0)
        run = self.charge()
        charge = run.charge_ids
        self.assertEqual(charge.agreement_id, self.nl_to_de)
        self.assertEqual(charge.line_ids.unit_price, 112.5)
        self.assertEqual(charge.line_ids.amount, 675.0)
        self.assertEqual(charge.invoice_id.state, "posted")
        self.assertEqual(charge.bill_id.state, "draft")  # not auto-posted
        balance = run.balance_ids.filtered(lambda b: b.agreement_id == self.nl_to_de)
        self.assertEqual(balance.state, "mismatch")
        self.assertEqual((balance.receivable, balance.payable), (675.0, 0.0))
        self.assertEqual(run.mismatch_count, 1)

    def test_rerun_creates_nothing_new(self):
        self.time(self.anna, self.project_us, 7.5)
        self.time(self.bob, self.project_de, 4.5)
        first = self.charge()
        moves = self.env["account.move"].search([("pss_ic_charge_id", "!=", False)])
        self.assertEqual(len(moves), 4)
        second = self.charge()
        self.assertEqual(second.state, "done")
        self.assertFalse(second.charge_ids)
        self.assertEqual(second.line_count, 0)
        self.assertEqual(
            self.env["account.move"].search_count([("pss_ic_charge_id", "!=", False)]),
            4,
        )
        self.assertEqual(
            self.env["pss.ic.charge.line"].search_count([]), first.line_count
        )

    def test_a_timesheet_is_charged_once_by_constraint(self):
        timesheet = self.time(self.anna, self.project_us, 7.5)
        run = self.charge()
        line = run.charge_ids.line_ids
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.IntegrityError):
            with self.env.cr.savepoint():
                line.copy({"charge_id": line.charge_id.id})
        self.assertEqual(line.timesheet_id, timesheet)

    def test_void_and_change_adjust_in_next_run(self):
        keep = self.time(self.anna, self.project_us, 7.5)
        void = self.time(self.anna, self.project_us, 3.25, "2026-04-20")
        april = self.charge()
        self.assertEqual(april.charge_ids.amount_charged, 963.44)
        # After charging: one line voided (pss_timesheet deletes it), one
        # corrected from 7.5 to 8 hours.
        void.unlink()
        keep.unit_amount = 8.0
        may = self.charge("2026-05-01", "2026-05-31")
        charge = may.charge_ids
        self.assertEqual(may.adjustment_count, 2)
        reversal = charge.line_ids.filtered(lambda line: line.amount < 0)
        self.assertEqual(reversal.amount, -291.27)
        self.assertEqual(reversal.hours, -3.25)
        self.assertTrue(reversal.is_adjustment)
        self.assertFalse(reversal.timesheet_id)
        extra = charge.line_ids.filtered(lambda line: line.amount > 0)
        self.assertEqual(extra.timesheet_id, keep)
        self.assertEqual(extra.hours, 0.5)
        self.assertEqual(
            extra.amount,
            float(line_amount(8, unit_price("83.37", "7.5")) - Decimal("672.17")),
        )
        self.assertEqual(extra.amount, 44.81)
        self.assertEqual(charge.credit_note_id.move_type, "out_refund")
        self.assertEqual(charge.credit_note_id.company_id, self.de)
        self.assertEqual(charge.credit_note_id.amount_untaxed, 291.27)
        self.assertEqual(charge.credit_note_id.state, "posted")
        self.assertEqual(charge.refund_id.move_type, "in_refund")
        self.assertEqual(charge.refund_id.company_id, self.us)
        self.assertEqual(charge.refund_id.amount_untaxed, 291.27)
        self.assertEqual(charge.invoice_id.amount_untaxed, 44.81)
        self.assertEqual(charge.bill_id.amount_untaxed, 44.81)
        # and a third run has nothing left to do
        again = self.charge("2026-05-01", "2026-05-31")
        self.assertFalse(again.charge_ids)
        balance = again.balance_ids.filtered(lambda b: b.agreement_id == self.de_to_us)
        self.assertEqual(balance.state, "matched")
        self.assertAlmostEqual(balance.receivable, 963.44 - 291.27 + 44.81, places=2)

    def test_reset_to_draft_and_repost_never_makes_a_second_bill(self):
        self.time(self.anna, self.project_us, 7.5)
        run = self.charge()
        bill = run.charge_ids.bill_id
        bills_before = self.moves(self.us, "in_invoice")
        self.assertEqual(bills_before, bill)
        bill.with_user(self.finance).button_draft()
        bill.with_user(self.finance).action_post()
        invoice = run.charge_ids.invoice_id
        invoice.with_user(self.finance).button_draft()
        invoice.with_user(self.finance).action_post()
        self.assertEqual(self.moves(self.us, "in_invoice"), bill)
        self.assertEqual(self.moves(self.de, "out_invoice"), invoice)
        self.assertEqual(
            self.env["account.move"].search_count(
                [
                    ("partner_id", "=", self.de.partner_id.id),
                    ("company_id", "=", self.us.id),
                ]
            ),
            1,
        )
        again = self.charge()
        self.assertFalse(again.charge_ids)
        self.assertEqual(self.moves(self.us, "in_invoice"), bill)

    def test_consumer_project_counts_the_cost_once(self):
        self.time(self.anna, self.project_us, 7.5)
        self.time(self.anna, self.project_us, 3.25, "2026-04-20")
        run = self.charge()
        self.assertEqual(run.charge_ids.bill_id.state, "posted")
        project = self.project_us.with_company(self.us)
        items = project._get_profitability_items(False)
        sections = {item["id"] for item in items["costs"]["data"]}
        self.assertNotIn("other_purchase_costs", sections)
        self.assertNotIn("other_costs", sections)
        # once, at the transfer price (963.44 EUR = 1204.30 USD), not at
        # the employee's cost and not again through the bill
        self.assertAlmostEqual(items["costs"]["total"]["billed"], -1204.30, places=2)
        self.assertAlmostEqual(items["costs"]["total"]["to_bill"], 0.0, places=2)

    def test_locked_period_creates_nothing(self):
        self.time(self.anna, self.project_us, 7.5)
        self.us.fiscalyear_lock_date = "2026-04-30"
        run = self.charge(agreement_id=self.de_to_us.id)
        self.assertEqual(run.state, "failed")
        self.assertIn("locked", run.error)
        self.assertFalse(self.env["pss.ic.charge"].search([]))
        self.assertFalse(self.moves(self.de) | self.moves(self.us))
        # a company that moves such documents gets them on its first open day
        self.us.pss_period_lock_behaviour = "next_open_date"
        run = self.charge(agreement_id=self.de_to_us.id)
        self.assertEqual(run.state, "done", run.error)
        self.assertEqual(str(run.charge_ids.bill_id.date), "2026-05-01")
        self.assertEqual(str(run.charge_ids.invoice_id.date), "2026-05-01")

    def test_tax_lock_date_counts_where_the_document_has_taxes(self):
        self.time(self.anna, self.project_us, 7.5)
        # The consumer's bill has no purchase tax in US: its tax lock date
        # leaves the documents on the period end.
        self.us.tax_lock_date = "2026-04-30"
        run = self.charge(agreement_id=self.de_to_us.id)
        self.assertEqual(run.state, "done", run.error)
        charge = run.charge_ids
        self.assertFalse(charge.bill_id.invoice_line_ids.tax_ids)
        self.assertEqual(str(charge.bill_id.date), "2026-04-30")
        self.assertEqual(str(charge.invoice_id.date), "2026-04-30")

    def test_tax_lock_date_of_the_provider_holds_its_taxed_invoice(self):
        self.time(self.anna, self.project_us, 7.5)
        self.de.tax_lock_date = "2026-04-30"
        run = self.charge(agreement_id=self.de_to_us.id)
        self.assertEqual(run.state, "failed")
        self.assertIn("locked", run.error)
        self.assertFalse(self.env["pss.ic.charge"].search([]))
        self.assertFalse(self.moves(self.de) | self.moves(self.us))
        self.de.pss_period_lock_behaviour = "next_open_date"
        run = self.charge(agreement_id=self.de_to_us.id)
        self.assertEqual(run.state, "done", run.error)
        self.assertTrue(run.charge_ids.invoice_id.invoice_line_ids.tax_ids)
        self.assertEqual(str(run.charge_ids.invoice_id.date), "2026-05-01")

    def test_overlapping_agreement_is_refused(self):
        with self.assertRaisesRegex(Exception, "already has an agreement"):
            self.agreement(self.de, self.us, self.eur, date_from="2026-06-01")
        # the other direction is another pair
        self.agreement(self.us, self.nl, self.usd)

    def test_cron_charges_the_last_complete_period(self):
        self.time(self.anna, self.project_us, 7.5)
        runs = (
            self.env["pss.ic.run"]
            .with_user(self.finance)
            ._cron_charge(today=date(2026, 5, 3))
        )
        charged = runs.charge_ids
        self.assertEqual(len(charged), 1)
        self.assertEqual(str(charged.date), "2026-04-30")
        self.assertEqual(
            self.env["pss.run"].search([("kind", "=", "intercompany")], limit=1).state,
            "done",
        )
        # the next day: nothing new to charge, no run left behind
        again = (
            self.env["pss.ic.run"]
            .with_user(self.finance)
            ._cron_charge(today=date(2026, 5, 4))
        )
        self.assertFalse(again)
        self.assertEqual(self.env["pss.ic.charge"].search_count([]), 1)
