"""5,000 messages through the queue with a bounded number of SQL queries."""

import time

from odoo.tests import TransactionCase, tagged

from pss_testing import SHORT_RETRY, make_company, make_system, make_user, unique

COUNT = 5000
# Queries per message for claim + validate + apply + bookkeeping + binding.
# The handler itself creates records and bindings in batches; anything that
# does one query per message for the queue's own bookkeeping breaks this.
MAX_QUERIES_PER_MESSAGE = 0.5


@tagged("post_install", "-at_install")
class TestQueuePerformance(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = make_company(cls.env, "Perf Entity", unique("PF"), "EUR", "DE")
        tech = make_user(
            cls.env, unique("perftech"), ["pss_core.group_pss_integration"], cls.company
        )
        cls.system = make_system(
            cls.env, unique("perf"), tech, cls.company, **SHORT_RETRY
        )

    def test_5000_messages_with_bounded_queries(self):
        Message = self.env["pss.message"]
        items = [
            {
                "event_type": "test.record",
                "payload": {"external_id": f"P{i}", "name": f"perf {i}", "amount": i},
                "idempotency_key": f"perf-{i}",
                "company_id": self.company.id,
                "sequence_key": f"test.record:P{i}",
            }
            for i in range(COUNT)
        ]
        cr = self.env.cr
        before = cr.sql_log_count
        started = time.perf_counter()
        results = Message.enqueue_many(self.system, items)
        enqueue_queries = cr.sql_log_count - before
        self.assertTrue(all(new for _m, new in results))
        before = cr.sql_log_count
        summary = Message._process_queue("in", commit=False, system=self.system)
        self.env.flush_all()
        elapsed = time.perf_counter() - started
        process_queries = cr.sql_log_count - before
        per_message = process_queries / COUNT
        print(
            f"\npss perf: {COUNT} messages, enqueue {enqueue_queries} queries, "
            f"process {process_queries} queries ({per_message:.2f}/message), "
            f"{COUNT / elapsed:.0f} messages/s"
        )
        self.assertEqual(summary.get("done"), COUNT)
        self.assertLessEqual(enqueue_queries, 10)
        self.assertLessEqual(per_message, MAX_QUERIES_PER_MESSAGE)
        self.assertEqual(
            self.env["pss.test.record"].search_count([("external_id", "=like", "P%")]),
            COUNT,
        )

    def test_failures_are_written_in_a_few_queries_not_one_per_message(self):
        """A batch where every message fails in its own way (retrying with
        its own jittered time, dead, parked, held, conflict) still records
        its outcomes in a handful of statements."""
        Message = self.env["pss.message"]
        behaviours = ["transient", "data", "hold", "park", "conflict"]
        count = 500
        existing = self.env["pss.test.record"].create(
            [
                {"name": f"bound {i}", "external_id": f"F{i}", "version": 5}
                for i in range(count)
                if behaviours[i % 5] == "conflict"
            ]
        )
        self.env["pss.binding"]._bind_many(
            self.system,
            "pss.test.record",
            [
                {"external_id": r.external_id, "res_id": r.id, "version": 5}
                for r in existing
            ],
        )
        items = []
        for i in range(count):
            kind = behaviours[i % 5]
            payload = {"external_id": f"F{i}", "name": f"fail {i}"}
            if kind in ("transient", "data", "hold"):
                payload["behaviour"] = kind
            elif kind == "park":
                payload["parent_external_id"] = f"MISSING{i}"
            items.append(
                {
                    "event_type": "test.record",
                    "payload": payload,
                    "idempotency_key": f"fail-{i}",
                    "company_id": self.company.id,
                    "sequence_key": f"test.record:F{i}",
                }
            )
        Message.enqueue_many(self.system, items)
        cr = self.env.cr
        before = cr.sql_log_count
        summary = Message._process_queue(
            "in", commit=False, system=self.system, limit=count
        )
        self.env.flush_all()
        queries = cr.sql_log_count - before
        print(f"\npss perf: {count} failing messages processed in {queries} queries")
        self.assertEqual(
            (
                summary.get("retrying"),
                summary.get("dead"),
                summary.get("parked"),
                summary.get("done"),
            ),
            (100, 100, 200, 100),
        )
        messages = Message.search(
            [("system_id", "=", self.system.id), ("idempotency_key", "=like", "fail-%")]
        )
        retrying = messages.filtered(lambda m: m.state == "retrying")
        self.assertEqual(len(retrying), 100)
        self.assertGreater(
            len(set(retrying.mapped("next_attempt_at"))), 1, "each has its own jitter"
        )
        self.assertTrue(
            all(
                m.last_error
                for m in messages.filtered(
                    lambda m: m.state in ("retrying", "dead", "parked")
                )
            )
        )
        parked = messages.filtered(lambda m: m.wait_external_id)
        self.assertEqual(len(parked), 100)
        self.assertTrue(all(m.wait_external_id.startswith("MISSING") for m in parked))
        conflicts = messages.filtered(lambda m: m.state == "done")
        self.assertTrue(
            all("not newer" in (m.note or "") for m in conflicts),
            [
                (m.note, m.error_category, m.last_error, m.payload)
                for m in conflicts[:3]
            ],
        )
        self.assertFalse(messages.filtered("lease_owner"), "no lease left behind")
        self.assertLessEqual(queries, 40)
