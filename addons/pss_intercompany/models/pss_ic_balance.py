from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

FINANCE_GROUP = "pss_core.group_pss_finance"
# What only "Resolve with reason" changes (a superuser too).
RESOLUTION_FIELDS = {"state", "resolution", "resolved_by_id", "resolved_at"}


class PssIcBalance(models.Model):
    """Intercompany balance of a pair at the end of a period: what the
    provider has receivable from the consumer must equal what the consumer
    has payable to the provider (posted items in the agreement currency).
    A mismatch stays here for reconciliation."""

    _name = "pss.ic.balance"
    _description = "Intercompany Balance Check"
    _inherit = ["pss.storable.text"]
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
        readonly=True,
    )
    note = fields.Text()
    resolution = fields.Text(
        string="Resolution Reason",
        readonly=True,
        help="Why the mismatch was accepted: given with Resolve with reason.",
    )
    resolved_by_id = fields.Many2one("res.users", readonly=True)
    resolved_at = fields.Datetime(readonly=True)

    # ------------------------------------------------------------------
    # A mismatch is resolved only with a reason, and audited
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                if vals.get("state") == "resolved" or RESOLUTION_FIELDS & (
                    set(vals) - {"state"}
                ):
                    raise AccessError(
                        _("A balance check is resolved only with a reason.")
                    )
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and RESOLUTION_FIELDS & set(vals):
            raise AccessError(
                _(
                    "The state of a balance check is its figures' or its "
                    "resolution's: use Resolve with reason."
                )
            )
        return super().write(vals)

    def action_resolve(self, reason):
        """Resolve mismatches with ``reason``: who, when and why are kept."""
        if not self.env.user.has_group(FINANCE_GROUP):
            raise AccessError(_("Only pss Finance resolves a balance mismatch."))
        reason = (reason or "").strip()
        if not reason:
            raise UserError(_("Give the reason of the resolution."))
        self.check_access_rights("write")
        self.check_access_rule("write")
        if any(balance.state != "mismatch" for balance in self):
            raise UserError(_("Only a mismatch is resolved."))
        self.sudo().write(
            {
                "state": "resolved",
                "resolution": reason,
                "resolved_by_id": self.env.uid,
                "resolved_at": fields.Datetime.now(),
            }
        )
        return True

    def action_open_resolve(self):
        return {
            "type": "ir.actions.act_window",
            "name": _("Resolve with reason"),
            "res_model": "pss.ic.balance.resolve",
            "view_mode": "form",
            "target": "new",
            "context": {"active_model": self._name, "active_ids": self.ids},
        }

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
