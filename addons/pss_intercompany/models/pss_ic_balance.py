from odoo import api, fields, models


class PssIcBalance(models.Model):
    """Intercompany balance of a pair at the end of a period: what the
    provider has receivable from the consumer must equal what the consumer
    has payable to the provider (posted items in the agreement currency).
    A mismatch stays here for reconciliation."""

    _name = "pss.ic.balance"
    _description = "Intercompany Balance Check"
    _order = "date desc, id desc"

    run_id = fields.Many2one("pss.ic.run", ondelete="cascade", index=True)
    agreement_id = fields.Many2one(
        "pss.ic.agreement", required=True, ondelete="cascade", index=True
    )
    provider_company_id = fields.Many2one(
        related="agreement_id.provider_company_id", store=True, index=True
    )
    consumer_company_id = fields.Many2one(
        related="agreement_id.consumer_company_id", store=True, index=True
    )
    date = fields.Date(string="As Of", required=True)
    currency_id = fields.Many2one("res.currency", required=True)
    receivable = fields.Monetary(
        string="Provider's Receivable", help="From the consumer, posted."
    )
    payable = fields.Monetary(
        string="Consumer's Payable", help="To the provider, posted."
    )
    difference = fields.Monetary(compute="_compute_difference", store=True)
    state = fields.Selection(
        [("matched", "Matched"), ("mismatch", "Mismatch"), ("resolved", "Resolved")],
        required=True,
        default="matched",
        index=True,
    )
    note = fields.Text()

    @api.depends("receivable", "payable")
    def _compute_difference(self):
        for balance in self:
            balance.difference = balance.currency_id.round(
                balance.receivable - balance.payable
            )

    @api.model
    def _open_amount(self, company, partner, account_type, currency, on_date):
        self.env["account.move.line"].flush_model()
        self.env.cr.execute(
            """
            SELECT COALESCE(SUM(l.amount_currency), 0)
              FROM account_move_line l
              JOIN account_account a ON a.id = l.account_id
             WHERE l.company_id = %s AND l.partner_id = %s
               AND l.parent_state = 'posted' AND a.account_type = %s
               AND l.currency_id = %s AND l.date <= %s
            """,
            [company.id, partner.id, account_type, currency.id, on_date],
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _check(self, agreement, run):
        """Record the balance of ``agreement`` at the end of ``run``'s period."""
        provider = agreement.provider_company_id
        consumer = agreement.consumer_company_id
        currency = agreement.currency_id
        on_date = max(
            run.date_to,
            *run.charge_ids.filtered(lambda c: c.agreement_id == agreement).mapped(
                "date"
            ),
            run.date_to,
        )
        receivable = self._open_amount(
            provider, consumer.partner_id, "asset_receivable", currency, on_date
        )
        payable = -self._open_amount(
            consumer, provider.partner_id, "liability_payable", currency, on_date
        )
        matched = currency.is_zero(receivable - payable)
        return self.create(
            {
                "run_id": run.id,
                "agreement_id": agreement.id,
                "date": on_date,
                "currency_id": currency.id,
                "receivable": receivable,
                "payable": payable,
                "state": "matched" if matched else "mismatch",
            }
        )
