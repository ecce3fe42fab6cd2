"""The outcome of a failed attempt, without a database."""

import random
from datetime import datetime, timedelta

import psycopg2
from hypothesis import given
from hypothesis import strategies as st

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import BaseCase

from odoo.addons.pss_core.lib.errors import (
    PssConflictError,
    PssDataError,
    PssDependencyError,
    PssHoldError,
    PssTransientError,
)
from odoo.addons.pss_core.lib.failures import (
    RetryPolicy,
    attempt_limit,
    categorize,
    failure_outcome,
)

NOW = datetime(2026, 3, 1, 12, 0, 0)
# 5 transient attempts, 3 internal ones, backoff 10 s doubling up to 300 s.
POLICY = RetryPolicy(
    max_attempts=5, internal_max_attempts=3, retry_base=10, retry_cap=300
)
CATEGORIES = ["transient", "data", "dependency", "hold", "conflict", "internal"]


class TestLibFailures(BaseCase):
    def test_outcome_by_category_and_attempts(self):
        for category, attempts, state, gave_up in [
            ("dependency", 1, "parked", False),
            ("dependency", 99, "parked", False),
            ("hold", 1, "parked", False),
            ("conflict", 1, "done", False),
            ("data", 1, "dead", False),
            ("transient", 1, "retrying", False),
            ("transient", 4, "retrying", False),
            ("transient", 5, "dead", True),
            ("transient", 6, "dead", True),
            ("internal", 2, "retrying", False),
            ("internal", 3, "dead", True),
            # An unknown category is treated as an internal error.
            ("surprise", 2, "retrying", False),
            ("surprise", 3, "dead", True),
        ]:
            with self.subTest(
                category=category, attempts=attempts, state=state, gave_up=gave_up
            ):
                vals, given_up = failure_outcome(category, attempts, POLICY, NOW)
                assert vals["state"] == state
                assert given_up is gave_up
                # End states say when they ended; a retry says when it is due; a parked
                # message has neither (a binding or a person releases it).
                assert ("finished_at" in vals) is (state in ("done", "dead"))
                assert ("next_attempt_at" in vals) is (state == "retrying")
                if "finished_at" in vals:
                    assert vals["finished_at"] == NOW

    def test_retry_waits_within_the_backoff_window_of_its_attempt(self):
        rng = random.Random(7)
        for attempts, ceiling in [(1, 10), (2, 20), (3, 40), (4, 80)]:
            vals, _gave_up = failure_outcome(
                "transient", attempts, POLICY, NOW, rng=rng
            )
            assert NOW <= vals["next_attempt_at"] <= NOW + timedelta(seconds=ceiling)

    def test_retry_after_of_the_receiver_is_honoured_even_beyond_the_cap(self):
        vals, _gave_up = failure_outcome(
            "transient", 1, POLICY, NOW, retry_after=900, rng=random.Random(1)
        )
        assert vals["next_attempt_at"] == NOW + timedelta(seconds=900)

    def test_attempt_limits(self):
        assert attempt_limit("transient", POLICY) == 5
        assert attempt_limit("internal", POLICY) == 3
        for category in ("data", "dependency", "hold", "conflict"):
            assert attempt_limit(category, POLICY) is None

    def test_policy_of_a_system(self):
        class System:
            max_attempts, internal_max_attempts, retry_base, retry_cap = 8, 2, 5, 60

        assert RetryPolicy.of(System()) == RetryPolicy(8, 2, 5, 60)

    def test_categorize(self):
        for error, category in [
            (PssTransientError("remote down"), "transient"),
            (PssDataError("bad payload"), "data"),
            (PssDependencyError("no customer", "res.partner", "C1"), "dependency"),
            (PssHoldError("locked period"), "hold"),
            (PssConflictError("older version"), "conflict"),
            (psycopg2.errors.SerializationFailure("concurrent update"), "transient"),
            (psycopg2.errors.LockNotAvailable("lock timeout"), "transient"),
            (ValidationError("constraint"), "data"),
            (UserError("not allowed"), "data"),
            (AccessError("no access"), "data"),
            (KeyError("bug"), "internal"),
            (ZeroDivisionError(), "internal"),
        ]:
            with self.subTest(error=error, category=category):
                assert categorize(error) == category

    @given(
        category=st.sampled_from([*CATEGORIES, "surprise"]),
        attempts=st.integers(min_value=1, max_value=1000),
        max_attempts=st.integers(min_value=1, max_value=50),
        internal_max_attempts=st.integers(min_value=1, max_value=50),
        base=st.floats(min_value=0.1, max_value=600),
        cap=st.floats(min_value=0.1, max_value=86400),
        retry_after=st.one_of(st.none(), st.floats(min_value=0, max_value=86400)),
        seed=st.integers(min_value=0, max_value=2**32),
    )
    def test_properties(
        self,
        category,
        attempts,
        max_attempts,
        internal_max_attempts,
        base,
        cap,
        retry_after,
        seed,
    ):
        policy = RetryPolicy(max_attempts, internal_max_attempts, base, cap)
        vals, gave_up = failure_outcome(
            category,
            attempts,
            policy,
            NOW,
            retry_after=retry_after,
            rng=random.Random(seed),
        )
        limit = attempt_limit(category, policy)
        # Dead exactly when a retried category reached its limit, or at once for
        # data errors; gave up only in the first case.
        assert (vals["state"] == "dead") is (
            category == "data" or (limit is not None and attempts >= limit)
        )
        assert gave_up is (limit is not None and attempts >= limit)
        if vals["state"] == "retrying":
            due = vals["next_attempt_at"]
            # Never before now, never beyond the cap (or the receiver's Retry-After).
            assert due >= NOW
            assert due <= NOW + timedelta(seconds=max(cap, retry_after or 0))
            if retry_after:
                assert due >= NOW + timedelta(seconds=retry_after)
        else:
            assert "next_attempt_at" not in vals
