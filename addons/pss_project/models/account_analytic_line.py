from odoo import api, models


class AccountAnalyticLine(models.Model):
    _inherit = "account.analytic.line"

    @api.depends(
        "task_id.sale_line_id",
        "project_id.sale_line_id",
        "employee_id",
        "project_id.allow_billable",
        "date",
    )
    def _compute_so_line(self):
        # Same as sale_timesheet, plus the date: a rate change is dated.
        return super()._compute_so_line()

    def _timesheet_determine_sale_line(self):
        """Odoo's choice of line, moved to the role line in force on the date.

        A rate-card role has one line per rate period (see
        ``sale.order.line.pss_rate_from``); whichever of them Odoo picks
        (employee map, task, project), the time is billed at the rate in
        force on the timesheet's date.
        """
        line = super()._timesheet_determine_sale_line()
        if line and line.pss_role:
            return line._pss_rate_line_on(self.date)
        return line
