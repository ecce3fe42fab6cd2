"""Reconciliation of a seeded month: control totals through the queue, the
five checks, exceptions, sign-off, company isolation and the dashboard."""

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.pss_core.tests.common import default_search_domain

from ..models.pss_recon_run import LOCK_NAMESPACE
from .common import APRIL, ReconcileCase, unique

LINE = "account.analytic.line"


@tagged("post_install", "-at_install")
class TestReconcile(ReconcileCase):
    def setUp(self):
        super().setUp()
        self.res_a = self.add_resource()
        self.res_b = self.add_resource()
        self.e1 = self.tm_engagement(self.company_de)
        self.e2 = self.tm_engagement(self.company_de)
        self.e3 = self.tm_engagement(self.company_de)
        self.e5 = self.tm_engagement(self.company_de)

        def lines(res, eng, *hours):
            return [
                self.line(unique("L-"), res, eng, date=f"2026-04-{10 + i}", hours=h)
                for i, h in enumerate(hours)
            ]

        # E1 10 h, E2 5 h, E3 5 h, E5 2.5 h; A 12.5 h, B 10 h.
        self.approve(
            lines(self.res_a, self.e1, "5", "5")
            + lines(self.res_b, self.e2, "2.5", "2.5")
            + lines(self.res_b, self.e3, "5")
            + lines(self.res_a, self.e5, "2.5")
        )

    def seed_discrepancies(self):
        """The sender's totals of April: E1 agrees, E2 within the
        tolerance (0.5 h), E3 outside it, an engagement Odoo does not have,
        E5 (in Odoo) missing; the resources agree. An unbalanced
        intercompany pair and a dead message."""
        message = self.totals(
            [
                {"engagement_external_id": self.e1, "hours": "10"},
                {"engagement_external_id": self.e2, "hours": "5.25"},
                {"engagement_external_id": self.e3, "hours": "8"},
                {"engagement_external_id": "ENG-MISSING", "hours": "3"},
                {"resource_external_id": self.res_a, "hours": "12.5"},
                {"resource_external_id": self.res_b, "hours": "10"},
            ]
        )
        self.assertDone(message)
        self.balance = self.ic_balance(1000.0, 900.0)
        self.dead = self.post(
            self.psa,
            "control.totals",
            {"date_from": "2026-04-30", "date_to": "2026-04-01", "version": 1},
            self.company_de,
        )
        self.process()
        self.assertEqual(self.dead.state, "dead")

    def open_lines(self, run):
        return {
            (line.check_type, line.key.split("/", 1)[1]): (
                line.expected,
                line.actual,
                line.status,
            )
            for line in run.line_ids
            if line.status != "matched"
        }

    def test_seeded_month_gives_exactly_the_known_variances(self):
        self.seed_discrepancies()
        run = self.reconcile()
        code = self.psa.code
        self.assertEqual(
            self.open_lines(run),
            {
                ("hours_engagement", self.e3): (8.0, 5.0, "variance"),
                ("hours_engagement", "ENG-MISSING"): (3.0, 0.0, "variance"),
                ("hours_engagement", self.e5): (0.0, 2.5, "variance"),
                ("intercompany", f"{self.balance.agreement_id.id}"): (
                    1000.0,
                    900.0,
                    "exception",
                ),
                ("health", "dead"): (0.0, 1.0, "exception"),
            },
        )
        matched = run.line_ids.filtered(lambda ln: ln.status == "matched")
        self.assertEqual(
            sorted(matched.mapped("key")),
            sorted(
                f"{code}/{ext}" for ext in (self.e1, self.e2, self.res_a, self.res_b)
            ),
        )
        e2 = matched.filtered(lambda ln: ln.key.endswith(self.e2))
        # External minus Odoo: the PSA counts 0.25 h more.
        self.assertEqual((e2.variance, e2.tolerance), (0.25, 0.5))
        # The records behind Odoo's figure.
        e3 = run.line_ids.filtered(lambda ln: ln.key.endswith(self.e3))
        self.assertEqual(e3.record_count, 1)
        self.assertEqual(
            self.env[LINE].browse(e3.record_ids).mapped("unit_amount"), [5.0]
        )
        action = e3.action_view_records()
        self.assertEqual(
            self.env[action["res_model"]]
            .search(action["domain"])
            .mapped("unit_amount"),
            [5.0],
        )
        # The figures are the run's, not editable by finance.
        with self.assertRaises(UserError):
            e3.with_user(self.biller).write({"actual": 8.0})
        health = run.line_ids.filtered(lambda ln: ln.check_type == "health")
        self.assertEqual(health.record_ids, self.dead.ids)
        self.assertEqual(
            (run.matched_count, run.variance_count, run.exception_count), (4, 3, 2)
        )
        self.assertEqual(run.pss_run_id.kind, "reconcile")
        self.assertEqual(run.pss_run_id.state, "done")

    def test_unknown_currency_is_a_data_error_and_stores_nothing(self):
        message = self.totals(
            [
                {
                    "engagement_external_id": self.e1,
                    "hours": "10",
                    "invoiced_amount": "1",
                    "currency": "XXX",
                }
            ]
        )
        self.assertEqual(message.state, "dead")
        self.assertEqual(message.error_category, "data")
        self.assertIn("XXX", message.last_error)
        self.assertFalse(
            self.env["pss.recon.statement"].search([("system_id", "=", self.psa.id)])
        )

    def test_newer_statement_replaces_older_is_ignored(self):
        self.assertDone(
            self.totals([{"engagement_external_id": self.e1, "hours": "1"}])
        )
        v3 = self.totals(
            [{"engagement_external_id": self.e1, "hours": "10"}], version=3
        )
        self.assertDone(v3)
        old = self.totals(
            [{"engagement_external_id": self.e1, "hours": "2"}], version=2
        )
        self.assertEqual(old.error_category, "conflict")
        statement = self.env["pss.recon.statement"].search(
            [("system_id", "=", self.psa.id), ("company_id", "=", self.company_de.id)]
        )
        self.assertEqual(len(statement), 1)
        self.assertEqual(statement.version, 3)
        self.assertEqual(statement.line_ids.mapped("hours"), [10.0])

    def test_sign_off_locks_and_later_run_shows_changes(self):
        self.seed_discrepancies()
        run = self.reconcile()
        variance = run.line_ids.filtered(lambda ln: ln.key.endswith(self.e3))
        # A reader cannot resolve nor sign off.
        with self.assertRaises(AccessError):
            variance.with_user(self.viewer).write({"resolution": "no"})
        with self.assertRaises(AccessError):
            run.with_user(self.viewer).action_sign_off()
        # Finance assigns, discusses, resolves with a reason.
        line = variance.with_user(self.biller)
        line.action_assign_to_me()
        with self.assertRaises(UserError):
            line.action_resolve()
        line.message_post(body="PSA double counted a day")
        line.resolution = "PSA double counted 3 h, fixed at the source"
        line.action_resolve()
        self.assertTrue(variance.resolved)
        self.assertEqual(variance.user_id, self.biller)
        # Four lines are still open: no sign-off without the reason why.
        self.assertEqual(run.open_count, 4)
        with self.assertRaises(UserError):
            run.with_user(self.biller).action_sign_off()
        self.assertEqual(run.state, "done")
        self.assertFalse(run.signed_by_id)
        run.with_user(self.biller).override_reason = "Explained in the close memo"
        run.with_user(self.biller).action_sign_off()
        self.assertEqual(run.state, "signed")
        self.assertEqual(run.signed_by_id, self.biller)
        self.assertTrue(
            run.message_ids.filtered(
                lambda m: "Explained in the close memo" in (m.body or "")
            )
        )
        # Locked: no edit of the run or its lines, the chatter still works.
        with self.assertRaises(UserError):
            run.with_user(self.biller).write({"date_to": "2026-04-29"})
        with self.assertRaises(UserError):
            variance.with_user(self.biller).write({"resolution": "changed"})
        with self.assertRaises(UserError):
            run.with_user(self.biller).action_run()
        with self.assertRaises(UserError):
            run.sudo().unlink()
        variance.with_user(self.biller).message_post(body="Noted after sign-off")
        # More time on E1 after sign-off: the next run shows what changed.
        self.approve(
            [self.line(unique("L-"), self.res_a, self.e1, date="2026-04-28", hours="1")]
        )
        rerun = self.reconcile()
        self.assertEqual(rerun.previous_run_id, run)
        self.assertFalse(run.is_latest)
        changes = {
            ln.key.split("/", 1)[1]: ln.change
            for ln in rerun.line_ids
            if ln.check_type in ("hours_engagement", "hours_resource")
        }
        self.assertEqual(changes[self.e1], "changed")
        self.assertEqual(changes[self.res_a], "changed")
        self.assertEqual(changes[self.e3], "same")
        # E3 was explained at sign-off and has not changed: still resolved.
        e3 = rerun.line_ids.filtered(lambda ln: ln.key.endswith(self.e3))
        self.assertTrue(e3.resolved)
        self.assertEqual(e3.resolution, variance.resolution)
        self.assertEqual(e3.previous_line_id, variance)
        e1 = rerun.line_ids.filtered(lambda ln: ln.key.endswith(self.e1))
        self.assertEqual(e1.status, "variance")
        self.assertEqual(e1.previous_line_id.actual, 10.0)
        self.assertEqual(rerun.changed_count, 2)
        self.assertEqual(rerun.gone_count, 0)
        # The dead message is dealt with: its line is gone since sign-off.
        self.dead.sudo().write({"state": "cancelled"})
        third = self.reconcile()
        self.assertEqual(third.previous_run_id, run)
        self.assertEqual(third.gone_count, 1)
        self.assertFalse(third.line_ids.filtered(lambda ln: ln.check_type == "health"))

    def test_sign_off_and_notes_need_no_email_address(self):
        """Issue 18: a finance user without an e-mail address signed off,
        the chatter line raised "Unable to send message" and the whole
        sign-off rolled back; logging a note failed the same way."""
        self.biller.email = False
        run = self.reconcile()
        self.assertFalse(run.line_ids.filtered(lambda ln: ln.status != "matched"))
        as_biller = run.with_user(self.biller)
        as_biller.action_sign_off()
        self.assertEqual(run.state, "signed")
        self.assertEqual(run.signed_by_id, self.biller)
        line = run.message_ids.filtered(lambda m: "Signed off" in (m.body or ""))
        self.assertEqual(len(line), 1)
        self.assertEqual(line.author_id, self.biller.partner_id)
        as_biller.message_post(
            body="Closed with the controller", subtype_xmlid="mail.mt_note"
        )
        self.assertTrue(
            run.message_ids.filtered(
                lambda m: "Closed with the controller" in (m.body or "")
            )
        )

    def test_exceptions_menu_opens_on_open_lines_of_the_latest_runs(self):
        """Issue 18: the Exceptions menu opened on "Open or Latest runs"
        (every line of the latest runs, matched ones too, and the open lines
        of superseded runs)."""
        self.seed_discrepancies()
        older = self.reconcile()
        latest = self.reconcile()
        # A run started but not finished does not take over the period.
        draft = (
            self.env["pss.recon.run"]
            .with_user(self.biller)
            .create(
                {
                    "company_id": self.company_de.id,
                    "date_from": APRIL[0],
                    "date_to": APRIL[1],
                }
            )
        )
        self.assertFalse(draft.is_latest)
        self.assertTrue(latest.is_latest)
        self.assertFalse(older.is_latest)
        explained = latest.line_ids.filtered(lambda ln: ln.key.endswith(self.e3))
        explained.with_user(self.biller).resolution = "explained"
        explained.with_user(self.biller).action_resolve()
        Line = self.env["pss.recon.line"].with_user(self.biller)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "pss_reconcile.pss_recon_line_action"
        )
        shown = Line.search(default_search_domain(Line.env, action))
        expected = latest.line_ids.filtered(
            lambda ln: ln.status != "matched" and not ln.resolved
        )
        self.assertEqual(len(expected), 4)
        self.assertEqual(shown, expected)
        self.assertEqual(shown, Line.search(Line._open_domain(self.company_de)))

    def test_overlapping_and_later_runs_count_each_figure_once(self):
        """Issue 18: the demo's run of the simulated weeks and the nightly
        run of the calendar month both counted the same intercompany
        exception (and the queue's health), "open variances 4" where 2 were
        planted. Each figure counts once: a rerun of a period supersedes
        the older run visibly; where periods overlap (or the next month
        repeats the entity's health) the newest line counts."""
        self.seed_discrepancies()
        first = self.reconcile()
        rerun = self.reconcile()
        self.assertFalse(first.is_latest)
        # The nightly run of an overlapping period, and of the next month.
        overlapping = self.reconcile(period=("2026-04-06", "2026-04-30"))
        may = self.reconcile(period=("2026-05-01", "2026-05-31"))
        self.assertTrue(overlapping.is_latest and may.is_latest and rerun.is_latest)
        planted = {
            ("hours_engagement", self.e3),
            ("hours_engagement", "ENG-MISSING"),
            ("hours_engagement", self.e5),
            ("intercompany", str(self.balance.agreement_id.id)),
            ("health", "dead"),
        }
        card = (
            self.env["pss.recon.dashboard"]
            .with_user(self.biller)
            .search([("company_id", "=", self.company_de.id)])
        )
        self.assertEqual(card.open_variance_count, len(planted))
        opened = (
            self.env["pss.recon.line"]
            .with_user(self.biller)
            .search(
                card.with_context(tile="open_variances").action_open_tile()["domain"]
            )
        )
        self.assertEqual(
            {(ln.check_type, ln.key.split("/", 1)[1]) for ln in opened}, planted
        )
        # The April balance counts on the newest run that has it, the
        # queue's health on the newest run of all.
        shared = opened.filtered(lambda ln: ln.check_type != "hours_engagement")
        by_check = {ln.check_type: ln.run_id for ln in shared}
        self.assertEqual(by_check, {"intercompany": overlapping, "health": may})
        # The compared figures stay those of their own period's run.
        hours = opened.filtered(lambda ln: ln.check_type == "hours_engagement")
        self.assertEqual(hours.run_id, rerun)
        # Resolving the current line takes it off; the older copies of it
        # do not come back.
        health = shared.filtered(lambda ln: ln.check_type == "health")
        health.with_user(self.biller).resolution = "replayed tomorrow"
        health.with_user(self.biller).action_resolve()
        card.invalidate_recordset()
        self.assertEqual(card.open_variance_count, len(planted) - 1)
        # Superseded visibly.
        self.assertEqual(first.superseded_by_id, rerun)
        for run in (rerun, overlapping, may):
            self.assertFalse(run.superseded_by_id)

    def test_company_isolation(self):
        self.seed_discrepancies()
        run_de = self.reconcile()
        run_us = self.reconcile(company=self.company_us)
        Run = self.env["pss.recon.run"]
        self.assertEqual(Run.with_user(self.biller_us).search([]), run_us)
        self.assertEqual(Run.with_user(self.biller).search([]), run_de)
        self.assertFalse(
            self.env["pss.recon.line"]
            .with_user(self.biller_us)
            .search([("run_id", "=", run_de.id)])
        )
        with self.assertRaises(AccessError):
            run_de.with_user(self.biller_us).read(["summary"])
        self.assertEqual(run_de.sudo().pss_run_id.company_ids, self.company_de)
        cards = self.env["pss.recon.dashboard"].with_user(self.biller_us).search([])
        self.assertEqual(cards.company_id, self.company_us)
        statement = self.env["pss.recon.statement"].with_user(self.biller_us)
        self.assertFalse(statement.search([]))
        # The US run sees none of the DE discrepancies.
        self.assertFalse(
            run_us.line_ids.filtered(lambda ln: ln.status != "matched")
            - run_us.line_ids.filtered(lambda ln: ln.check_type == "intercompany")
        )

    def test_unbilled_time_older_than_policy(self):
        self.company_de.pss_recon_unbilled_days = 30
        run = self.reconcile()
        unbilled = run.line_ids.filtered(lambda ln: ln.check_type == "unbilled")
        self.assertEqual(len(unbilled), 4, "one per engagement with approved time")
        self.assertEqual(sum(unbilled.mapped("actual")), 22.5)
        self.assertEqual(set(unbilled.mapped("status")), {"exception"})
        self.assertEqual(sum(unbilled.mapped("record_count")), 6)

    def test_another_entitys_dashboard_card_is_refused(self):
        Card = self.env["pss.recon.dashboard"].with_user(self.viewer)
        self.assertEqual(Card.search([]).company_id, self.company_de)
        other = Card.browse(self.company_us.id)
        with self.assertRaises(AccessError):
            other.read(["unbilled_value", "failed_message_count"])
        with self.assertRaises(AccessError):
            other.with_context(tile="unbilled").action_open_tile()

    def test_dashboard_tiles_equal_their_records(self):
        self.seed_discrepancies()
        run = self.reconcile()
        run.with_user(self.biller).override_reason = "Known, followed up"
        run.with_user(self.biller).action_sign_off()
        self.reconcile()
        card = (
            self.env["pss.recon.dashboard"]
            .with_user(self.biller)
            .search([("company_id", "=", self.company_de.id)])
        )
        self.assertEqual(len(card), 1)

        def opened(tile):
            action = card.with_context(tile=tile).action_open_tile()
            return (
                self.env[action["res_model"]]
                .with_user(self.biller)
                .search(action["domain"])
            )

        wip = opened("unbilled")
        self.assertEqual(card.unbilled_value, sum(wip.mapped("value_sale")))
        self.assertEqual(card.unbilled_value, 22.5 * 150.0)
        self.assertEqual(card.unbilled_hours, 22.5)
        self.assertEqual(card.failed_message_count, len(opened("failed_messages")))
        self.assertEqual(card.failed_message_count, 1)
        self.assertEqual(card.stuck_retry_count, len(opened("stuck_retries")))
        variances = opened("open_variances")
        self.assertEqual(card.open_variance_count, len(variances))
        self.assertEqual(card.open_variance_count, 5)
        self.assertEqual(set(variances.run_id.mapped("is_latest")), {True})
        self.assertEqual(card.ic_mismatch_count, len(opened("ic_mismatches")))
        self.assertEqual(card.ic_mismatch_count, 1)
        self.assertEqual(card.last_signed_run_id, run)
        self.assertIn(run, opened("last_signed"))
        # Resolving a variance takes it off the tile.
        variances[0].with_user(self.biller).write({"resolution": "explained"})
        variances[0].with_user(self.biller).action_resolve()
        card.invalidate_recordset()
        self.assertEqual(card.open_variance_count, 4)
        self.assertEqual(len(opened("open_variances")), 4)
        self.assertTrue(card.alert)
        # Across entities: in the group currency at today's rate.
        Company = self.env["res.company"]
        self.assertEqual(card.group_currency_id, Company._pss_group_currency())
        self.assertEqual(
            card.unbilled_value_group,
            Company._pss_to_group(
                card.unbilled_value,
                card.currency_id,
                fields.Date.context_today(card),
            ),
        )

    def test_cron_leaves_no_run_of_an_idle_night(self):
        """Issue 18: the nightly runs made before the month's data arrived
        (the demo's first night) stayed on top of the list, empty. A run
        that finds nothing to check in a period never reconciled is not
        kept; once there is something, the next night's run is."""
        Run = self.env["pss.recon.run"].with_context(pss_no_commit=True)
        progress_before = self.env["pss.run"].search_count([])
        runs = Run._cron_reconcile()
        self.assertFalse(runs.filtered(lambda r: not r.line_ids), "no empty run")
        self.assertFalse(
            Run.search([("company_id", "=", self.company_us.id)]),
            "US01 had nothing to check: no run, no progress record",
        )
        self.assertEqual(
            self.env["pss.run"].search_count([]) - progress_before, len(runs)
        )
        # Something to check in US01 this month: a message the queue gave up on.
        dead = self.post(
            self.psa,
            "control.totals",
            {"date_from": "2026-04-30", "date_to": "2026-04-01", "version": 1},
            self.company_us,
        )
        self.process()
        self.assertEqual(dead.state, "dead")
        runs = Run._cron_reconcile()
        us = runs.filtered(lambda r: r.company_id == self.company_us)
        self.assertTrue(us, "the next night reconciles what arrived")
        self.assertTrue(all(run.line_ids for run in us))

    def test_cron_runs_each_entity_and_alerts_finance(self):
        self.seed_discrepancies()
        runs = (
            self.env["pss.recon.run"].with_context(pss_no_commit=True)._cron_reconcile()
        )
        self.assertEqual(set(runs.mapped("state")), {"done"})
        self.assertTrue(self.company_de in runs.company_id)
        run_de = runs.filtered(lambda r: r.company_id == self.company_de)
        # The current month, and the previous one (not signed off yet).
        self.assertEqual(len(run_de), 2)
        self.assertEqual(len(run_de.mapped("date_from")), 2)
        run_de = run_de.sorted("date_to")[-1]
        todo = run_de.activity_ids
        self.assertIn(self.biller, todo.user_id)
        self.assertNotIn(self.biller_us, todo.user_id)
        self.assertIn("1 failed or stuck message (", todo[0].summary)
        # The card and the to-do say which threshold: the value and the limit.
        card = self.env["pss.recon.dashboard"].browse(self.company_de.id)
        limit = self.company_de.pss_recon_max_messages
        self.assertTrue(card.alert)
        self.assertIn(f"(threshold {limit})", card.alert_reason)
        self.assertIn(f"(threshold {limit})", todo[0].summary)
        # A second night does not pile up to-dos on the same run.
        self.env["pss.recon.dashboard"]._pss_alert(self.company_de)
        self.assertEqual(len(run_de.activity_ids), len(todo))

    def test_invoiced_amounts_against_posted_invoices(self):
        run = self.run_billing((APRIL[0], APRIL[1]))
        run.with_user(self.biller).action_approve_invoices()
        self.assertEqual(set(run.invoice_ids.mapped("state")), {"posted"})
        # In the entity's invoice currency (the fixtures' chart may have set
        # it): an amount in another currency matches no invoice.
        currency = run.invoice_ids.currency_id.name
        message = self.totals(
            [
                {
                    "engagement_external_id": self.e1,
                    "hours": "10",
                    "invoiced_amount": "1500.00",
                    "currency": currency,
                },
                {
                    "engagement_external_id": self.e3,
                    "hours": "5",
                    "invoiced_amount": "1000.00",
                    "currency": currency,
                },
            ]
        )
        self.assertDone(message)
        self.company_de.pss_recon_unbilled_days = 30
        recon = self.reconcile()
        invoices = {
            ln.key.split("/", 1)[1]: (ln.expected, ln.actual, ln.status)
            for ln in recon.line_ids
            if ln.check_type == "invoice"
        }
        self.assertEqual(
            invoices,
            {
                self.e1: (1500.0, 1500.0, "matched"),
                self.e3: (1000.0, 750.0, "variance"),
            },
        )
        e3 = recon.line_ids.filtered(
            lambda ln: ln.check_type == "invoice" and ln.key.endswith(self.e3)
        )
        self.assertEqual(
            self.env["account.move"].browse(e3.record_ids).mapped("amount_untaxed"),
            [750.0],
        )
        self.assertFalse(
            recon.line_ids.filtered(lambda ln: ln.check_type == "unbilled"),
            "invoiced time is not unbilled",
        )

    def test_one_reconciliation_of_an_entity_at_a_time(self):
        run = (
            self.env["pss.recon.run"]
            .with_user(self.biller)
            .create(
                {
                    "company_id": self.company_de.id,
                    "date_from": "2026-04-01",
                    "date_to": "2026-04-30",
                }
            )
        )
        with self.registry.cursor() as other:
            # Another worker reconciles the entity.
            other.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                [LOCK_NAMESPACE, self.company_de.id],
            )
            with self.assertRaises(UserError):
                run.action_run()
            other.rollback()
        self.assertFalse(run.line_ids)
        run.action_run()
        self.assertEqual(run.state, "done")
