from odoo import models

from . import pss_source_mixin  # noqa: F401 (defines the mixin first)


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "pss.source.mixin"]
