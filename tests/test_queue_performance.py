"""5,000 messages through the queue with a bounded number of SQL queries."""

import time

from odoo.tests import TransactionCase, tagged

from pss_testing import make_company, make_system, make_user, unique

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
        cls.company = make_company(cls.env, "Perf Entity", unique("PF"))
        tech = make_user(
            cls.env, unique("perftech"), ["pss_core.group_pss_integration"], cls.company
        )
        cls.system = make_system(cls.env, unique("perf"), tech, cls.company)

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
