# Copyright 2026 PSS contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models


class ResCompany(models.Model):
    _inherit = "res.company"

    def _pss_expense_locks(self, products):
        """{category: last locked day of its expenses in this company} for
        ``products`` ({category: product id}): the suite's lock rule
        (``_pss_locked_until``) for a move with the category product's
        purchase taxes, as hr_expense books it."""
        self.ensure_one()
        parents = self.sudo().parent_ids
        taxed = {
            category: bool(
                self.env["product.product"]
                .sudo()
                .browse(product_id)
                .supplier_taxes_id.filtered(lambda tax: tax.company_id in parents)
            )
            for category, product_id in products.items()
        }
        by_tax = {tax: self._pss_locked_until(tax) for tax in (False, True)}
        return {category: by_tax[has_tax] for category, has_tax in taxed.items()}

    def _pss_expense_locked_until(self, system, category):
        """The last locked day of an expense of ``category`` from ``system``
        in this company (an unmapped category counts as taxed: the stricter
        lock)."""
        self.ensure_one()
        products = self.env["pss.value.map"]._map(
            system, "expense_category", {category}, company=self
        )
        if category not in products:
            return self._pss_locked_until(has_tax=True)
        return self._pss_expense_locks(products)[category]
