"""The queue's figures of pss.message (pss_message_stats.py) that the health
check and the metrics of pss_api format."""

from odoo import fields
from odoo.tests import TransactionCase, tagged

from .common import make_company, make_system, make_user, unique


@tagged("post_install", "-at_install")
class TestMessageStats(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = make_company(cls.env, "Stats Entity", unique("ST"))
        tech = make_user(
            cls.env, unique("statstech"), ["pss_core.group_pss_integration"], company
        )
        cls.system = make_system(cls.env, unique("stats"), tech, company)
        cls.company = company
        cls.Message = cls.env["pss.message"]

    def enqueue(self, state, direction="in", minutes_ago=0):
        message, _new = self.Message.enqueue(
            self.system,
            "stats.counted",
            {"n": unique("n")},
            idempotency_key=unique("stats"),
            company=self.company,
            direction=direction,
        )
        self.env.cr.execute(
            "UPDATE pss_message SET state = %s, received_at = %s WHERE id = %s",
            [
                state,
                fields.Datetime.subtract(fields.Datetime.now(), minutes=minutes_ago),
                message.id,
            ],
        )
        return message

    def test_queue_stats_count_the_unfinished_states_and_the_oldest_waiting(self):
        before, _oldest = self.Message._pss_queue_stats()
        self.enqueue("pending")
        self.enqueue("retrying", minutes_ago=10)
        self.enqueue("parked", minutes_ago=60)
        self.enqueue("done", minutes_ago=120)
        self.enqueue("dead", direction="out", minutes_ago=180)
        self.env.cr.execute("SHOW statement_timeout")
        (timeout,) = self.env.cr.fetchone()
        by_state, oldest = self.Message._pss_queue_stats()
        for state in ("pending", "retrying", "parked"):
            self.assertEqual(by_state[state] - before.get(state, 0), 1, state)
        self.assertNotIn("done", by_state)
        self.assertNotIn("dead", by_state)
        # The oldest waiting (pending or retrying) message, not the parked one.
        self.assertGreaterEqual(oldest, 599)
        self.assertIsInstance(oldest, float)
        # The health check's time limit ends with it.
        self.env.cr.execute("SHOW statement_timeout")
        self.assertEqual(self.env.cr.fetchone(), (timeout,))

    def test_queue_by_system_counts_every_state_by_direction(self):
        self.enqueue("pending", minutes_ago=5)
        self.enqueue("pending", minutes_ago=1)
        self.enqueue("done", minutes_ago=30)
        self.enqueue("dead", direction="out")
        rows = [
            row
            for row in self.Message._pss_queue_by_system()
            if row[0] == self.system.code
        ]
        self.assertEqual(
            [row[:4] for row in rows],
            [
                (self.system.code, "in", "done", 1),
                (self.system.code, "in", "pending", 2),
                (self.system.code, "out", "dead", 1),
            ],
        )
        # Age in seconds of the oldest message of each group.
        self.assertGreaterEqual(float(rows[0][4]), 1799)
        self.assertTrue(299 <= float(rows[1][4]) < 1799)
