from odoo import _, api, models

from odoo.addons.pss_core.lib.errors import PssDependencyError

from ..lib.weeks import parse_iso_week
from ..schemas.assignment import AssignmentUpdated

EMPLOYEE = "hr.employee"
ORDER = "sale.order"


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

    def _pss_process(self, batch):
        system = batch.system
        items = list(batch)
        binding = self.env["pss.binding"]
        employee_ids = binding._resolve_any(
            system, EMPLOYEE, {d.resource_external_id for _m, d in items}
        )
        order_ids = binding._resolve_any(
            system, ORDER, {d.engagement_external_id for _m, d in items}
        )
        orders = {o.id: o for o in self.env[ORDER].browse(set(order_ids.values()))}
        # sudo: assignments of the system in every entity, to compare versions
        # (the technical user may write only those of its companies).
        Assignment = self.env["pss.assignment"]
        known = {
            a.external_id: a
            for a in Assignment.sudo().search(
                [
                    ("system_id", "=", system.id),
                    ("external_id", "in", [d.external_id for _m, d in items]),
                ]
            )
        }
        # The highest version of each assignment in the batch applies.
        best = {}
        for message, data in items:
            current = best.get(data.external_id)
            if current is None or data.version > current[1].version:
                best[data.external_id] = (message, data)
        to_create, create_refs, replaced = [], [], []
        for message, data in items:
            if best[data.external_id][0] != message:
                batch.conflict(message, _("superseded by a newer version in the batch"))
                continue
            if data.resource_external_id not in employee_ids:
                batch.fail(message, self._pss_wait(EMPLOYEE, data.resource_external_id))
                continue
            if data.engagement_external_id not in order_ids:
                batch.fail(message, self._pss_wait(ORDER, data.engagement_external_id))
                continue
            current = known.get(data.external_id)
            if current and data.version <= current.version:
                batch.conflict(
                    message,
                    _(
                        "version %(got)s of assignment %(ext)s ignored: version "
                        "%(have)s is applied",
                        got=data.version,
                        ext=data.external_id,
                        have=current.version,
                    ),
                )
                continue
            order = orders[order_ids[data.engagement_external_id]]
            vals = {
                "employee_id": employee_ids[data.resource_external_id],
                "order_id": order.id,
                "company_id": order.company_id.id,
                "version": data.version,
                "role": data.role,
            }
            weeks = [
                {"week_start": parse_iso_week(w.week), "hours": float(w.hours)}
                for w in data.weeks
            ]
            if current:
                replaced.append((message, current, vals, weeks))
            else:
                vals.update(system_id=system.id, external_id=data.external_id)
                to_create.append(vals)
                create_refs.append((message, weeks))
            batch.note(
                message,
                _(
                    "%(count)s week(s), %(hours)s hours planned",
                    count=len(weeks),
                    hours=sum(w["hours"] for w in weeks),
                ),
            )
        line_vals = []
        created = Assignment.create(to_create)
        for (message, weeks), assignment in zip(create_refs, created, strict=True):
            line_vals += [dict(w, assignment_id=assignment.id) for w in weeks]
            batch.record(message, assignment, "created", assignment.external_id)
        if replaced:
            self.env["pss.assignment.line"].search(
                [("assignment_id", "in", [r[1].id for r in replaced])]
            ).unlink()
        for message, assignment, vals, weeks in replaced:
            assignment.write(vals)
            line_vals += [dict(w, assignment_id=assignment.id) for w in weeks]
            batch.record(message, assignment, "updated", assignment.external_id)
        self.env["pss.assignment.line"].create(line_vals)

    @api.model
    def _pss_wait(self, model, external_id):
        what = _("resource") if model == EMPLOYEE else _("engagement")
        return PssDependencyError(
            _(
                "waiting for %(what)s %(ext)s, not known yet",
                what=what,
                ext=external_id,
            ),
            model,
            external_id,
            any_system=True,
        )
