from odoo import fields, models


class PssIcChargeLine(models.Model):
    """One charged timesheet (or the adjustment of one charged before).

    Everything that made the price is frozen here: a later change of cost,
    markup, rate or exchange rate never changes what was charged.
    """

    _name = "pss.ic.charge.line"
    _description = "Intercompany Charge Line"
    _order = "charge_id, date, id"

    charge_id = fields.Many2one(
        "pss.ic.charge", required=True, ondelete="cascade", index=True
    )
    agreement_id = fields.Many2one(
        related="charge_id.agreement_id", store=True, index=True
    )
    provider_company_id = fields.Many2one(
        related="charge_id.provider_company_id", store=True
    )
    consumer_company_id = fields.Many2one(
        related="charge_id.consumer_company_id", store=True
    )
    timesheet_id = fields.Many2one(
        "account.analytic.line",
        ondelete="set null",
        index="btree_not_null",
        readonly=True,
        help="Empty once the timesheet was voided (deleted) after charging.",
    )
    timesheet_ref = fields.Integer(
        string="Timesheet ID",
        required=True,
        index=True,
        readonly=True,
        help="Id of the charged timesheet, kept when it is deleted so its "
        "reversal can be charged.",
    )
    is_adjustment = fields.Boolean(readonly=True, default=False)
    employee_id = fields.Many2one("hr.employee", readonly=True)
    date = fields.Date(readonly=True, required=True)
    hours = fields.Float(digits=(16, 4), readonly=True)
    cost = fields.Float(
        string="Hourly Cost",
        digits=(16, 6),
        readonly=True,
        groups="pss_core.group_pss_cost",
        help="Cost of the resource in force on the day, in the agreement "
        "currency (cost plus pricing).",
    )
    cost_currency_id = fields.Many2one("res.currency", readonly=True)
    cost_rate = fields.Float(
        string="Exchange Rate",
        digits=(16, 8),
        readonly=True,
        groups="pss_core.group_pss_cost",
        help="Agreement currency units per cost currency unit on the day.",
    )
    markup = fields.Float(string="Markup (%)", digits=(16, 4), readonly=True)
    unit_price = fields.Float(digits=(16, 6), readonly=True)
    amount = fields.Monetary(readonly=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)

    def init(self):
        # A timesheet is charged once: its adjustments are further lines.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS pss_ic_charge_line_timesheet_once
                ON pss_ic_charge_line (timesheet_ref)
             WHERE is_adjustment IS NOT TRUE
            """
        )
