from odoo import models

from ..schemas.timesheet import TimesheetRejected


class PssHandlerTimesheetRejected(models.AbstractModel):
    """timesheet.rejected (outbound): the lines of a timesheet.approved that
    were not applied, each with its reason, sent back to the sender."""

    _name = "pss.handler.timesheet.rejected"
    _inherit = "pss.handler"
    _description = "timesheet.rejected (outbound)"
    _pss_event_type = "timesheet.rejected"
    _pss_direction = "out"
    _pss_schema = TimesheetRejected
    _pss_description = "Approved time lines refused, with a reason per line"
