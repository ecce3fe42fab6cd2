"""Outbound delivery rules, without a database."""

from odoo.tests import BaseCase

from odoo.addons.pss_core.lib.delivery import (
    CIRCUIT_THRESHOLD,
    circuit_open_seconds,
    cron_time_budget,
    fits_budget,
)


class TestCircuit(BaseCase):
    def test_closed_below_the_threshold(self):
        for failures in range(CIRCUIT_THRESHOLD):
            self.assertEqual(circuit_open_seconds(failures, 10, 3600), 0)

    def test_opens_at_base_then_doubles_up_to_the_cap(self):
        t = CIRCUIT_THRESHOLD
        self.assertEqual(
            [circuit_open_seconds(t + i, 10, 100) for i in range(6)],
            [10, 20, 40, 80, 100, 100],
        )

    def test_huge_failure_counts_do_not_overflow(self):
        self.assertEqual(circuit_open_seconds(10**6, 10, 3600), 3600)

    def test_bad_policy_values_still_give_a_pause(self):
        self.assertEqual(circuit_open_seconds(CIRCUIT_THRESHOLD, 0, 0), 1)


class TestCronBudget(BaseCase):
    def test_cron_limit_wins_when_set(self):
        self.assertEqual(cron_time_budget(240, 120, 100), 75)

    def test_real_time_limit_applies_otherwise(self):
        # Odoo's defaults: limit_time_real 120, limit_time_real_cron -1.
        self.assertEqual(cron_time_budget(240, 120, -1), 90)
        self.assertEqual(cron_time_budget(240, 120, 0), 90)

    def test_wanted_budget_kept_when_shorter(self):
        self.assertEqual(cron_time_budget(30, 120, -1), 30)

    def test_no_limit_keeps_the_wanted_budget(self):
        self.assertEqual(cron_time_budget(240, 0, 0), 240)

    def test_fits_budget(self):
        self.assertTrue(fits_budget(5, 10, None))
        self.assertTrue(fits_budget(5, 10, 15))
        self.assertFalse(fits_budget(6, 10, 15))
