from collections import defaultdict

from odoo import _, api, models

from ..schemas.timesheet import TimesheetVoided
from .pss_handler_timesheet_approved import WRITE_CONTEXT

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
    _inherit = "pss.handler"
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
        self.with_context(**WRITE_CONTEXT)._pss_apply(batch)

    def _pss_apply(self, batch):
        system = batch.system
        items = list(batch)
        approved = self.env["pss.handler.timesheet.approved"]
        binding = self.env["pss.binding"]
        external_ids = {ext for _m, d in items for ext in d.lines}
        states = binding._states(system, LINE, external_ids)
        queued = self._pss_queued_versions(system, external_ids)
        timesheets = (
            self.env[LINE]
            .browse({s.res_id for s in states.values() if s.res_id})
            .exists()
        )
        by_id = {t.id: t for t in timesheets if not t.pss_reversal_id}
        locks = {c.id: c._pss_locked_until() for c in timesheets.company_id}
        to_delete = self.env[LINE]
        to_reverse = []
        exceptions = []
        rejected_out = []
        voids = {}
        for message, data in items:
            void_at = message.occurred_at or message.received_at
            removed, early, invoiced, stale = 0, 0, 0, 0
            locked = {"park": 0, "next_open_date": 0, "reject": 0}
            rejected = []
            for ext in data.lines:
                state = states.get(ext)
                timesheet = by_id.get(state.res_id) if state else None
                if (
                    timesheet is not None
                    and void_at
                    and state.applied_at
                    and void_at < state.applied_at
                ):
                    # Sent before the approval applied now: out of date.
                    stale += 1
                    continue
                timesheet_lock = (
                    locks.get(timesheet.company_id.id)
                    if timesheet is not None
                    else None
                )
                behaviour = None
                if (
                    timesheet_lock
                    and timesheet.date <= timesheet_lock
                    and not approved._pss_invoiced(timesheet)
                ):
                    behaviour = timesheet.company_id.sudo().pss_period_lock_behaviour
                    if behaviour not in ("next_open_date", "reject"):
                        behaviour = "park"
                    locked[behaviour] += 1
                    if behaviour == "reject":
                        # Refused: the time stays, the void is not recorded.
                        rejected.append(
                            (
                                ext,
                                _(
                                    "the voided time is in a locked period "
                                    "(until %s): it cannot be removed",
                                    timesheet_lock,
                                ),
                            )
                        )
                        continue
                version = max(
                    [state.version if state else 0]
                    + [
                        v
                        for at, v in queued.get(ext, ())
                        if not (void_at and at and at > void_at)
                    ]
                )
                previous = voids.get(ext)
                voids[ext] = {
                    "external_id": ext,
                    "version": max(version, previous["version"] if previous else 0),
                    "voided_at": max(
                        filter(None, [void_at, previous and previous["voided_at"]])
                    ),
                    "company_id": (
                        timesheet.company_id
                        if timesheet is not None
                        else message.company_id
                    ).id,
                }
                if timesheet is None:
                    early += 1
                    continue
                if approved._pss_invoiced(timesheet):
                    invoiced += 1
                    exceptions.append((message, timesheet, ext))
                    continue
                if behaviour == "park":
                    exceptions.append(
                        (
                            message,
                            timesheet,
                            ext,
                            approved._pss_locked_reason(timesheet_lock),
                        )
                    )
                    continue
                if behaviour == "next_open_date":
                    to_reverse.append((message, timesheet, ext))
                    continue
                batch.record(message, timesheet, "removed", ext)
                to_delete |= timesheet
                removed += 1
            if rejected:
                rejected_out.append((message, rejected))
            note = self._pss_note(removed, early, invoiced, stale, locked)
            if stale and stale == len(data.lines):
                batch.conflict(message, note)
            else:
                batch.note(message, note)
        to_delete.unlink()
        reversals = approved._pss_reverse([t for _m, t, _e in to_reverse])
        for (message, _t, ext), reversal in zip(to_reverse, reversals, strict=True):
            batch.record(message, reversal, "created", ext)
        binding._void_many(system, LINE, list(voids.values()))
        approved._pss_enqueue_rejected(system, rejected_out)
        reason = "; ".join(sorted({d.reason for _m, d in items if d.reason})) or None
        approved._pss_exceptions(system, exceptions, kind="void", reason=reason)

    def _pss_note(self, removed, early, invoiced, stale, locked):
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
