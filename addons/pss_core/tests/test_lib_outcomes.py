"""Run summaries, without a database."""

from odoo.tests import BaseCase

from odoo.addons.pss_core.lib.outcomes import summarize


class TestSummarize(BaseCase):
    def test_claimed_first_then_outcomes_in_reading_order(self):
        self.assertEqual(
            summarize({"dead": 5, "claimed": 500, "done": 480, "retrying": 15}),
            "500 claimed: 480 done, 15 retrying, 5 dead",
        )

    def test_zero_counts_and_batches_are_left_out(self):
        self.assertEqual(
            summarize({"claimed": 3, "done": 3, "dead": 0, "batches": 1}),
            "3 claimed: 3 done",
        )

    def test_counts_of_other_runs_are_listed_by_name(self):
        self.assertEqual(
            summarize({"purged": 12, "invoices": 4}), "12 payloads purged, 4 invoices"
        )

    def test_nothing(self):
        self.assertEqual(summarize({}), "nothing to do")
        self.assertEqual(summarize({"seconds": 1.5}), "nothing to do")
