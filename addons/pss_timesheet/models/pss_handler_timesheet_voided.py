from collections import defaultdict

from odoo import _, api, models

from ..lib import void_plan as vp
from ..schemas.timesheet import TimesheetVoided
from .pss_timesheet_shared import WRITE_CONTEXT

LINE = "account.analytic.line"
# Approvals not applied yet: a void withdraws the versions they carry too.
OPEN_STATES = ("pending", "running", "retrying", "parked")


class PssHandlerTimesheetVoided(models.AbstractModel):
    """timesheet.voided: the sender withdraws approved lines.

    An uninvoiced timesheet is deleted; an invoiced one is never changed: it
    becomes a ``pss.timesheet.exception`` for finance.

    Every void is kept on the line's binding (``voided_version``,
    ``voided_at``), also for a line that has no timesheet (yet): its approval
    may still be waiting for a resource, be redelivered or requeued. The
    approval handler ignores any approval of the line at or below the voided
    version or sent before the void, so a voided line never comes back, in
    whatever order the queue applies the two. The voided version is the
    highest of the applied version and the versions of the line's approvals
    still in the queue that were sent before the void. A void sent before the
    approval that is applied now (the void was retrying) changes nothing.

    Time dated in a locked period follows the company's locked-period
    behaviour: *park* leaves it for finance (a ``pss.timesheet.exception``),
    *next open date* reverses it with a negative line on the first open date,
    *reject* refuses the void back to the sender (``timesheet.rejected``) and
    keeps the time. The closed month is never changed.
    """

    _name = "pss.handler.timesheet.voided"
    _inherit = ["pss.handler", "pss.timesheet.shared"]
    _description = "timesheet.voided"
    _pss_event_type = "timesheet.voided"
    _pss_groups = "pss_timesheet.group_pss_psa_time_integration"
    _pss_schema = TimesheetVoided
    _pss_description = "Withdrawn time lines: removed, or an exception if invoiced"

    @api.model
    def _pss_sequence_key(self, data):
        return None

    @api.model
    def _pss_queued_versions(self, system, external_ids):
        """{external id: [(event time, highest version)]} of the lines in the
        system's approvals not applied yet (one query)."""
        if not external_ids:
            return {}
        self.env["pss.message"].flush_model()
        self.env.cr.execute(
            """
            SELECT line->>'external_id', m.occurred_at,
                   max(CASE WHEN line->>'version' ~ '^[0-9]{1,9}$'
                            THEN (line->>'version')::int ELSE 1 END)
              FROM pss_message m,
                   jsonb_array_elements(
                       CASE WHEN jsonb_typeof(m.payload->'lines') = 'array'
                            THEN m.payload->'lines' ELSE '[]'::jsonb END
                   ) AS line
             WHERE m.system_id = %s AND m.direction = 'in'
               AND m.event_type = 'timesheet.approved'
               AND m.state IN %s
               AND line->>'external_id' IN %s
             GROUP BY 1, 2
            """,
            [system.id, OPEN_STATES, tuple(external_ids)],
        )
        queued = defaultdict(list)
        for ext, occurred_at, version in self.env.cr.fetchall():
            queued[ext].append((occurred_at, version))
        return queued

    def _pss_process(self, batch):
        return super(
            PssHandlerTimesheetVoided, self.with_context(**WRITE_CONTEXT)
        )._pss_process(batch)

    def _pss_lookups(self, batch):
        """Bindings, queued approvals, timesheets and locks: one query each."""
        system = batch.system
        external_ids = {ext for _m, d in batch for ext in d.lines}
        states = self.env["pss.binding"]._states(system, LINE, external_ids)
        timesheets = (
            self.env[LINE]
            .browse({s.res_id for s in states.values() if s.res_id})
            .exists()
        )
        companies = timesheets.company_id
        return vp.VoidFacts(
            states=states,
            timesheets=self._pss_timesheet_facts(timesheets),
            locks={c.id: c._pss_locked_until() for c in companies},
            behaviours={c.id: c.sudo().pss_period_lock_behaviour for c in companies},
            queued=self._pss_queued_versions(system, external_ids),
        )

    def _pss_plan(self, batch, facts):
        """(messages with their steps, voids to record on the bindings)."""
        items = list(batch)
        plans, voids = vp.plan_voids(
            [
                (m.occurred_at or m.received_at, m.company_id.id, d.lines)
                for m, d in items
            ],
            facts,
        )
        return [(m, steps) for (m, _d), steps in zip(items, plans, strict=True)], voids

    def _pss_write(self, batch, plan):
        """Delete, reverse, record the voids, then exceptions and rejections."""
        messages, voids = plan
        system, Line = batch.system, self.env[LINE]
        to_delete, to_reverse, exceptions, rejected_out = Line, [], [], []
        for message, steps in messages:
            for step in steps:
                timesheet = Line.browse(step.timesheet_id)
                if step.kind == vp.REMOVE:
                    batch.record(message, timesheet, "removed", step.external_id)
                    to_delete |= timesheet
                elif step.kind == vp.REVERSE:
                    to_reverse.append((message, timesheet, step.external_id))
                elif step.kind == vp.EXCEPTION:
                    why = (self._pss_locked_reason(step.lock),) if step.lock else ()
                    exceptions.append((message, timesheet, step.external_id, *why))
            rejected = [
                (
                    s.external_id,
                    _(
                        "the voided time is in a locked period "
                        "(until %s): it cannot be removed",
                        s.lock,
                    ),
                )
                for s in steps
                if s.kind == vp.REJECTED
            ]
            if rejected:
                rejected_out.append((message, rejected))
            note = self._pss_note(steps)
            if all(s.kind == vp.STALE for s in steps) and steps:
                batch.conflict(message, note)
            else:
                batch.note(message, note)
        to_delete.unlink()
        reversals = self._pss_reverse([t for _m, t, _e in to_reverse])
        for (message, _t, ext), reversal in zip(to_reverse, reversals, strict=True):
            batch.record(message, reversal, "created", ext)
        self.env["pss.binding"]._void_many(system, LINE, voids)
        self._pss_enqueue_rejected(system, rejected_out)
        reason = "; ".join(sorted({d.reason for _m, d in batch if d.reason})) or None
        self._pss_exceptions(system, exceptions, kind="void", reason=reason)

    def _pss_note(self, steps):
        def count(kind, locked=None):
            return sum(
                1
                for s in steps
                if s.kind == kind and (locked is None or s.locked == locked)
            )

        removed, early, stale = count(vp.REMOVE), count(vp.EARLY), count(vp.STALE)
        invoiced = sum(1 for s in steps if s.kind == vp.EXCEPTION and not s.lock)
        locked = {
            "park": count(vp.EXCEPTION, "park"),
            "next_open_date": count(vp.REVERSE),
            "reject": count(vp.REJECTED),
        }
        note = _("%s removed", removed)
        if locked["park"]:
            note += _(", %s in a locked period: exception for finance", locked["park"])
        if locked["next_open_date"]:
            note += _(
                ", %s in a locked period: reversed on the first open date",
                locked["next_open_date"],
            )
        if locked["reject"]:
            note += _(
                ", %s in a locked period: rejected to the sender", locked["reject"]
            )
        if invoiced:
            note += _(", %s already invoiced: exception for finance", invoiced)
        if early:
            note += _(
                ", %s without time (not applied yet or already removed): "
                "voided, a later approval of them is ignored",
                early,
            )
        if stale:
            note += _(", %s unchanged: re-approved after this void was sent", stale)
        return note
