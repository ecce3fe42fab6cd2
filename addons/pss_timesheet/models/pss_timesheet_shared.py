from datetime import timedelta

from odoo import _, api, models

from ..lib.timesheet_plan import Timesheet
from ..schemas.timesheet import TimesheetRejected

LINE = "account.analytic.line"

# Context of the bulk writes: no follower / notification per timesheet.
WRITE_CONTEXT = {
    "mail_create_nosubscribe": True,
    "mail_auto_subscribe_no_notify": True,
    "tracking_disable": True,
}


class PssTimesheetShared(models.AbstractModel):
    """What the time handlers share (timesheet.approved, timesheet.voided,
    finance's rejection of held lines): the facts of existing timesheets,
    exceptions for finance, reversals on the first open date,
    timesheet.rejected to the sender.

    Inherited by the handlers, looked up by the rest: no handler looks up
    another handler.
    """

    _name = "pss.timesheet.shared"
    _description = "PSS time handlers: shared steps"

    def _pss_timesheet_facts(self, timesheets):
        """{id: Timesheet} of the lines' timesheets. A timesheet reversed in
        an open period (its period was locked) is gone for the sender: a
        re-approval creates a new one."""
        return {
            t.id: Timesheet(
                t.id,
                t.company_id.id,
                t.project_id.id,
                t.employee_id.id,
                t.date,
                self._pss_invoiced(t),
            )
            for t in timesheets
            if not t.pss_reversal_id
        }

    @api.model
    def _pss_invoiced(self, timesheet):
        invoice = timesheet.timesheet_invoice_id
        return bool(invoice) and invoice.state != "cancel"

    @api.model
    def _pss_locked_reason(self, lock):
        return _("dated in a locked period (until %s)", lock)

    @api.model
    def _pss_enqueue_rejected(self, system, rejected_out):
        """One timesheet.rejected per message, with a reason per line."""
        if not rejected_out:
            return
        items = []
        for message, rejected in rejected_out:
            payload = TimesheetRejected(
                event_id=message.external_event_id,
                lines=[{"external_id": ext, "reason": str(r)} for ext, r in rejected],
            ).model_dump(mode="json")
            items.append(
                {
                    "event_type": "timesheet.rejected",
                    "payload": payload,
                    "idempotency_key": f"timesheet.rejected:{message.idempotency_key}",
                    "company_id": message.company_id.id,
                    "entity_code": message.entity_code,
                    "correlation_id": message.correlation_id or message.uuid,
                }
            )
        self.env["pss.message"].enqueue_many(system, items, direction="out")

    @api.model
    def _pss_exceptions(self, system, exceptions, kind="update", reason=None):
        """Time the sender wants changed that finance must decide on: already
        invoiced, or in a locked period (park for finance). Entries are
        (message, timesheet, line or external id[, why])."""
        if not exceptions:
            return
        vals_list = []
        for message, timesheet, line, *why in exceptions:
            external_id = line if isinstance(line, str) else line.external_id
            invoice = timesheet.timesheet_invoice_id
            where = why[0] if why else _("invoiced in %s", invoice.name)
            vals_list.append(
                {
                    "name": f"{external_id}: {where}",
                    "kind": kind,
                    "timesheet_id": timesheet.id,
                    "invoice_id": invoice.id,
                    "company_id": timesheet.company_id.id,
                    "system_id": system.id,
                    "message_id": message.id,
                    "external_id": external_id,
                    "version": 0 if isinstance(line, str) else line.version,
                    "requested": None
                    if isinstance(line, str)
                    else line.model_dump(mode="json"),
                    "reason": "; ".join(filter(None, [reason, why[0] if why else None]))
                    or None,
                }
            )
        self.env["pss.timesheet.exception"].create(vals_list)

    @api.model
    def _pss_reverse(self, timesheets, maps=None):
        """Reverse ``timesheets`` (dated in a locked period) with a negative
        line on the first open date of their company: the locked month is
        untouched and the sale order's delivered hours net out."""
        if not timesheets:
            return self.env[LINE]
        vals_list = []
        for timesheet in timesheets:
            lock = timesheet.company_id._pss_locked_until()
            vals_list.append(
                {
                    "name": _("Reversal of %s", timesheet.name),
                    "date": (lock or timesheet.date) + timedelta(days=1),
                    "unit_amount": -timesheet.unit_amount,
                    "amount": -timesheet.amount,
                    "project_id": timesheet.project_id.id,
                    "task_id": timesheet.task_id.id,
                    "employee_id": timesheet.employee_id.id,
                    "company_id": timesheet.company_id.id,
                    "so_line": timesheet.so_line.id,
                    "is_so_line_edited": True,
                    "pss_system_id": timesheet.pss_system_id.id,
                    "pss_external_id": timesheet.pss_external_id,
                    "pss_version": timesheet.pss_version,
                    "pss_hourly_cost": timesheet.pss_hourly_cost,
                    "pss_intercompany": timesheet.pss_intercompany,
                    "pss_resource_company_id": timesheet.pss_resource_company_id.id,
                    "pss_reverses_id": timesheet.id,
                }
            )
        reversals = (
            self.env[LINE].with_context(pss_employee_maps=maps or {}).create(vals_list)
        )
        for timesheet, reversal in zip(timesheets, reversals, strict=True):
            timesheet.pss_reversal_id = reversal
        return reversals
