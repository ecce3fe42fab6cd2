"""milestone.reached: what becomes of one reached milestone (plain Python).

``plan_milestone(data, facts)`` decides, in this order:

=====================================  ======================================
the milestone                          step
=====================================  ======================================
not bound, its engagement not bound    park ``engagement_unknown`` on the
                                       sale order (bound by the same system)
not bound, its engagement bound        park ``milestone_unknown`` on the
                                       milestone (an amendment adds it)
of a project of another company        reject ``other_entity``
already reached                        update without values (unchanged)
otherwise                              update (reached, accepted by)
=====================================  ======================================
"""

from dataclasses import dataclass, field

from odoo.addons.pss_core.lib.plan import PARK, REJECT, UPDATE, Step

from .engagements import milestone_key

__all__ = ["MilestoneFacts", "plan_milestone"]

ORDER = "sale.order"
MILESTONE = "project.milestone"


@dataclass(frozen=True)
class MilestoneFacts:
    """What the lookups found, as plain values."""

    company_id: int
    engagements: frozenset = frozenset()  # bound engagement external ids
    # milestone key -> (milestone id, company id, company name, reached)
    milestones: dict = field(default_factory=dict)


def plan_milestone(data, facts):
    """The :class:`Step` for one validated ``MilestoneReached``."""
    engagement = data.engagement_external_id
    key = milestone_key(engagement, data.milestone_external_id)
    found = facts.milestones.get(key)
    if found is None:
        if engagement not in facts.engagements:
            return Step(
                PARK,
                "engagement_unknown",
                {"ext": engagement},
                waits_for=(ORDER, engagement),
                any_system=False,
            )
        return Step(
            PARK,
            "milestone_unknown",
            {"milestone": data.milestone_external_id, "engagement": engagement},
            waits_for=(MILESTONE, key),
            any_system=False,
        )
    milestone_id, company_id, company_name, reached = found
    if company_id != facts.company_id:
        return Step(REJECT, "other_entity", {"key": key, "company": company_name})
    if reached:
        return Step(UPDATE, args={"id": milestone_id, "key": key}, values={})
    return Step(
        UPDATE,
        args={"id": milestone_id, "key": key},
        values={
            "is_reached": True,
            "pss_accepted_by": data.accepted_by or False,
            "reached_date": data.reached_on,
        },
    )
