"""Every cron run that finds work leaves a summary record (pss.run)."""

from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged

from .common import SHORT_RETRY, make_company, make_system, make_user, unique


@tagged("post_install", "-at_install")
class TestQueueRuns(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = make_company(cls.env, "Runs entity", unique("RN"), "EUR", "DE")
        cls.tech = make_user(
            cls.env, unique("tech"), ["pss_core.group_pss_integration"], cls.company
        )
        cls.system = make_system(
            cls.env, unique("crm"), cls.tech, cls.company, **SHORT_RETRY
        )
        cls.Message = cls.env["pss.message"]
        cls.Run = cls.env["pss.run"]
        cls.now = fields.Datetime.now()

    def enqueue(self, external_id, **data):
        message, _new = self.Message.enqueue(
            self.system,
            "test.record",
            dict({"external_id": external_id, "name": external_id}, **data),
            idempotency_key=unique("evt_"),
            company=self.company,
            sequence_key=f"test.record:{external_id}",
        )
        return message

    def process(self, now=None):
        return self.Message._process_queue(
            "in", commit=False, now=now or self.now, system=self.system
        )

    def new_runs(self, before):
        return self.Run.search([("id", ">", before)])

    def last_run_id(self):
        return self.Run.search([], limit=1).id or 0

    def test_a_run_records_what_it_claimed_and_how_each_message_ended(self):
        ok = self.enqueue("R1")
        retrying = self.enqueue("R2", behaviour="transient")
        dead = self.enqueue("R3", behaviour="data")
        parked = self.enqueue("R4", parent_external_id="NOT-YET")
        before = self.last_run_id()
        self.process()
        run = self.new_runs(before)
        self.assertEqual(len(run), 1, "one run for one pass over the queue")
        self.assertEqual((run.kind, run.state), ("inbound", "done"))
        self.assertEqual(
            (
                run.claimed_count,
                run.done_count,
                run.retrying_count,
                run.dead_count,
                run.parked_count,
            ),
            (4, 1, 1, 1, 1),
        )
        self.assertEqual(run.summary, "4 claimed: 1 done, 1 retrying, 1 parked, 1 dead")
        self.assertTrue(run.finished_at and run.duration >= 0)
        self.assertTrue(run.worker)
        messages = ok | retrying | dead | parked
        self.assertEqual(messages.run_id, run)
        self.assertEqual(run.message_count, 4)
        action = run.action_view_messages()
        self.assertEqual(
            self.Message.search(action["domain"]),
            messages,
            "the run links its messages",
        )
        self.assertIn("Apply inbound", run.display_name)

    def test_a_retry_belongs_to_the_run_that_claimed_it_last(self):
        message = self.enqueue("R5", behaviour="transient")
        before = self.last_run_id()
        self.process()
        first = self.new_runs(before)
        self.process(now=self.now + timedelta(hours=2))
        second = self.new_runs(first.id)
        self.assertEqual(len(second), 1)
        self.assertEqual(message.run_id, second)
        self.assertEqual(message.attempts, 2)
        self.assertEqual(first.retrying_count + second.retrying_count, 2)

    def test_an_idle_pass_leaves_no_run(self):
        before = self.last_run_id()
        summary = self.process()
        self.assertEqual(summary["claimed"], 0)
        self.assertFalse(self.new_runs(before))

    def test_lease_recovery_leaves_a_run_and_marks_silent_runs_interrupted(self):
        message = self.enqueue("R6")
        self.Message._claim("in", 10, "worker-killed", now=self.now)
        silent = self.Run._start("inbound", worker="worker-killed")
        before = self.last_run_id()
        later = self.now + timedelta(hours=1)
        recovered = self.Message._cron_recover_leases(now=later)
        self.assertIn(message.id, recovered)
        self.assertEqual(message.state, "retrying")
        self.assertEqual(silent.state, "interrupted")
        self.assertIn("stopped reporting", silent.error)
        run = self.new_runs(before)
        self.assertEqual(run.kind, "recovery")
        self.assertEqual(run.counts["recovered"], len(recovered))
        self.assertGreaterEqual(run.counts["interrupted"], 1)
        self.assertIn(f"{len(recovered)} recovered", run.summary)

    def test_recovery_run_counts_messages_that_ran_out_of_attempts(self):
        message = self.enqueue("R8")
        message.write({"attempts": self.system.internal_max_attempts - 1})
        self.Message._claim("in", 10, "worker-killed", now=self.now)
        before = self.last_run_id()
        self.Message._cron_recover_leases(now=self.now + timedelta(hours=1))
        self.assertEqual(message.state, "dead")
        run = self.new_runs(before)
        self.assertEqual(run.dead_count, 1)
        self.assertIn("1 dead", run.summary)

    def test_a_live_run_is_not_marked_interrupted(self):
        live = self.Run._start("inbound", worker="worker-alive")
        self.Message._cron_recover_leases(now=self.now)
        self.assertEqual(live.state, "running")

    def test_retention_leaves_a_run_and_deletes_old_runs(self):
        old_message = self.enqueue("R7")
        self.process()
        old_message.write({"finished_at": self.now - timedelta(days=91)})
        old_run = self.Run._record("inbound", {"claimed": 1, "done": 1}, self.now)
        old_run.write({"started_at": self.now - timedelta(days=91)})
        kept = self.Run._record("inbound", {"claimed": 1, "done": 1}, self.now)
        before = self.last_run_id()
        self.Message._cron_purge_payloads(now=self.now)
        self.assertFalse(old_run.exists(), "runs older than 90 days are deleted")
        self.assertTrue(kept.exists())
        run = self.new_runs(before)
        self.assertEqual(run.kind, "retention")
        self.assertGreaterEqual(run.counts["purged"], 1)
        self.assertGreaterEqual(run.counts["runs_deleted"], 1)

    def test_run_retention_follows_the_system_parameter(self):
        self.env["ir.config_parameter"].set_param("pss_core.run_retention_days", "0")
        old_run = self.Run._record("inbound", {"claimed": 1}, self.now)
        old_run.write({"started_at": self.now - timedelta(days=400)})
        self.Message._cron_purge_payloads(now=self.now)
        self.assertTrue(old_run.exists(), "0 keeps runs forever")

    def test_finance_users_can_read_runs_but_not_change_them(self):
        user = make_user(
            self.env, unique("fin"), ["pss_core.group_pss_finance"], self.company
        )
        run = self.Run._record("inbound", {"claimed": 2, "done": 2}, self.now)
        as_user = run.with_user(user)
        self.assertEqual(as_user.summary, "2 claimed: 2 done")
        from odoo.exceptions import AccessError

        with self.assertRaises(AccessError):
            as_user.write({"state": "failed"})
        with self.assertRaises(AccessError):
            as_user.unlink()
