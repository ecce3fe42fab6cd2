"""Backoff maths, without a database."""

import random

import pytest

from odoo.tests import BaseCase

from odoo.addons.pss_core.lib.backoff import backoff_ceiling, full_jitter


class TestLibBackoff(BaseCase):
    def test_ceiling_doubles_then_caps(self):
        ceilings = [backoff_ceiling(n, base=10, cap=300) for n in range(1, 8)]
        assert ceilings == [10, 20, 40, 80, 160, 300, 300]

    def test_ceiling_does_not_overflow_for_huge_attempts(self):
        assert backoff_ceiling(10_000, base=1, cap=3600) == 3600

    def test_attempts_are_one_based(self):
        for attempt in [0, -1]:
            with self.subTest(attempt=attempt):
                with pytest.raises(ValueError):
                    backoff_ceiling(attempt, 1, 10)

    def test_full_jitter_stays_within_bounds_and_spreads(self):
        rng = random.Random(42)
        delays = [full_jitter(4, base=10, cap=3600, rng=rng) for _ in range(2000)]
        assert min(delays) >= 0
        assert max(delays) <= 80
        # Full jitter spreads over the whole window, not around its middle.
        assert min(delays) < 8 and max(delays) > 72

    def test_retry_after_is_a_floor(self):
        rng = random.Random(1)
        delays = [full_jitter(1, 1, 10, rng=rng, minimum=30) for _ in range(50)]
        assert all(d >= 30 for d in delays)
