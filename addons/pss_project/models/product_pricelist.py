from odoo import _, api, fields, models

from odoo.addons.pss_core.lib.locks import advisory_xact_locks


class ProductPricelist(models.Model):
    _inherit = "product.pricelist"

    pss_engagement = fields.Boolean(
        string="Engagements (integration)",
        copy=False,
        help="Sale orders of engagements in this pricelist's currency (and "
        "company) use it. Prices come from the engagement; keep it without "
        "rules.",
    )

    @api.model
    def _pss_engagement_pricelists(self, company, currencies):
        """{currency id: pricelist} of the existing engagement pricelists."""
        found = self.search(
            [
                ("pss_engagement", "=", True),
                ("currency_id", "in", currencies.ids),
                ("company_id", "in", [company.id, False]),
            ],
            order="sequence, id",
        )
        result = {}
        for pricelist in found.sorted(lambda p: not p.company_id):
            result.setdefault(pricelist.currency_id.id, pricelist)
        return result

    @api.model
    def _pss_for_currencies(self, company, currencies):
        """Return {currency id: pricelist} for ``company``, creating the missing.

        Only pricelists marked for engagements are used (the company's own
        first, then a shared one), so a pricelist with rules made for manual
        quotations never reprices an engagement. The missing ones are created
        in one ``create``.
        """
        if not currencies:
            return {}
        result = self._pss_engagement_pricelists(company, currencies)
        missing = currencies.filtered(lambda c: c.id not in result)
        if missing:
            # Wait for any other worker creating the same pricelists, then
            # look again: what it committed is used, never duplicated.
            advisory_xact_locks(
                self.env.cr,
                [(self._name, company.id, currency.id) for currency in missing],
            )
            result = self._pss_engagement_pricelists(company, currencies)
        missing = currencies.filtered(lambda c: c.id not in result)
        if missing:
            created = self.create(
                [
                    {
                        "name": _(
                            "Engagements %(currency)s (%(company)s)",
                            currency=currency.name,
                            company=company.name,
                        ),
                        "currency_id": currency.id,
                        "company_id": company.id,
                        "pss_engagement": True,
                    }
                    for currency in missing
                ]
            )
            for pricelist in created:
                result[pricelist.currency_id.id] = pricelist
        return result
