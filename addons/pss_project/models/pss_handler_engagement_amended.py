from odoo import models
from odoo.tools.translate import _lt

from odoo.addons.pss_core.lib import plan as steps
from odoo.addons.pss_core.lib.plan import Step

from ..lib.engagements import CONFLICT, NEW, not_newer, version_step
from ..schemas.engagement import EngagementAmended
from .pss_engagement_builder import ORDER, VERSION_TEXTS, WRITE_CONTEXT


class PssHandlerEngagementAmended(models.AbstractModel):
    """engagement.amended: a newer version of an engagement, applied in order.

    A version not newer than the applied one is a conflict (no effect); an
    amendment of an engagement not bound yet is parked until its
    engagement.won binds the sale order. The amendment itself is the
    amendment engine's (``pss.engagement.amend``, shared with engagement.won).
    """

    _name = "pss.handler.engagement.amended"
    _inherit = "pss.handler"
    _description = "engagement.amended"
    _pss_event_type = "engagement.amended"
    _pss_groups = "pss_project.group_pss_project_integration"
    _pss_schema = EngagementAmended
    _pss_sequence_prefix = "engagement"
    _pss_description = (
        "A newer version of an engagement: rates, budget, dates, milestones"
    )
    _pss_texts = {
        **VERSION_TEXTS,
        "unknown": _lt(
            "Engagement %(ext)s is not known yet: waiting for its engagement.won."
        ),
    }

    def _pss_lookups(self, batch):
        """{engagement: (order id, applied version)} of the bound ones."""
        return self.env["pss.binding"]._versions(
            batch.system, ORDER, [data.external_id for _m, data in batch]
        )

    def _pss_plan(self, batch, facts):
        """[(message, data, step)]: park (its engagement.won is late or still
        parked: the won passes this message in the queue), conflict (not
        newer) or update (the amendment)."""
        plan = []
        for message, data in batch:
            kind, value = version_step(data.version, facts.get(data.external_id))
            if kind == NEW:
                step = Step(
                    steps.PARK,
                    "unknown",
                    {"ext": data.external_id},
                    waits_for=(ORDER, data.external_id),
                    any_system=False,
                )
            elif kind == CONFLICT:
                step = not_newer(data, value)
            else:
                step = Step(steps.UPDATE, values={"order_id": value})
            plan.append((message, data, step))
        return plan

    def _pss_write(self, batch, plan):
        known = []
        for message, data, step in plan:
            if step.kind == steps.UPDATE:
                known.append((message, data, step.values["order_id"]))
            else:
                self._pss_report(batch, message, step)
        if known:
            self.env["pss.engagement.amend"].with_context(**WRITE_CONTEXT)._pss_amend(
                batch, known
            )
