from odoo import fields, models


class PssReconStatement(models.Model):
    """The control totals a system sent for an entity and a period. One per
    system, entity and period: a newer version replaces the lines."""

    _name = "pss.recon.statement"
    _description = "Control Totals"
    _order = "date_to desc, id desc"

    name = fields.Char(compute="_compute_name")
    system_id = fields.Many2one(
        "pss.system", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        "res.company", string="Entity", required=True, readonly=True, index=True
    )
    date_from = fields.Date(required=True, readonly=True)
    date_to = fields.Date(required=True, readonly=True)
    version = fields.Integer(required=True, readonly=True)
    message_id = fields.Many2one(
        "pss.message", string="Last Message", readonly=True, ondelete="set null"
    )
    received_at = fields.Datetime(readonly=True)
    line_ids = fields.One2many(
        "pss.recon.statement.line", "statement_id", string="Totals", readonly=True
    )
    line_count = fields.Integer(compute="_compute_line_count")

    _sql_constraints = [
        (
            "period_unique",
            "unique(system_id, company_id, date_from, date_to)",
            "One statement per system, entity and period.",
        )
    ]

    def _compute_name(self):
        for statement in self:
            statement.name = (
                f"{statement.system_id.code} {statement.date_from} - "
                f"{statement.date_to} v{statement.version}"
            )

    def _compute_line_count(self):
        for statement in self:
            statement.line_count = len(statement.line_ids)
