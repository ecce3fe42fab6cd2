from odoo import api, fields, models

SYSTEM_KINDS = [
    ("crm", "CRM"),
    ("psa", "PSA / time"),
    ("hris", "HRIS"),
    ("payroll", "Payroll"),
    ("other", "Other"),
]


class PssEventType(models.Model):
    """An event type a system may be allowed to send (inbound) or receive
    (outbound). Each addon declares the types it handles as data, with the
    kinds of system that get it by default."""

    _name = "pss.event.type"
    _description = "Event Type"
    _order = "direction, name"

    name = fields.Char(
        string="Event Type", required=True, help="e.g. customer.upserted"
    )
    direction = fields.Selection(
        [("in", "Inbound"), ("out", "Outbound")], required=True, default="in"
    )
    description = fields.Char()
    default_kinds = fields.Char(
        help="Comma-separated kinds of system (crm, psa, hris, payroll, other) "
        "that are allowed this type when they are created."
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "name_direction_unique",
            "unique(name, direction)",
            "An event type is declared once per direction.",
        )
    ]

    @api.depends("name", "direction")
    def _compute_display_name(self):
        for event_type in self:
            event_type.display_name = event_type.name

    @api.model
    def _pss_defaults(self, kind):
        """The event types a new system of ``kind`` is allowed by default."""
        if not kind:
            return self.browse()
        return (
            self.sudo()
            .search([])
            .filtered(
                lambda t: (
                    kind in {k.strip() for k in (t.default_kinds or "").split(",")}
                )
            )
        )
