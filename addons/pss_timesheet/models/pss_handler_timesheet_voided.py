from odoo import _, api, models

from ..schemas.timesheet import TimesheetVoided

LINE = "account.analytic.line"


class PssHandlerTimesheetVoided(models.AbstractModel):
    """timesheet.voided: the sender withdraws approved lines.

    An uninvoiced timesheet is deleted; an invoiced one is never changed: it
    becomes a ``pss.timesheet.exception`` for finance. The binding stays (with
    its version), so an older re-approval cannot bring the line back.
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

    def _pss_process(self, batch):
        system = batch.system
        items = list(batch)
        approved = self.env["pss.handler.timesheet.approved"]
        bound = self.env["pss.binding"]._resolve(
            system, LINE, [ext for _m, d in items for ext in d.lines]
        )
        timesheets = self.env[LINE].browse(set(bound.values())).exists()
        by_id = {t.id: t for t in timesheets}
        to_delete = self.env[LINE]
        exceptions = []
        for message, data in items:
            removed, unknown, invoiced = 0, 0, 0
            for ext in data.lines:
                timesheet = by_id.get(bound.get(ext))
                if timesheet is None:
                    unknown += 1
                    continue
                if approved._pss_invoiced(timesheet):
                    invoiced += 1
                    exceptions.append((message, timesheet, ext))
                    continue
                batch.record(message, timesheet, "removed", ext)
                to_delete |= timesheet
                removed += 1
            note = _("%s removed", removed)
            if invoiced:
                note += _(", %s already invoiced: exception for finance", invoiced)
            if unknown:
                note += _(", %s unknown or already removed", unknown)
            batch.note(message, note)
        to_delete.unlink()
        reason = "; ".join(sorted({d.reason for _m, d in items if d.reason})) or None
        approved._pss_exceptions(system, exceptions, kind="void", reason=reason)
