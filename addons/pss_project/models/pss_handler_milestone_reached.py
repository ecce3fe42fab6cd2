from odoo import _, api, models

from ..schemas.milestone import MilestoneReached
from .pss_handler_engagement_won import MILESTONE, ORDER, milestone_key


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

    @api.model
    def _pss_sequence_key(self, data):
        # Its own key: it may wait (parked) for its engagement or for the
        # amendment adding the milestone without blocking them.
        return (
            f"milestone:{data.get('engagement_external_id')}"
            f"/{data.get('milestone_external_id')}"
        )

    def _pss_process(self, batch):
        system = batch.system
        binding = self.env["pss.binding"]
        items = list(batch)
        keys = {
            message.id: milestone_key(
                data.engagement_external_id, data.milestone_external_id
            )
            for message, data in items
        }
        milestones = binding._resolve_records(system, MILESTONE, keys.values())
        engagements = binding._resolve(
            system, ORDER, [data.engagement_external_id for _m, data in items]
        )
        for message, data in items:
            key = keys[message.id]
            milestone = milestones.get(key)
            if not milestone:
                if data.engagement_external_id not in engagements:
                    batch.park(
                        message,
                        _(
                            "Engagement %s is not known yet.",
                            data.engagement_external_id,
                        ),
                        ORDER,
                        data.engagement_external_id,
                    )
                else:
                    batch.park(
                        message,
                        _(
                            "Milestone %(milestone)s of engagement %(engagement)s is "
                            "not known yet.",
                            milestone=data.milestone_external_id,
                            engagement=data.engagement_external_id,
                        ),
                        MILESTONE,
                        key,
                    )
                continue
            if milestone.project_id.company_id != self.env.company:
                batch.fail(
                    message,
                    self.env["pss.handler.engagement.won"]._pss_data_error(
                        _("Milestone %s belongs to another entity.", key),
                        [("entity", milestone.project_id.company_id.name)],
                    ),
                )
                continue
            if milestone.is_reached:
                batch.record(message, milestone, "unchanged", key)
                continue
            milestone.write(
                {"is_reached": True, "pss_accepted_by": data.accepted_by or False}
            )
            # Odoo dates it today when it is marked reached: keep the PSA's date.
            milestone.write({"reached_date": data.reached_on})
            batch.record(message, milestone, "updated", key)
            if milestone.sale_line_id:
                batch.record(
                    message,
                    milestone.sale_line_id.order_id,
                    "updated",
                    data.engagement_external_id,
                )
