from odoo import api, models
from odoo.tools.translate import _lt

from odoo.addons.pss_core.lib import plan as steps
from odoo.addons.pss_core.lib.errors import PssDataError

from ..lib.engagements import milestone_key
from ..lib.milestones import MilestoneFacts, plan_milestone
from ..schemas.milestone import MilestoneReached
from .pss_engagement_builder import MILESTONE, ORDER


class PssHandlerMilestoneReached(models.AbstractModel):
    """milestone.reached: the milestone is reached, its sale order line
    becomes deliverable (Odoo's delivered_milestones policy) for billing."""

    _name = "pss.handler.milestone.reached"
    _inherit = "pss.handler"
    _description = "milestone.reached"
    _pss_event_type = "milestone.reached"
    _pss_groups = "pss_project.group_pss_project_integration"
    _pss_schema = MilestoneReached
    _pss_description = "A milestone was reached and accepted"
    _pss_texts = {
        "engagement_unknown": _lt("Engagement %(ext)s is not known yet."),
        "milestone_unknown": _lt(
            "Milestone %(milestone)s of engagement %(engagement)s is not known yet."
        ),
        "other_entity": _lt("Milestone %(key)s belongs to another entity."),
    }

    @api.model
    def _pss_sequence_key(self, data):
        # Its own key: it may wait (parked) for its engagement or for the
        # amendment adding the milestone without blocking them.
        return (
            f"milestone:{data.get('engagement_external_id')}"
            f"/{data.get('milestone_external_id')}"
        )

    def _pss_lookups(self, batch):
        binding = self.env["pss.binding"]
        keys = [
            milestone_key(data.engagement_external_id, data.milestone_external_id)
            for _m, data in batch
        ]
        milestones = binding._resolve_records(batch.system, MILESTONE, keys)
        engagements = binding._resolve(
            batch.system, ORDER, [data.engagement_external_id for _m, data in batch]
        )
        return MilestoneFacts(
            company_id=self.env.company.id,
            engagements=frozenset(engagements),
            milestones={
                key: (
                    milestone.id,
                    milestone.project_id.company_id.id,
                    milestone.project_id.company_id.name,
                    milestone.is_reached,
                )
                for key, milestone in milestones.items()
            },
        )

    def _pss_plan(self, batch, facts):
        return [(message, data, plan_milestone(data, facts)) for message, data in batch]

    def _pss_write(self, batch, plan):
        Milestone = self.env[MILESTONE]
        for message, data, step in plan:
            if step.kind == steps.REJECT:
                # The detail names the other company (not a reason code).
                batch.fail(
                    message,
                    PssDataError(
                        self._pss_text(step.reason, step.args),
                        details=[{"path": "entity", "message": step.args["company"]}],
                    ),
                )
                continue
            if step.kind != steps.UPDATE:
                self._pss_report(batch, message, step)
                continue
            milestone = Milestone.browse(step.args["id"])
            if not step.values:
                batch.record(message, milestone, "unchanged", step.args["key"])
                continue
            values = dict(step.values)
            # Odoo dates it today when it is marked reached: keep the PSA's date.
            reached_date = values.pop("reached_date")
            milestone.write(values)
            milestone.write({"reached_date": reached_date})
            batch.record(message, milestone, "updated", step.args["key"])
            if milestone.sale_line_id:
                batch.record(
                    message,
                    milestone.sale_line_id.order_id,
                    "updated",
                    data.engagement_external_id,
                )
