from odoo import api, fields, models

from ..lib.periods import effective_index


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    # Time and materials: one line per role and rate period.
    pss_role = fields.Char(
        string="Role",
        readonly=True,
        copy=False,
        help="Rate card role this line prices (time and materials).",
    )
    pss_job_id = fields.Many2one(
        "hr.job",
        string="Role Job Position",
        readonly=True,
        copy=False,
        help="Employees with this job position are billed at this line's rate "
        "(value map kind 'role_job').",
    )
    pss_rate_from = fields.Date(
        string="Rate From",
        readonly=True,
        copy=False,
        help="First day time is billed on this line (rate changes).",
    )
    pss_rate_to = fields.Date(
        string="Rate Until",
        readonly=True,
        copy=False,
        help="Last day time is billed on this line; later time goes to the "
        "role's next line.",
    )
    # Milestones
    pss_milestone_ref = fields.Char(
        string="Milestone External ID", readonly=True, copy=False
    )
    # Retainers: one line per period, invoiced by the billing run.
    pss_retainer_period = fields.Selection(
        [("month", "Month")], string="Retainer Period", readonly=True, copy=False
    )
    pss_period_start = fields.Date(string="Period Start", readonly=True, copy=False)
    pss_period_end = fields.Date(string="Period End", readonly=True, copy=False)
    pss_hours_cap = fields.Float(
        string="Hours Cap",
        readonly=True,
        copy=False,
        help="Hours included in the retainer period (billing run).",
    )

    def _pss_role_family(self):
        """Lines of the same order and role, ordered by rate start."""
        self.ensure_one()
        family = self.order_id.order_line.filtered(
            lambda line: line.pss_role == self.pss_role
        )
        return family.sorted(
            lambda line: (
                line.pss_rate_from or fields.Date.to_date("1900-01-01"),
                line.id,
            )
        )

    def _pss_rate_line_on(self, on_date):
        """The line of this line's role whose rate is in force on ``on_date``."""
        self.ensure_one()
        if not self.pss_role:
            return self
        family = self._pss_role_family()
        index = effective_index(
            [(line.pss_rate_from, line.pss_rate_to) for line in family], on_date
        )
        return family[index] if index is not None else self

    @api.model
    def _pss_current_role_lines(self, orders):
        """{(order id, role): line in force today} for ``orders``."""
        today = fields.Date.context_today(self)
        result = {}
        for order in orders:
            for line in order.order_line.filtered("pss_role"):
                key = (order.id, line.pss_role)
                if key not in result:
                    result[key] = line._pss_rate_line_on(today)
        return result
