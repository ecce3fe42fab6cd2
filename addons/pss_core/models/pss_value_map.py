from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..record_names import display_names


class PssValueMap(models.Model):
    """Translate a system's code (payment term, role, entity...) to Odoo."""

    _name = "pss.value.map"
    _description = "Value Map"
    _order = "system_id, kind, external_value, date_from desc"

    system_id = fields.Many2one(
        "pss.system", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        "res.company", index=True, help="Empty: applies to every company."
    )
    kind = fields.Char(
        required=True,
        index=True,
        help="What is mapped, e.g. payment_term, role_product, expense_category.",
    )
    external_value = fields.Char(required=True)
    res_model = fields.Char(string="Model", required=True)
    res_id = fields.Many2oneReference(
        string="Record ID", model_field="res_model", required=True
    )
    date_from = fields.Date(help="First day the mapping applies (empty: always).")
    date_to = fields.Date(help="Last day the mapping applies (empty: open-ended).")
    active = fields.Boolean(default=True)
    record_name = fields.Char(compute="_compute_record_name")

    @api.depends("res_model", "res_id")
    def _compute_record_name(self):
        names = display_names(self.env, [(v.res_model, v.res_id) for v in self])
        for vmap in self:
            vmap.record_name = names.get((vmap.res_model, vmap.res_id))

    @api.constrains("date_from", "date_to", "res_model")
    def _check_values(self):
        for vmap in self:
            if vmap.date_from and vmap.date_to and vmap.date_from > vmap.date_to:
                raise ValidationError(_("A value map cannot end before it starts."))
            if vmap.res_model not in self.env:
                raise ValidationError(_("Unknown model %s.", vmap.res_model))

    @api.model
    def _map(self, system, kind, values, company=None, on_date=None):
        """Return {external value: record id} in one query.

        A company-specific mapping wins over a general one; among dated
        mappings the one in force on ``on_date`` (default today) is used.
        """
        values = list({str(v) for v in values if v not in (None, "")})
        if not values:
            return {}
        on_date = on_date or fields.Date.context_today(self)
        self.flush_model()
        self.env.cr.execute(
            """
            SELECT DISTINCT ON (external_value) external_value, res_id
            FROM pss_value_map
            WHERE system_id = %(system)s AND kind = %(kind)s AND active
              AND external_value IN %(values)s
              AND (company_id IS NULL OR company_id = %(company)s)
              AND (date_from IS NULL OR date_from <= %(date)s)
              AND (date_to IS NULL OR date_to >= %(date)s)
            ORDER BY external_value, company_id NULLS LAST, date_from DESC NULLS LAST
            """,
            {
                "system": system.id,
                "kind": kind,
                "values": tuple(values),
                "company": company.id if company else None,
                "date": on_date,
            },
        )
        return dict(self.env.cr.fetchall())
