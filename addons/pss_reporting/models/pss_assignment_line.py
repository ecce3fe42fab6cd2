from odoo import fields, models


class PssAssignmentLine(models.Model):
    """Planned hours of an assignment in one ISO week (its Monday)."""

    _name = "pss.assignment.line"
    _description = "Staffing Assignment Week"
    _order = "assignment_id, week_start"

    assignment_id = fields.Many2one(
        "pss.assignment", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="assignment_id.company_id", store=True, index=True
    )
    week_start = fields.Date(string="Week (Monday)", required=True, index=True)
    hours = fields.Float(digits=(16, 2), required=True)

    _sql_constraints = [
        (
            "week_unique",
            "unique(assignment_id, week_start)",
            "A week is planned once per assignment.",
        )
    ]
