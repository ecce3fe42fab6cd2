"""Properties of the tolerance rules (plain Python, no database): the
allowed variance is the larger of the two tolerances and never negative, a
figure is matched exactly when its variance is within it, and a wider
tolerance never turns a matched figure into a variance."""

from hypothesis import given
from hypothesis import strategies as st

from odoo.tests import BaseCase

from odoo.addons.pss_reconcile.lib.tolerance import (
    allowed_variance,
    change_of,
    classify,
)

AMOUNTS = st.decimals(
    min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False
).map(float)
TOLERANCES = st.decimals(
    min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False
).map(float)
PERCENTS = st.decimals(
    min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False
).map(float)


class TestToleranceProperties(BaseCase):
    @given(AMOUNTS, TOLERANCES, PERCENTS)
    def test_allowed_is_the_larger_tolerance(self, expected, tol_abs, tol_pct):
        allowed = allowed_variance(expected, tol_abs, tol_pct)
        self.assertGreaterEqual(allowed, 0.0)
        self.assertAlmostEqual(
            allowed, max(tol_abs, abs(expected) * tol_pct / 100), places=3
        )

    @given(AMOUNTS, AMOUNTS, TOLERANCES, PERCENTS)
    def test_matched_exactly_within_the_tolerance(
        self, expected, actual, tol_abs, tol_pct
    ):
        variance, allowed, status = classify(expected, actual, tol_abs, tol_pct)
        self.assertAlmostEqual(variance, expected - actual, places=3)
        self.assertEqual(status == "matched", abs(variance) <= allowed + 1e-6)
        # The sign convention: the outside minus Odoo, so swapping sides
        # swaps the sign only.
        self.assertAlmostEqual(classify(actual, expected)[0], -variance, places=3)

    @given(AMOUNTS, AMOUNTS, TOLERANCES, TOLERANCES, PERCENTS)
    def test_a_wider_tolerance_never_turns_a_match_into_a_variance(
        self, expected, actual, tol_abs, extra, tol_pct
    ):
        narrow = classify(expected, actual, tol_abs, tol_pct)[2]
        wide = classify(expected, actual, tol_abs + extra, tol_pct)[2]
        if narrow == "matched":
            self.assertEqual(wide, "matched")

    @given(AMOUNTS, AMOUNTS)
    def test_an_unchanged_line_is_the_same(self, expected, actual):
        self.assertEqual(change_of((expected, actual), expected, actual), "same")
        self.assertEqual(change_of(None, expected, actual), "new")
        self.assertEqual(change_of((expected, actual), expected + 1, actual), "changed")
