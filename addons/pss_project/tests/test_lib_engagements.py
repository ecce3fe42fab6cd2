"""Engagement versions, rate changes, retainer periods and milestone.reached's
plan, without a database."""

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from odoo.tests import BaseCase

from odoo.addons.pss_core.lib import plan as steps
from odoo.addons.pss_core.lib.plan import PARK, REJECT, UPDATE

from ..lib.engagements import (
    AMEND,
    CONFLICT,
    NEW,
    REPRICE,
    SAME,
    SPLIT,
    decimals,
    milestone_key,
    missing_periods,
    not_newer,
    rate_change,
    version_step,
)
from ..lib.milestones import MilestoneFacts, plan_milestone
from ..schemas.engagement import EngagementAmended
from ..schemas.milestone import MilestoneReached

MARCH, APRIL = date(2026, 3, 1), date(2026, 4, 1)


class TestEngagementDecisions(BaseCase):
    def test_version_step(self):
        cases = [
            # (version, bound, step)
            (1, None, (NEW, None)),
            (1, (5, 1), (CONFLICT, 1)),
            (1, (5, 2), (CONFLICT, 2)),
            (2, (5, 1), (AMEND, 5)),
            (1, (5, None), (AMEND, 5)),  # bound without a version
        ]
        for version, bound, step in cases:
            with self.subTest(version=version, bound=bound):
                assert version_step(version, bound) == step

    def test_an_old_version_is_a_conflict_that_names_both_versions(self):
        data = EngagementAmended.model_validate({"external_id": "ENG-1", "version": 2})
        step = not_newer(data, 3)
        assert (step.kind, step.reason) == (steps.CONFLICT, "not_newer")
        assert step.args == {"version": 2, "engagement": "ENG-1", "applied": 3}

    @given(st.integers(1, 50), st.integers(0, 50))
    def test_only_a_newer_version_amends(self, version, applied):
        kind, _value = version_step(version, (9, applied))
        assert (kind == AMEND) == (version > applied)

    def test_rate_change(self):
        cases = [
            # (index, rate_from, invoiced, same_price, effective, change)
            (0, MARCH, 0, True, APRIL, SAME),
            (0, None, 0, False, APRIL, REPRICE),  # the only line, open start
            (0, APRIL, 0, False, MARCH, REPRICE),  # effective before its start
            (0, MARCH, 0, False, APRIL, SPLIT),  # from a later date
            (1, APRIL, 0, False, APRIL, REPRICE),  # starts on that day
            (1, APRIL, 3, False, APRIL, SPLIT),  # invoiced: never repriced
            (0, None, 3, False, APRIL, SPLIT),
        ]
        for index, rate_from, invoiced, same, effective, change in cases:
            with self.subTest(index=index, rate_from=rate_from, invoiced=invoiced):
                assert rate_change(index, rate_from, invoiced, same, effective) == (
                    change
                )

    def test_small_helpers(self):
        assert milestone_key("ENG-1", "M-2") == "ENG-1/M-2"
        assert decimals(Decimal("1.250")) == 3
        assert decimals(Decimal("12")) == 0
        assert decimals(Decimal("1E+2")) == 0
        periods = [(MARCH, date(2026, 3, 31)), (APRIL, date(2026, 4, 30))]
        assert missing_periods(periods, {MARCH}) == periods[1:]
        assert missing_periods(periods, set()) == periods


def reached(**values):
    data = {
        "engagement_external_id": "ENG-1",
        "milestone_external_id": "M-1",
        "reached_on": "2026-05-04",
        "accepted_by": "Jane",
    }
    data.update(values)
    return MilestoneReached.model_validate(data)


FACTS = MilestoneFacts(
    company_id=1,
    engagements=frozenset({"ENG-1", "ENG-2"}),
    milestones={
        "ENG-1/M-1": (11, 1, "DE", False),
        "ENG-1/M-DONE": (12, 1, "DE", True),
        "ENG-2/M-1": (13, 2, "US Inc.", False),
    },
)


class TestMilestonePlan(BaseCase):
    def test_the_first_rule_that_applies_decides(self):
        cases = [
            # (data, kind, reason, waits_for)
            (reached(engagement_external_id="ENG-9"), PARK, "engagement_unknown",
             ("sale.order", "ENG-9")),
            (reached(milestone_external_id="M-9"), PARK, "milestone_unknown",
             ("project.milestone", "ENG-1/M-9")),
            (reached(engagement_external_id="ENG-2"), REJECT, "other_entity", None),
            (reached(milestone_external_id="M-DONE"), UPDATE, "", None),
            (reached(), UPDATE, "", None),
        ]  # fmt: skip
        for data, kind, reason, waits_for in cases:
            with self.subTest(data=data):
                step = plan_milestone(data, FACTS)
                assert (step.kind, step.reason, step.waits_for) == (
                    kind,
                    reason,
                    waits_for,
                )
                if kind == PARK:
                    assert not step.any_system, "bound by the message's own system"

    def test_reached_values(self):
        assert (
            plan_milestone(reached(milestone_external_id="M-DONE"), FACTS).values == {}
        )
        step = plan_milestone(reached(accepted_by=None), FACTS)
        assert step.args == {"id": 11, "key": "ENG-1/M-1"}
        assert step.values == {
            "is_reached": True,
            "pss_accepted_by": False,
            "reached_date": date(2026, 5, 4),
        }
        step = plan_milestone(reached(engagement_external_id="ENG-2"), FACTS)
        assert step.args == {"key": "ENG-2/M-1", "company": "US Inc."}
