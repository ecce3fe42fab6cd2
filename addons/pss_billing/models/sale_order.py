from odoo import fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    pss_overage_rate = fields.Monetary(
        string="Rate Above Retainer Cap",
        currency_field="currency_id",
        help="Retainers: price per hour of approved time above the hours cap "
        "of a period. A billing run skips a retainer with hours above its "
        "cap and no rate (reason: missing price).",
    )
