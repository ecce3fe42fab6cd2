from odoo import api, fields, models


class PssResourceCost(models.Model):
    """Dated hourly cost of a resource: a timesheet is costed at the cost in
    force on its date; a new cost never rewrites time already recorded."""

    _name = "pss.resource.cost"
    _description = "Resource Hourly Cost"
    _order = "employee_id, date_from desc"

    employee_id = fields.Many2one(
        "hr.employee", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="employee_id.company_id", store=True, index=True
    )
    date_from = fields.Date(string="Effective From", required=True)
    amount = fields.Float(string="Hourly Cost", digits=(16, 4), required=True)
    currency_id = fields.Many2one("res.currency", required=True)

    _sql_constraints = [
        (
            "employee_date_unique",
            "unique(employee_id, date_from)",
            "One hourly cost per resource and effective date.",
        )
    ]

    @api.model
    def _pss_costs_on(self, pairs):
        """{(employee id, date): cost in the employee's company currency} for
        ``pairs`` of (employee, date), reading the history in one query."""
        employee_ids = list({emp.id for emp, _d in pairs})
        if not employee_ids:
            return {}
        history = {}
        for cost in self.search(
            [("employee_id", "in", employee_ids)], order="employee_id, date_from"
        ):
            history.setdefault(cost.employee_id.id, []).append(cost)
        result = {}
        for employee, on_date in pairs:
            key = (employee.id, on_date)
            if key in result:
                continue
            found = None
            for cost in history.get(employee.id, ()):
                if cost.date_from <= on_date:
                    found = cost
            if found is None:
                result[key] = None
                continue
            result[key] = found.currency_id._convert(
                found.amount,
                employee.currency_id,
                employee.company_id,
                on_date,
                round=False,
            )
        return result
