from odoo import api, fields, models


class PssAssignment(models.Model):
    """A resource staffed on an engagement by the PSA (assignment.updated):
    the latest version of its weekly plan."""

    _name = "pss.assignment"
    _description = "Staffing Assignment"
    _order = "order_id, employee_id, id"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    system_id = fields.Many2one(
        "pss.system", required=True, ondelete="restrict", readonly=True
    )
    external_id = fields.Char(required=True, readonly=True, index=True)
    version = fields.Integer(required=True, readonly=True)
    company_id = fields.Many2one(
        "res.company", string="Entity", required=True, readonly=True, index=True
    )
    employee_id = fields.Many2one(
        "hr.employee", string="Resource", required=True, readonly=True, index=True
    )
    order_id = fields.Many2one(
        "sale.order", string="Engagement", required=True, readonly=True, index=True
    )
    partner_id = fields.Many2one(related="order_id.partner_id", store=True)
    role = fields.Char(readonly=True)
    line_ids = fields.One2many("pss.assignment.line", "assignment_id", readonly=True)
    planned_hours = fields.Float(
        compute="_compute_planned_hours", store=True, digits=(16, 2)
    )

    _sql_constraints = [
        (
            "external_id_unique",
            "unique(system_id, external_id)",
            "An assignment is known once per system.",
        )
    ]

    @api.depends("employee_id.name", "order_id.name")
    def _compute_name(self):
        for assignment in self:
            assignment.name = (
                f"{assignment.employee_id.name or '?'} / "
                f"{assignment.order_id.name or '?'}"
            )

    @api.depends("line_ids.hours")
    def _compute_planned_hours(self):
        for assignment in self:
            assignment.planned_hours = sum(assignment.line_ids.mapped("hours"))
