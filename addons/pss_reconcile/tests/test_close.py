"""The month-end close screen, as a finance controller: a month where every
step is red, fixed step by step in the screen's order until the lock date is
set; the lock refuses while anything blocks; every figure equals what its
button opens; an intercompany mismatch is resolved only with a reason."""

import re

import psycopg2
from lxml import etree

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from odoo.addons.pss_core.tests.common import make_user

from ..lib.close import STEPS
from .common import APRIL, ReconcileCase, unique


@tagged("post_install", "-at_install")
class TestClose(ReconcileCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.controller = make_user(
            env,
            unique("controller"),
            [
                "base.group_user",
                "pss_core.group_pss_finance",
                "account.group_account_manager",
                "sales_team.group_sale_salesman_all_leads",
                "hr_timesheet.group_timesheet_manager",
                "project.group_project_milestone",
            ],
            cls.company_de | cls.company_us,
            email=False,
        )
        cls.controller.write(
            {"name": "Carla Controller", "email": f"{unique('controller')}@example.com"}
        )

    def setUp(self):
        super().setUp()
        self.company_de.pss_approval_required = True
        self.company_de.period_lock_date = False
        res = self.add_resource()
        eng = self.tm_engagement(self.company_de)
        self.approve(
            [
                self.line(unique("L-"), res, eng, date="2026-04-10", hours="6"),
                self.line(unique("L-"), res, eng, date="2026-04-14", hours="4"),
            ]
        )
        self.mismatch = self.ic_balance(1000.0, 900.0)
        self.dead = self.post(
            self.psa,
            "control.totals",
            {"date_from": "2026-04-30", "date_to": "2026-04-01", "version": 1},
            self.company_de,
        )
        self.process()
        self.assertEqual(self.dead.state, "dead")

    def env_of(self, user, companies):
        return self.env(
            user=user,
            context=dict(self.env.context, allowed_company_ids=companies.ids),
        )

    def open_close(self, user=None, companies=None):
        user = user or self.controller
        env = self.env_of(user, companies or (self.company_de | self.company_us))
        Close = env["pss.close"]
        close = Close.search(
            [
                ("company_id", "=", self.company_de.id),
                ("date_from", "=", APRIL[0]),
                ("date_to", "=", APRIL[1]),
            ]
        )
        return close or Close.create(
            {
                "company_id": self.company_de.id,
                "date_from": APRIL[0],
                "date_to": APRIL[1],
            }
        )

    def steps(self, close):
        close.invalidate_recordset()
        return {
            name: close[name]
            for name in (
                "message_state",
                "unbilled_state",
                "billing_run_state",
                "draft_invoice_state",
                "ic_run_state",
                "ic_mismatch_state",
                "recon_run_state",
                "variance_state",
                "signed_state",
                "blocking_draft_state",
                "lock_state",
            )
        }

    def assertFiguresAgree(self, close):
        """Every figure inside a button of the form equals the count (or
        the sum of hours) of what that button opens, as the same user."""
        arch = etree.fromstring(
            close.get_views([(False, "form")])["views"]["form"]["arch"]
        )
        walked = 0
        for button in arch.iter("button"):
            figures = [f.get("name") for f in button.iter("field")]
            if button.get("type") != "object" or not figures:
                continue
            context = safe_eval(button.get("context") or "{}")
            close.invalidate_recordset()
            action = getattr(close.with_context(**context), button.get("name"))()
            records = close.env[action["res_model"]].search(action["domain"])
            for figure in figures:
                where = f"{button.get('name')} {context} {figure}"
                if figure.endswith("_count"):
                    self.assertEqual(close[figure], len(records), where)
                else:
                    self.assertAlmostEqual(
                        close[figure], sum(records.mapped("hours")), 2, msg=where
                    )
                walked += 1
        self.assertGreaterEqual(walked, 11)

    def assertLockRefused(self, close, *expected):
        with self.assertRaises(UserError) as caught:
            close.action_set_lock_date()
        # Each reason is a whole line of the message ("1 open variance",
        # never "1 open variances").
        lines = str(caught.exception).splitlines()
        for text in expected:
            self.assertIn(f"- {text}", lines)
        self.assertNotIn("- 0 ", str(caught.exception), "only what blocks")
        self.assertFalse(self.company_de.period_lock_date, "nothing was locked")

    # ------------------------------------------------------------------
    def test_red_month_fixed_step_by_step_until_locked(self):
        close = self.open_close()
        self.assertEqual(close.name, f"{self.company_de.pss_entity_code} 2026-04")
        self.assertEqual(
            self.steps(close),
            {
                "message_state": "todo",
                "unbilled_state": "todo",
                "billing_run_state": "todo",
                "draft_invoice_state": "done",
                "ic_run_state": "todo",
                "ic_mismatch_state": "blocked",
                "recon_run_state": "todo",
                "variance_state": "blocked",
                "signed_state": "blocked",
                "blocking_draft_state": "done",
                "lock_state": "blocked",
            },
        )
        self.assertEqual(close.message_count, 1)
        self.assertEqual(close.unbilled_hours, 10.0)
        self.assertEqual(close.ic_mismatch_count, 1)
        self.assertFiguresAgree(close)
        self.assertLockRefused(
            close,
            "1 dead, parked or retrying message",
            "no billing run of the period",
            "the reconciliation is not signed off",
        )

        # 1. The integration team cancels the dead message.
        self.dead.action_cancel()
        self.assertEqual(self.steps(close)["message_state"], "done")

        # 2-3. Billing: the run bills April's time into a draft to approve,
        # which also blocks the lock; approving posts it.
        action = close.action_run_billing()
        self.assertEqual(action["res_model"], "pss.billing.run")
        steps = self.steps(close)
        self.assertEqual(steps["billing_run_state"], "done")
        self.assertEqual(steps["unbilled_state"], "done")
        self.assertEqual(close.draft_invoice_count, 1)
        self.assertEqual(close.blocking_draft_count, 1)
        self.assertFiguresAgree(close)
        self.assertLockRefused(
            close, "1 invoice to approve", "1 draft entry dated in the period"
        )
        close.action_approve_drafts()
        steps = self.steps(close)
        self.assertEqual(steps["draft_invoice_state"], "done")
        self.assertEqual(steps["blocking_draft_state"], "done")

        # 4. Intercompany: the run checks the pair again (its check
        # supersedes the planted one); a later check of the pair disagrees.
        close.action_run_intercompany()
        self.assertEqual(self.steps(close)["ic_run_state"], "done")
        self.assertEqual(close.ic_mismatch_count, 0)
        other = self.env["pss.ic.balance"].create(
            {
                "agreement_id": self.mismatch.agreement_id.id,
                "date": APRIL[1],
                "currency_id": self.mismatch.currency_id.id,
                "receivable": 500.0,
                "payable": 450.0,
                "state": "mismatch",
            }
        )
        close.invalidate_recordset()
        self.assertEqual(close.ic_mismatch_count, 1)
        self.assertFiguresAgree(close)
        balance = other.with_env(close.env)
        with self.assertRaises(AccessError):
            balance.write({"state": "resolved"})
        with self.assertRaises(UserError):
            balance.action_resolve("  ")
        self.assertEqual(other.state, "mismatch")
        wizard = (
            close.env["pss.ic.balance.resolve"]
            .with_context(active_model="pss.ic.balance", active_ids=other.ids)
            .create({"reason": "Bill in transit, booked 2 May"})
        )
        wizard.action_confirm()
        self.assertEqual(other.state, "resolved")
        self.assertEqual(other.resolution, "Bill in transit, booked 2 May")
        self.assertEqual(other.resolved_by_id, self.controller)
        self.assertTrue(other.resolved_at)
        self.assertEqual(self.steps(close)["ic_mismatch_state"], "done")

        # 5. Reconcile, resolve what is open with a reason, sign off.
        close.action_run_reconcile()
        self.assertEqual(self.steps(close)["recon_run_state"], "done")
        lines = close.env["pss.recon.line"].search(close._pss_domain("variance"))
        self.assertEqual(close.variance_count, len(lines))
        for line in lines:
            line.resolution = "Checked with the PSA"
        lines.action_resolve()
        self.assertEqual(self.steps(close)["variance_state"], "done")
        self.assertLockRefused(close, "the reconciliation is not signed off")
        run = close.env["pss.recon.run"].browse(close.action_open_recon_run()["res_id"])
        run.action_sign_off()
        self.assertFiguresAgree(close)

        # 7. Everything is green: only now the lock date is set.
        self.assertEqual(close.state, "ready")
        self.assertFalse(close.blocking)
        biller_close = self.open_close(self.biller, self.company_de)
        self.assertEqual(biller_close.id, close.id)
        with self.assertRaises(AccessError):
            biller_close.action_set_lock_date()
        self.assertFalse(self.company_de.period_lock_date)
        close.action_set_lock_date()
        self.assertEqual(self.company_de.period_lock_date, APRIL[1])
        self.assertEqual(self.steps(close)["lock_state"], "done")
        self.assertEqual(close.state, "locked")
        self.assertEqual(close.locked_by_id, self.controller)
        self.assertFalse(self.company_us.period_lock_date, "only the entity")

    def test_reasons_read_well_for_one_and_for_several(self):
        """Every count-bearing reason in English: "1 open variance", "2 open
        variances"; a step blocked by an earlier one (count 0) says nothing."""
        table = {
            "message": (
                "1 dead, parked or retrying message",
                "2 dead, parked or retrying messages",
            ),
            "unbilled": (
                "1 row of approved time not billed",
                "2 rows of approved time not billed",
            ),
            "draft_invoice": ("1 invoice to approve", "2 invoices to approve"),
            "ic_mismatch": (
                "1 mismatched intercompany balance",
                "2 mismatched intercompany balances",
            ),
            "variance": ("1 open variance", "2 open variances"),
            "blocking_draft": (
                "1 draft entry dated in the period",
                "2 draft entries dated in the period",
            ),
        }
        done = {f"{name}_state": "done" for name in STEPS}
        done.update({f"{name}_count": 0 for name in STEPS})
        Close = self.env["pss.close"]
        for figure, texts in table.items():
            for count, text in zip((1, 2), texts, strict=True):
                with self.subTest(figure=figure, count=count):
                    steps = {
                        **done,
                        f"{figure}_state": "todo",
                        f"{figure}_count": count,
                    }
                    self.assertEqual(Close._pss_reasons(steps), [text])
            steps = {**done, f"{figure}_state": "blocked"}
            self.assertEqual(Close._pss_reasons(steps), [], "an earlier step says why")

    def test_one_close_per_entity_and_period_and_entity_isolation(self):
        close = self.open_close()
        with (
            self.assertRaises(psycopg2.IntegrityError),
            mute_logger("odoo.sql_db"),
            self.cr.savepoint(),
        ):
            close.copy()
        # A finance user of US01 only does not see DE01's close.
        us_env = self.env_of(self.biller_us, self.company_us)
        self.assertFalse(us_env["pss.close"].search([("id", "=", close.id)]))
        # The menu makes the last closed month of the user's entities.
        action = us_env["pss.close"].action_open_closes()
        self.assertEqual(action["res_model"], "pss.close")
        closes = us_env["pss.close"].search([])
        self.assertEqual(closes.company_id, self.company_us)
        self.assertEqual(len(closes), 1)
        us_env["pss.close"].action_open_closes()
        self.assertEqual(len(us_env["pss.close"].search([])), 1, "created once")

    def test_group_close_adds_up_its_entities_and_locks_them_all(self):
        """The group's close of April over DE01 and US01: each figure is
        what its button opens across both (the entities' figures added up;
        the pair's mismatch once), a step is done only when it is in both,
        the lock refuses saying which entity blocks, and once every step is
        done through the group's buttons it locks both entities."""
        env = self.env_of(self.controller, self.company_de | self.company_us)
        Close = env["pss.close"]
        group = Close._pss_get_or_create_group(*APRIL)
        self.assertEqual(group, Close._pss_get_or_create_group(*APRIL), "one")
        self.assertEqual(group.scope, "group")
        self.assertFalse(group.company_id)
        self.assertEqual(group.name, "Group 2026-04")
        de_code = self.company_de.pss_entity_code
        us_code = self.company_us.pss_entity_code
        self.assertIn(de_code, group.entity_names)
        self.assertIn(us_code, group.entity_names)
        de, us = (
            Close._pss_get_or_create(self.company_de, *APRIL),
            Close._pss_get_or_create(self.company_us, *APRIL),
        )

        def assertAddsUp():
            for close in (group, de, us):
                close.invalidate_recordset()
            for name in (
                "message_count",
                "unbilled_count",
                "unbilled_hours",
                "billing_run_count",
                "draft_invoice_count",
                "recon_run_count",
                "variance_count",
                "signed_count",
                "blocking_draft_count",
            ):
                self.assertAlmostEqual(group[name], de[name] + us[name], 2, msg=name)
            for name, state in self.steps(group).items():
                entity = {self.steps(de)[name], self.steps(us)[name]}
                if entity == {"done"}:
                    self.assertEqual(state, "done", name)
                else:
                    self.assertNotEqual(state, "done", name)
            self.assertFiguresAgree(group)

        self.assertEqual(group.message_count, 1)
        self.assertEqual(group.unbilled_hours, 10.0)
        # The DE-US pair's mismatch is one balance: once in the group.
        self.assertEqual((de.ic_mismatch_count, us.ic_mismatch_count), (1, 1))
        self.assertEqual(group.ic_mismatch_count, 1)
        self.assertEqual(self.steps(group)["message_state"], "todo")
        assertAddsUp()
        with self.assertRaises(UserError) as caught:
            group.action_set_lock_date()
        self.assertRegex(
            str(caught.exception),
            rf"{re.escape(de_code)}: 1 dead, parked or retrying message\b",
        )
        self.assertIn(f"{us_code}: no billing run of the period", str(caught.exception))
        self.assertFalse(self.company_de.period_lock_date)
        self.assertFalse(self.company_us.period_lock_date)

        # Every step through the group's buttons, in both entities at once.
        self.dead.action_cancel()
        action = group.action_run_billing()
        self.assertEqual(action["res_model"], "pss.billing.run")
        runs = env["pss.billing.run"].search(action["domain"])
        self.assertEqual(runs.company_id, self.company_de | self.company_us)
        self.assertEqual(group.draft_invoice_count, 1)
        assertAddsUp()
        group.action_approve_drafts()
        group.action_run_intercompany()
        ic_run = env["pss.ic.run"].search(group._pss_domain("ic_run"))
        self.assertEqual(len(ic_run), 1)
        self.assertFalse(ic_run.company_id, "every pair, one run")
        self.assertEqual(self.steps(group)["ic_run_state"], "done")
        group.action_run_reconcile()
        recon = env["pss.recon.run"].search(group._pss_domain("recon_run"))
        self.assertEqual(recon.company_id, self.company_de | self.company_us)
        lines = env["pss.recon.line"].search(group._pss_domain("variance"))
        for line in lines:
            line.resolution = "Checked with the PSA"
        if lines:
            lines.action_resolve()
        assertAddsUp()
        to_sign = env["pss.recon.run"].search(group.action_open_recon_run()["domain"])
        self.assertEqual(to_sign, recon)
        to_sign.action_sign_off()
        assertAddsUp()

        # A finance user of DE01 only reads the group's close as DE01's.
        as_biller = group.with_env(self.env_of(self.biller, self.company_de))
        self.assertEqual(as_biller.entity_names, de_code)
        self.assertEqual(as_biller.unbilled_count, de.unbilled_count)

        self.assertEqual(group.state, "ready", group.blocking)
        group.action_set_lock_date()
        self.assertEqual(self.company_de.period_lock_date, APRIL[1])
        self.assertEqual(self.company_us.period_lock_date, APRIL[1])
        for close in (group, de, us):
            close.invalidate_recordset()
            self.assertEqual(close.state, "locked")
        self.assertEqual(group.locked_by_id, self.controller)
