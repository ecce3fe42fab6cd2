"""Concurrency, crash and duplicate behaviour with real commits.

Each test commits its fixtures on separate cursors (as separate Odoo workers
would), runs workers in threads, and removes everything it committed.
"""

import threading
import time
from datetime import timedelta
from unittest.mock import patch

import psycopg2
from psycopg2 import errorcodes

from odoo import SUPERUSER_ID, api, fields
from odoo.tests import tagged

from odoo.addons.pss_core.tests.common import (
    CommittedCase,
    unique,
)


@tagged("post_install", "-at_install")
class TestQueueConcurrency(CommittedCase):
    """Not a TransactionCase: the work must really commit to show locking."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.commit_system(
            unique("conc_tech"),
            ["pss_core.group_pss_integration"],
            ["test.record"],
            name="concurrency",
            code=unique("conc"),
        )

    @classmethod
    def tearDownClass(cls):
        with cls.cursor_env() as env:
            env.cr.execute(
                "DELETE FROM pss_test_record WHERE id IN (SELECT res_id FROM "
                "pss_binding WHERE system_id = %s)",
                [cls.system_id],
            )
        super().tearDownClass()

    def system(self, env):
        return env["pss.system"].browse(self.system_id)

    def enqueue_committed(self, count, prefix):
        with self.cursor_env() as env:
            company = env["res.company"].browse(self.company_id)
            items = [
                {
                    "event_type": "test.record",
                    "payload": {"external_id": f"{prefix}{i}", "name": f"n{i}"},
                    "idempotency_key": f"{prefix}{i}",
                    "company_id": company.id,
                    "sequence_key": f"test.record:{prefix}{i}",
                }
                for i in range(count)
            ]
            results = env["pss.message"].enqueue_many(self.system(env), items)
            return [m.id for m, _new in results]

    def test_concurrent_enqueue_of_one_key_stores_one_message(self):
        key = unique("evt_race_")
        barrier = threading.Barrier(2)
        results, errors = [], []

        def worker():
            try:
                barrier.wait(timeout=10)
                for _attempt in range(5):  # what Odoo's retrying() does
                    cr = self.registry.cursor()
                    try:
                        env = api.Environment(cr, SUPERUSER_ID, {})
                        message, is_new = env["pss.message"].enqueue(
                            self.system(env),
                            "test.record",
                            {"external_id": key, "name": "race"},
                            idempotency_key=key,
                        )
                        time.sleep(0.2)  # hold the insert open: force overlap
                        cr.commit()
                        results.append((message.id, is_new))
                        return
                    except psycopg2.OperationalError as error:
                        cr.rollback()
                        if error.pgcode != errorcodes.SERIALIZATION_FAILURE:
                            raise
                    finally:
                        cr.close()
            except Exception as error:
                errors.append(error)

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        self.assertFalse(errors, errors)
        self.assertEqual(len(results), 2)
        self.assertEqual(len({mid for mid, _new in results}), 1)
        self.assertEqual(sorted(new for _mid, new in results), [False, True])
        with self.cursor_env() as env:
            messages = env["pss.message"].search([("idempotency_key", "=", key)])
            self.assertEqual(len(messages), 1)
            messages.action_cancel()  # keep it out of the other tests' queue

    def test_concurrent_workers_process_each_message_exactly_once(self):
        prefix = unique("cw")
        ids = self.enqueue_committed(300, f"{prefix}_")
        summaries, errors = [], []

        def worker(name):
            try:
                with self.cursor_env() as env:
                    summaries.append(
                        env["pss.message"]._process_queue(
                            "in",
                            commit=True,
                            worker=name,
                            batch_size=25,
                            system=self.system(env),
                        )
                    )
            except Exception as error:
                errors.append(error)

        threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        self.assertFalse(errors, errors)
        self.assertEqual(sum(s.get("done", 0) for s in summaries), 300)
        with self.cursor_env() as env:
            messages = env["pss.message"].browse(ids)
            self.assertEqual(set(messages.mapped("state")), {"done"})
            self.assertEqual(set(messages.mapped("attempts")), {1})
            self.assertGreater(len(set(messages.mapped("last_worker"))), 1)
            records = env["pss.test.record"].search(
                [("external_id", "=like", f"{prefix}\\_%")]
            )
            self.assertEqual(len(records), 300)
            self.assertEqual(set(records.mapped("applied_count")), {1})
            # Each worker that found work left one run; together they
            # account for every message exactly once.
            runs = messages.run_id
            self.assertEqual(len(runs), len([s for s in summaries if s["claimed"]]))
            self.assertEqual(set(runs.mapped("state")), {"done"})
            self.assertEqual(sum(runs.mapped("claimed_count")), 300)
            self.assertEqual(sum(runs.mapped("done_count")), 300)
            for run in runs:
                self.assertEqual(run.message_count, run.claimed_count)

    def test_a_run_that_crashes_says_so_and_loses_nothing(self):
        prefix = unique("crash")
        ids = self.enqueue_committed(4, f"{prefix}_")
        message_model = self.registry["pss.message"]
        real_finish = message_model._finish
        calls = []

        def finish_then_crash(records, *args, **kwargs):
            # Fault injection: the second batch dies while recording outcomes.
            calls.append(len(records))
            if len(calls) == 2:
                raise RuntimeError("simulated crash while recording outcomes")
            return real_finish(records, *args, **kwargs)

        with patch.object(message_model, "_finish", finish_then_crash):
            with self.assertRaises(RuntimeError):
                with self.cursor_env() as env:
                    env["pss.message"]._process_queue(
                        "in", commit=True, batch_size=2, system=self.system(env)
                    )
        with self.cursor_env() as env:
            messages = env["pss.message"].browse(ids)
            run = messages.run_id
            self.assertEqual(len(run), 1)
            self.assertEqual(run.state, "failed")
            self.assertIn("simulated crash", run.error)
            # Claimed 4 (two batches of 2), 2 applied before the crash.
            self.assertEqual((run.claimed_count, run.done_count), (4, 2))
            self.assertEqual(run.summary, "4 claimed: 2 done")
            self.assertEqual(
                sorted(messages.mapped("state")), ["done", "done", "running", "running"]
            )
        # The crashed batch's messages are leased, not lost: recovery gives
        # them back and the next run applies them once.
        later = fields.Datetime.now() + timedelta(seconds=61)
        with self.cursor_env() as env:
            recovered = env["pss.message"]._recover_leases(now=later)
            self.assertEqual(len(set(recovered) & set(ids)), 2)
            env["pss.message"]._process_queue(
                "in", commit=True, system=self.system(env), now=later
            )
        with self.cursor_env() as env:
            messages = env["pss.message"].browse(ids)
            self.assertEqual(set(messages.mapped("state")), {"done"})
            records = env["pss.test.record"].search(
                [("external_id", "=like", f"{prefix}\\_%")]
            )
            self.assertEqual(len(records), 4)
            self.assertEqual(set(records.mapped("applied_count")), {1})

    def test_killed_worker_is_reclaimed_and_applied_once(self):
        prefix = unique("kill")
        (message_id,) = self.enqueue_committed(1, f"{prefix}_")
        # Worker 1 claims (and commits the claim), applies, then dies before
        # committing: its connection goes away and PostgreSQL rolls back.
        cr = self.registry.cursor()
        env = api.Environment(cr, SUPERUSER_ID, {})
        claimed = env["pss.message"]._claim("in", 10, "doomed", system=self.system(env))
        self.assertEqual(claimed, [message_id])
        cr.commit()
        env["pss.message"]._apply_claimed(claimed, "doomed")
        cr._cnx.close()  # the process is killed: no commit, no rollback call
        with self.cursor_env() as env:
            message = env["pss.message"].browse(message_id)
            self.assertEqual(message.state, "running")
            self.assertFalse(
                env["pss.test.record"].search([("external_id", "=", f"{prefix}_0")])
            )
        later = fields.Datetime.now() + timedelta(seconds=61)
        with self.cursor_env() as env:
            self.assertEqual(
                env["pss.message"]._recover_leases(now=later), [message_id]
            )
        with self.cursor_env() as env:
            env["pss.message"]._process_queue(
                "in", commit=True, system=self.system(env), now=later
            )
        with self.cursor_env() as env:
            message = env["pss.message"].browse(message_id)
            self.assertEqual((message.state, message.attempts), ("done", 2))
            records = env["pss.test.record"].search(
                [("external_id", "=", f"{prefix}_0")]
            )
            self.assertEqual(len(records), 1)
            self.assertEqual(records.applied_count, 1)

    def test_expired_lease_of_a_live_worker_is_not_stolen(self):
        prefix = unique("slow")
        with self.cursor_env() as env:
            ((message, _new),) = env["pss.message"].enqueue_many(
                self.system(env),
                [
                    {
                        "event_type": "test.record",
                        "payload": {
                            "external_id": f"{prefix}_0",
                            "name": "slow",
                            "behaviour": "sleep",
                            "sleep": 1.5,
                        },
                        "idempotency_key": f"{prefix}_0",
                        "company_id": self.company_id,
                    }
                ],
            )
            message_id = message.id
        done = threading.Event()

        def slow_worker():
            with self.cursor_env() as env:
                env["pss.message"]._process_queue(
                    "in", commit=True, worker="slow", system=self.system(env)
                )
            done.set()

        thread = threading.Thread(target=slow_worker)
        thread.start()
        time.sleep(0.5)  # the slow worker now holds the row lock
        far_future = fields.Datetime.now() + timedelta(hours=1)
        with self.cursor_env() as env:
            self.assertEqual(env["pss.message"]._recover_leases(now=far_future), [])
        thread.join(timeout=30)
        self.assertTrue(done.is_set())
        with self.cursor_env() as env:
            message = env["pss.message"].browse(message_id)
            self.assertEqual((message.state, message.attempts), ("done", 1))
