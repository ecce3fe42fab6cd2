from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class PssIcAgreement(models.Model):
    """Transfer-pricing agreement between a provider and a consumer entity.

    Effective dated: at most one agreement of a pair is in force on a day.
    """

    _name = "pss.ic.agreement"
    _description = "Intercompany Agreement"
    _order = "provider_company_id, consumer_company_id, date_from desc"

    name = fields.Char(compute="_compute_name", store=True)
    active = fields.Boolean(default=True)
    provider_company_id = fields.Many2one(
        "res.company",
        string="Provider",
        required=True,
        index=True,
        help="The entity whose people do the work; it invoices.",
    )
    consumer_company_id = fields.Many2one(
        "res.company",
        string="Consumer",
        required=True,
        index=True,
        help="The entity that owns the project; it receives the vendor bill.",
    )
    date_from = fields.Date(string="Effective From", required=True)
    date_to = fields.Date(string="Effective To", help="Empty: open ended.")
    pricing = fields.Selection(
        [("cost_plus", "Hourly cost plus markup"), ("role_rate", "Rate per role")],
        required=True,
        default="cost_plus",
    )
    markup = fields.Float(
        string="Markup (%)",
        digits=(16, 4),
        help="Added to the resource's hourly cost in force on the day of the time.",
    )
    rate_ids = fields.One2many(
        "pss.ic.agreement.rate", "agreement_id", string="Rates per Role", copy=True
    )
    product_id = fields.Many2one(
        "product.product",
        string="Service Product",
        required=True,
        domain=[("type", "=", "service")],
        help="Its income account and sale taxes (in the provider) and expense "
        "account and purchase taxes (in the consumer) are used.",
    )
    currency_id = fields.Many2one("res.currency", required=True)
    provider_journal_id = fields.Many2one(
        "account.journal",
        string="Provider Sales Journal",
        required=True,
        check_company=False,
        domain="[('type', '=', 'sale'), ('company_id', '=', provider_company_id)]",
    )
    consumer_journal_id = fields.Many2one(
        "account.journal",
        string="Consumer Purchase Journal",
        required=True,
        domain="[('type', '=', 'purchase'), ('company_id', '=', consumer_company_id)]",
    )
    frequency = fields.Selection(
        [("monthly", "Monthly"), ("quarterly", "Quarterly")],
        required=True,
        default="monthly",
    )
    auto_post_bill = fields.Boolean(
        string="Post Vendor Bills",
        default=True,
        help="Post the consumer's vendor bill with the provider's invoice; "
        "otherwise it waits as a draft for the consumer's finance.",
    )
    charge_ids = fields.One2many("pss.ic.charge", "agreement_id", readonly=True)

    _sql_constraints = [
        (
            "dates_check",
            "CHECK(date_to IS NULL OR date_to >= date_from)",
            "An agreement cannot end before it starts.",
        ),
        (
            "companies_check",
            "CHECK(provider_company_id != consumer_company_id)",
            "The provider and the consumer must be two different companies.",
        ),
    ]

    @api.depends(
        "provider_company_id.name", "consumer_company_id.name", "date_from", "date_to"
    )
    def _compute_name(self):
        for agreement in self:
            provider = agreement.provider_company_id.name or "?"
            consumer = agreement.consumer_company_id.name or "?"
            end = agreement.date_to or "…"
            agreement.name = (
                f"{provider} → {consumer} ({agreement.date_from or ''} - {end})"
            )

    @api.constrains(
        "provider_company_id",
        "consumer_company_id",
        "date_from",
        "date_to",
        "active",
    )
    def _check_overlap(self):
        for agreement in self.filtered("active"):
            domain = [
                ("id", "!=", agreement.id),
                ("provider_company_id", "=", agreement.provider_company_id.id),
                ("consumer_company_id", "=", agreement.consumer_company_id.id),
                "|",
                ("date_to", "=", False),
                ("date_to", ">=", agreement.date_from),
            ]
            if agreement.date_to:
                domain.append(("date_from", "<=", agreement.date_to))
            # The check must see agreements of companies the user cannot.
            if self.sudo().search_count(domain, limit=1):
                raise ValidationError(
                    _(
                        "%(provider)s already has an agreement with %(consumer)s "
                        "in force between %(start)s and %(end)s.",
                        provider=agreement.provider_company_id.name,
                        consumer=agreement.consumer_company_id.name,
                        start=agreement.date_from,
                        end=agreement.date_to or "…",
                    )
                )

    @api.constrains("provider_journal_id", "consumer_journal_id")
    def _check_journals(self):
        for agreement in self:
            provider = agreement.provider_journal_id.sudo()
            consumer = agreement.consumer_journal_id.sudo()
            if (
                provider.company_id != agreement.provider_company_id
                or provider.type != "sale"
            ):
                raise ValidationError(
                    _("The provider journal must be a sales journal of the provider.")
                )
            if (
                consumer.company_id != agreement.consumer_company_id
                or consumer.type != "purchase"
            ):
                raise ValidationError(
                    _(
                        "The consumer journal must be a purchase journal of the "
                        "consumer."
                    )
                )

    def _rate_of(self, employee):
        """Rate of the employee's role (job), None when the agreement has none."""
        self.ensure_one()
        for rate in self.rate_ids:
            if rate.job_id == employee.job_id:
                return rate.rate
        return None
