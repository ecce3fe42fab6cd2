from odoo import api, fields, models

# SQL helpers of the report views (DESIGN §7): the rate of a currency on a
# date as Odoo reads it (res.currency._get_rates: the company's own rate,
# else the shared one, else 1), the group currency (pss_core's setting, else
# the main company's currency) and the factor turning an amount into it with
# the rates of the main company.
SQL_FUNCTIONS = """
CREATE OR REPLACE FUNCTION pss_reporting_rate(cur integer, company integer,
                                              on_date date)
RETURNS numeric LANGUAGE sql STABLE AS $$
    SELECT COALESCE((SELECT r.rate FROM res_currency_rate r
                      WHERE r.currency_id = cur AND r.name <= on_date
                        AND (r.company_id IS NULL OR r.company_id = company)
                   ORDER BY r.company_id, r.name DESC LIMIT 1), 1.0)::numeric
$$;
CREATE OR REPLACE FUNCTION pss_reporting_main_company()
RETURNS integer LANGUAGE sql STABLE AS $$
    SELECT COALESCE(
        (SELECT res_id FROM ir_model_data
          WHERE module = 'base' AND name = 'main_company'),
        (SELECT MIN(id) FROM res_company))
$$;
CREATE OR REPLACE FUNCTION pss_reporting_group_currency()
RETURNS integer LANGUAGE sql STABLE AS $$
    SELECT COALESCE(
        (SELECT c.id FROM ir_config_parameter p
           JOIN res_currency c ON p.value ~ '^[0-9]+$' AND c.id = p.value::integer
          WHERE p.key = 'pss_core.group_currency_id'),
        (SELECT currency_id FROM res_company
          WHERE id = pss_reporting_main_company()))
$$;
CREATE OR REPLACE FUNCTION pss_reporting_convert(cur_from integer, cur_to integer,
                                                 company integer, on_date date)
RETURNS numeric LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN cur_from = cur_to THEN 1.0::numeric
                ELSE pss_reporting_rate(cur_to, company, on_date)
                     / NULLIF(pss_reporting_rate(cur_from, company, on_date), 0)
           END
$$;
CREATE OR REPLACE FUNCTION pss_reporting_to_group(cur integer, on_date date)
RETURNS numeric LANGUAGE sql STABLE AS $$
    SELECT pss_reporting_convert(cur, pss_reporting_group_currency(),
                                 pss_reporting_main_company(), on_date)
$$;
"""


def ratio(numerator, denominator):
    """Percentage, 0 without a denominator."""
    return round(100.0 * numerator / denominator, 2) if denominator else 0.0


class PssReportMixin(models.AbstractModel):
    """Common parts of the KPI views: the SQL helpers, the group currency
    column and ratios recomputed from the sums of each pivot group (a sum of
    percentages means nothing)."""

    _name = "pss.report.mixin"
    _description = "PSS KPI report (common parts)"

    # {ratio field: (numerator field, denominator field)}
    _pss_ratios = {}
    # Columns served by the read API, in order.
    _pss_api_columns = ()

    company_id = fields.Many2one("res.company", string="Entity", readonly=True)
    currency_id = fields.Many2one(
        "res.currency", string="Company Currency", readonly=True
    )
    group_currency_id = fields.Many2one("res.currency", readonly=True)

    @api.model
    def _pss_create_functions(self):
        self.env.cr.execute(SQL_FUNCTIONS)

    @api.model
    def read_group(
        self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True
    ):
        ratios = self._pss_ratios
        wanted = {f.split(":")[0] for f in fields}
        extra = []
        for name, (num, den) in ratios.items():
            if name in wanted or not fields:
                extra += [f for f in (num, den) if f not in wanted]
        result = super().read_group(
            domain,
            list(fields) + [f"{f}:sum" for f in dict.fromkeys(extra)],
            groupby,
            offset=offset,
            limit=limit,
            orderby=orderby,
            lazy=lazy,
        )
        for row in result:
            for name, (num, den) in ratios.items():
                if name in row or name in wanted:
                    row[name] = ratio(row.get(num) or 0.0, row.get(den) or 0.0)
        return result
