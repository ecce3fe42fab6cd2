from odoo import fields, models


class AccountAnalyticLine(models.Model):
    _inherit = "account.analytic.line"

    pss_system_id = fields.Many2one(
        "pss.system",
        string="Source System",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    pss_external_id = fields.Char(
        string="External ID", readonly=True, copy=False, index="btree_not_null"
    )
    pss_version = fields.Integer(string="External Version", readonly=True, copy=False)
    pss_approved_by = fields.Char(string="Approved By", readonly=True, copy=False)
    pss_approved_at = fields.Datetime(string="Approved At", readonly=True, copy=False)
    pss_hourly_cost = fields.Float(
        string="Hourly Cost Applied",
        digits=(16, 4),
        readonly=True,
        copy=False,
        help="Cost of the resource in force on the date of the time (company "
        "currency of the employee). Empty: the employee's current cost.",
    )
    pss_intercompany = fields.Boolean(
        string="Intercompany",
        readonly=True,
        copy=False,
        help="The resource belongs to another legal entity than the project: "
        "the work is charged between the entities (pss_intercompany).",
    )
    pss_resource_company_id = fields.Many2one(
        "res.company", string="Resource Entity", readonly=True, copy=False
    )

    pss_reversal_id = fields.Many2one(
        "account.analytic.line",
        string="Reversed By",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The sender voided or changed this time after its period was "
        "locked: this line on the first open date reverses it.",
    )
    pss_reverses_id = fields.Many2one(
        "account.analytic.line",
        string="Reverses",
        readonly=True,
        copy=False,
        help="The locked time this line reverses.",
    )

    def _hourly_cost(self):
        if self.pss_hourly_cost:
            return self.pss_hourly_cost
        return super()._hourly_cost()

    def _get_employee_mapping_entry(self):
        """sale_timesheet searches the employee map once per timesheet; the
        timesheet handler reads the maps of its projects once per batch and
        passes them in the context ({(project id, employee id): map id})."""
        maps = self.env.context.get("pss_employee_maps")
        if maps is None:
            return super()._get_employee_mapping_entry()
        self.ensure_one()
        employee = self.employee_id or self.env.user.employee_id
        return self.env["project.sale.line.employee.map"].browse(
            maps.get((self.project_id.id, employee.id), [])
        )

    def _timesheet_postprocess_values(self, values):
        # The handler computes the amount from the cost in force on the
        # line's date and passes it with the values: hr_timesheet would
        # otherwise recompute it and write it line by line after the insert.
        if "amount" in values and values.get("pss_hourly_cost"):
            values = {
                key: value
                for key, value in values.items()
                if key not in ("unit_amount", "employee_id", "account_id")
            }
        return super()._timesheet_postprocess_values(values)
