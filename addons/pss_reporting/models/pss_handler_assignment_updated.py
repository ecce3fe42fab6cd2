from dataclasses import replace

from odoo import models
from odoo.tools.translate import _lt

from odoo.addons.pss_core.lib.plan import CREATE, PARK, UPDATE

from ..lib.assignment_plan import EMPLOYEE, ORDER, AssignmentFacts, plan_assignments
from ..schemas.assignment import AssignmentUpdated

ASSIGNMENT = "pss.assignment"


class PssHandlerAssignmentUpdated(models.AbstractModel):
    """assignment.updated: the weekly plan of a resource on an engagement.

    Versioned per assignment: a newer version replaces the plan (its weeks);
    an older or equal one is a conflict and changes nothing. A resource or an
    engagement not bound yet (by any system) parks the message until it is.
    The whole batch is applied with one read of the bindings and of the
    known assignments, one create of the new ones and one of their weeks.
    """

    _name = "pss.handler.assignment.updated"
    _inherit = "pss.handler"
    _description = "assignment.updated"
    _pss_event_type = "assignment.updated"
    # The PSA's time family: the same technical user sends time and plans.
    _pss_groups = "pss_timesheet.group_pss_psa_time_integration"
    _pss_schema = AssignmentUpdated
    _pss_sequence_prefix = "assignment"
    _pss_description = "Planned hours of a resource on an engagement per ISO week"
    _pss_texts = {
        "superseded": _lt("superseded by a newer version in the batch"),
        "waiting": _lt("waiting for %(what)s %(ext)s, not known yet"),
        "resource": _lt("resource"),
        "engagement": _lt("engagement"),
        "not_newer": _lt(
            "version %(got)s of assignment %(ext)s ignored: version %(have)s is applied"
        ),
        "planned": (
            _lt("%(count)s week, %(hours)s hours planned"),
            _lt("%(count)s weeks, %(hours)s hours planned"),
        ),
    }

    def _pss_lookups(self, batch):
        """Employees and engagements bound by any system, the engagements'
        entities and the system's known assignments: one query each."""
        system = batch.system
        items = [data for _m, data in batch]
        binding = self.env["pss.binding"]
        employee_ids = binding._resolve_any(
            system, EMPLOYEE, {d.resource_external_id for d in items}
        )
        order_ids = binding._resolve_any(
            system, ORDER, {d.engagement_external_id for d in items}
        )
        companies = {
            order.id: order.company_id.id
            for order in self.env[ORDER].browse(set(order_ids.values()))
        }
        # sudo: assignments of the system in every entity, to compare versions
        # (the technical user may write only those of its companies).
        known = (
            self.env[ASSIGNMENT]
            .sudo()
            .search(
                [
                    ("system_id", "=", system.id),
                    ("external_id", "in", [d.external_id for d in items]),
                ]
            )
        )
        return AssignmentFacts(
            system_id=system.id,
            employees=employee_ids,
            orders={ext: (id_, companies[id_]) for ext, id_ in order_ids.items()},
            known={a.external_id: (a.id, a.version) for a in known},
        )

    def _pss_plan(self, batch, facts):
        items = list(batch)
        steps = plan_assignments([data for _m, data in items], facts)
        return [(m, d, step) for (m, d), step in zip(items, steps, strict=True)]

    def _pss_write(self, batch, plan):
        """The new assignments (one create), the known ones written, their
        old weeks removed (one unlink) and all weeks created (one create)."""
        Assignment = self.env[ASSIGNMENT]
        creates, updates = [], []
        for message, _data, step in plan:
            if step.kind == CREATE:
                creates.append((message, step))
            elif step.kind == UPDATE:
                updates.append((message, step))
            elif step.kind == PARK:
                what = self._pss_text(step.args["what"])
                self._pss_report(
                    batch, message, replace(step, args=dict(step.args, what=what))
                )
                continue
            else:
                self._pss_report(batch, message, step)
                continue
            batch.note(message, self._pss_text(step.note, step.args))
        line_vals = []
        created = Assignment.create([step.values["assignment"] for _m, step in creates])
        for (message, step), assignment in zip(creates, created, strict=True):
            line_vals += self._pss_weeks(assignment, step)
            batch.record(message, assignment, "created", assignment.external_id)
        # sudo: as read by the lookups (see there).
        replaced = Assignment.sudo().browse([step.args["id"] for _m, step in updates])
        if replaced:
            self.env["pss.assignment.line"].search(
                [("assignment_id", "in", replaced.ids)]
            ).unlink()
        for (message, step), assignment in zip(updates, replaced, strict=True):
            assignment.write(step.values["assignment"])
            line_vals += self._pss_weeks(assignment, step)
            batch.record(message, assignment, "updated", assignment.external_id)
        self.env["pss.assignment.line"].create(line_vals)

    @staticmethod
    def _pss_weeks(assignment, step):
        return [dict(w, assignment_id=assignment.id) for w in step.values["weeks"]]
