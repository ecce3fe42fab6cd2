from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError

from odoo.addons.pss_core.lib.texts import counted

TILES = (
    "unbilled",
    "draft_invoices",
    "failed_messages",
    "stuck_retries",
    "open_variances",
    "ic_mismatches",
    "last_signed",
)


class PssReconDashboard(models.Model):
    """Finance control dashboard: one card per entity (an SQL view over the
    companies). Every figure is computed from the same domain its tile opens
    (``_tile_domain``), so a tile's number is always the count or sum of the
    records behind it. Amounts in the entity's currency and, converted at
    today's rates, in the group currency."""

    _name = "pss.recon.dashboard"
    _description = "Finance Control Dashboard"
    _auto = False
    _order = "company_id"

    company_id = fields.Many2one("res.company", string="Entity", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    group_currency_id = fields.Many2one("res.currency", compute="_compute_tiles")
    unbilled_value = fields.Monetary(
        compute="_compute_tiles", currency_field="currency_id"
    )
    unbilled_value_group = fields.Monetary(
        compute="_compute_tiles", currency_field="group_currency_id"
    )
    unbilled_hours = fields.Float(compute="_compute_tiles", digits=(16, 2))
    unbilled_oldest_days = fields.Integer(compute="_compute_tiles")
    # Approved time on draft invoices waiting for finance: neither unbilled
    # nor invoiced yet (the third bucket).
    draft_value = fields.Monetary(
        string="On Draft Invoices",
        compute="_compute_tiles",
        currency_field="currency_id",
    )
    draft_value_group = fields.Monetary(
        compute="_compute_tiles", currency_field="group_currency_id"
    )
    draft_hours = fields.Float(compute="_compute_tiles", digits=(16, 2))
    failed_message_count = fields.Integer(
        string="Dead & Parked", compute="_compute_tiles"
    )
    stuck_retry_count = fields.Integer(string="Stuck Retries", compute="_compute_tiles")
    open_variance_count = fields.Integer(
        string="Open Variances", compute="_compute_tiles"
    )
    ic_mismatch_count = fields.Integer(string="IC Mismatches", compute="_compute_tiles")
    last_signed_run_id = fields.Many2one(
        "pss.recon.run", string="Last Signed Off", compute="_compute_tiles"
    )
    alert = fields.Boolean(compute="_compute_tiles")
    alert_reason = fields.Char(
        string="Thresholds Crossed",
        compute="_compute_tiles",
        help="Which thresholds of the entity's policy are crossed.",
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            f"""
            CREATE OR REPLACE VIEW {self._table} AS (
                SELECT c.id AS id, c.id AS company_id, c.currency_id
                  FROM res_company c
                 WHERE c.active IS TRUE
            )
            """
        )

    # ------------------------------------------------------------------
    # Domains: what each tile opens, and counts
    # ------------------------------------------------------------------
    @api.model
    def _tile_model(self, tile):
        return {
            "unbilled": "pss.billing.wip",
            "draft_invoices": "pss.billing.wip",
            "failed_messages": "pss.message",
            "stuck_retries": "pss.message",
            "open_variances": "pss.recon.line",
            "ic_mismatches": "pss.ic.balance",
            "last_signed": "pss.recon.run",
        }[tile]

    @api.model
    def _tile_domain(self, tile, companies, now=None):
        ids = companies.ids
        # Approved time billed by the hour: on no invoice, or on a draft.
        wip_states = {"unbilled": "unbilled", "draft_invoices": "to_approve"}
        if tile in wip_states:
            return [
                ("company_id", "in", ids),
                ("approved", "=", True),
                ("billing_state", "=", wip_states[tile]),
            ]
        if tile == "failed_messages":
            return [("company_id", "in", ids), ("state", "in", ("dead", "parked"))]
        if tile == "stuck_retries":
            now = now or fields.Datetime.now()
            rows = self.env["pss.recon.run"].sudo()._health_rows(companies, now=now)
            message_ids = [
                i for _c, _s, state, m in rows if state == "retrying" for i in m
            ]
            return [("id", "in", message_ids)]
        if tile == "open_variances":
            return self.env["pss.recon.line"]._open_domain(companies)
        if tile == "ic_mismatches":
            return [
                ("state", "=", "mismatch"),
                "|",
                ("provider_company_id", "in", ids),
                ("consumer_company_id", "in", ids),
            ]
        if tile == "last_signed":
            return [("company_id", "in", ids), ("state", "=", "signed")]
        raise UserError(_("Unknown tile %s", tile))

    def _compute_tiles(self):
        today = fields.Date.context_today(self)
        companies_model = self.env["res.company"]
        group_currency = companies_model._pss_group_currency()
        now = fields.Datetime.now()
        for card in self:
            company = card.company_id
            wip = (
                self.env["pss.billing.wip"]
                .sudo()
                .search(self._tile_domain("unbilled", company))
            )
            value = company.currency_id.round(sum(wip.mapped("value_sale")))
            oldest = min(wip.mapped("oldest_date"), default=None)
            card.group_currency_id = group_currency
            card.unbilled_value = value
            # The sum of the group values of the rows the tile opens (not
            # the entity's total converted: cents of rounding apart).
            card.unbilled_value_group = group_currency.round(
                sum(wip.mapped("value_sale_group"))
            )
            card.unbilled_hours = sum(wip.mapped("hours"))
            card.unbilled_oldest_days = (today - oldest).days if oldest else 0
            drafts = (
                self.env["pss.billing.wip"]
                .sudo()
                .search(self._tile_domain("draft_invoices", company))
            )
            card.draft_value = company.currency_id.round(
                sum(drafts.mapped("value_sale"))
            )
            card.draft_value_group = group_currency.round(
                sum(drafts.mapped("value_sale_group"))
            )
            card.draft_hours = sum(drafts.mapped("hours"))
            card.failed_message_count = self._tile_count("failed_messages", company)
            card.stuck_retry_count = self._tile_count("stuck_retries", company, now)
            card.open_variance_count = self._tile_count("open_variances", company)
            card.ic_mismatch_count = self._tile_count("ic_mismatches", company)
            card.last_signed_run_id = (
                self.env["pss.recon.run"]
                .sudo()
                .search(
                    self._tile_domain("last_signed", company),
                    order="signed_at desc, id desc",
                    limit=1,
                )
            )
            reasons = card._pss_crossed()
            card.alert = bool(reasons)
            card.alert_reason = "; ".join(reasons) or False

    def _tile_count(self, tile, company, now=None):
        return (
            self.env[self._tile_model(tile)]
            .sudo()
            .search_count(self._tile_domain(tile, company, now=now))
        )

    def _pss_crossed(self):
        """Reasons the entity's thresholds are crossed (empty: none)."""
        self.ensure_one()
        company = self.company_id.sudo()
        reasons = []
        failed = self.failed_message_count + self.stuck_retry_count
        if failed > company.pss_recon_max_messages:
            reasons.append(
                counted(
                    failed,
                    _("%(count)s failed or stuck message (threshold %(max)s)"),
                    _("%(count)s failed or stuck messages (threshold %(max)s)"),
                    max=company.pss_recon_max_messages,
                )
            )
        if self.open_variance_count > company.pss_recon_max_variances:
            reasons.append(
                counted(
                    self.open_variance_count,
                    _("%(count)s open variance (threshold %(max)s)"),
                    _("%(count)s open variances (threshold %(max)s)"),
                    max=company.pss_recon_max_variances,
                )
            )
        if self.ic_mismatch_count:
            reasons.append(
                counted(
                    self.ic_mismatch_count,
                    _("%(count)s intercompany mismatch (threshold 0)"),
                    _("%(count)s intercompany mismatches (threshold 0)"),
                )
            )
        return reasons

    # ------------------------------------------------------------------
    # Tiles
    # ------------------------------------------------------------------
    def action_open_tile(self):
        self.ensure_one()
        tile = self.env.context.get("tile")
        if tile not in TILES:
            raise UserError(_("Unknown tile %s", tile))
        model = self._tile_model(tile)
        names = {
            "unbilled": _("Unbilled approved time"),
            "draft_invoices": _("Time on draft invoices"),
            "failed_messages": _("Dead and parked messages"),
            "stuck_retries": _("Stuck retries"),
            "open_variances": _("Open variances"),
            "ic_mismatches": _("Intercompany mismatches"),
            "last_signed": _("Signed-off runs"),
        }
        return {
            "type": "ir.actions.act_window",
            "name": f"{names[tile]} · {self.company_id.name}",
            "res_model": model,
            "view_mode": "tree,form",
            "domain": self._tile_domain(tile, self.company_id),
            "context": {"create": False},
        }

    # ------------------------------------------------------------------
    # Alerts
    # ------------------------------------------------------------------
    @api.model
    def _pss_alert(self, companies):
        """Schedule a to-do on the entity's latest run for finance when a
        threshold of its policy is crossed (one open to-do per person)."""
        cards = self.sudo().browse(companies.ids).exists()
        finance = self.env.ref("pss_core.group_pss_finance").sudo()
        todo = self.env.ref("mail.mail_activity_data_todo")
        Run = self.env["pss.recon.run"].sudo()
        for card in cards:
            reasons = card._pss_crossed()
            if not reasons:
                continue
            company = card.company_id.sudo()
            run = Run.search(
                [("company_id", "=", company.id), ("is_latest", "=", True)],
                order="date_to desc, id desc",
                limit=1,
            )
            if not run:
                continue
            users = company.pss_recon_user_id or finance.users.filtered(
                lambda u, c=company: c in u.company_ids and not u.share and u.active
            )
            has = set(
                run.activity_ids.filtered(
                    lambda a, t=todo: a.activity_type_id == t
                ).user_id.ids
            )
            for user in users:
                if user.id in has:
                    continue
                run.activity_schedule(
                    "mail.mail_activity_data_todo",
                    user_id=user.id,
                    summary=_("Integration control: %s", ", ".join(reasons)),
                )
