from odoo import api, fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    pss_entity_code = fields.Char(
        string="Entity Code",
        index=True,
        copy=False,
        help="Canonical code of this legal entity in integration events "
        "(the envelope's 'entity'). Systems with other codes get a value map.",
    )
    pss_billing_frequency = fields.Selection(
        [("weekly", "Weekly"), ("monthly", "Monthly"), ("quarterly", "Quarterly")],
        string="Billing Frequency",
        default="monthly",
    )
    pss_approval_required = fields.Boolean(
        string="Invoices Need Approval",
        default=True,
        help="Draft invoices of billing runs wait for a finance approval "
        "before they are posted.",
    )
    pss_period_lock_behaviour = fields.Selection(
        [
            ("park", "Park for finance"),
            ("next_open_date", "Move to the first open date"),
            ("reject", "Reject back to the sender"),
        ],
        string="Locked Period Behaviour",
        default="park",
        help="What happens to an event dated in a locked accounting period.",
    )
    pss_payload_retention_days = fields.Integer(
        string="Payload Retention (days)",
        default=0,
        help="Payloads of this entity's finished messages are emptied after "
        "this many days, or after their system's retention when that is "
        "shorter. 0: the system's retention only.",
    )

    _sql_constraints = [
        (
            "pss_payload_retention_days_positive",
            "CHECK(pss_payload_retention_days >= 0)",
            "The payload retention of an entity cannot be negative.",
        ),
        (
            "pss_entity_code_unique",
            "unique(pss_entity_code)",
            "The entity code must be unique across companies.",
        ),
    ]

    # ------------------------------------------------------------------
    # Group reporting currency (DESIGN §7)
    # ------------------------------------------------------------------
    @api.model
    def _pss_group_currency(self):
        """The group's reporting currency (Settings → Integrations), else the
        currency of the main company."""
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("pss_core.group_currency_id")
        )
        currency = self.env["res.currency"]
        if value and str(value).isdigit():
            currency = currency.sudo().browse(int(value)).exists()
        if not currency:
            main = self.env.ref("base.main_company", raise_if_not_found=False)
            currency = (main or self.env.company).sudo().currency_id
        return currency

    @api.model
    def _pss_group_rates(self, currencies, on_date):
        """{currency id: factor} turning an amount of each currency into the
        group currency at the rate of ``on_date`` (the period end), with the
        rates of the main company. One query per call."""
        group = self._pss_group_currency()
        main = self.env.ref("base.main_company", raise_if_not_found=False)
        company = (main or self.env.company).sudo()
        rates = (currencies | group).sudo()._get_rates(company, on_date)
        return {c.id: rates[group.id] / (rates[c.id] or 1.0) for c in currencies}

    @api.model
    def _pss_to_group(self, amount, currency, on_date):
        """``amount`` of ``currency`` in the group currency on ``on_date``,
        rounded to the group currency."""
        group = self._pss_group_currency()
        factor = self._pss_group_rates(currency, on_date)[currency.id]
        return group.round(amount * factor)
