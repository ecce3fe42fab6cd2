from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    pss_currency_id = fields.Many2one(
        "res.currency",
        string="Invoicing Currency",
        help="Currency the customer is invoiced in, as sent by the CRM; "
        "engagements without a currency use it.",
    )

    def init(self):
        # The dedupe of customer.upserted looks partners up by normalised VAT
        # and by e-mail domain, for a whole batch in one query each.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS pss_res_partner_vat_key_idx
                ON res_partner (upper(regexp_replace(vat, '[^0-9A-Za-z]', '', 'g')))
                WHERE vat IS NOT NULL;
            CREATE INDEX IF NOT EXISTS pss_res_partner_email_domain_idx
                ON res_partner (lower(split_part(email, '@', 2)))
                WHERE email IS NOT NULL;
            """
        )
