from collections import defaultdict

from odoo import _, fields, models
from odoo.tools import float_compare

from ..lib.billing import hours_above_cap, hours_in_period
from ..lib.periods import prorate

# A retainer period is one delivered unit, compared to this many digits.
QTY_DIGITS = 4


class PssBillingRunRetainers(models.Model):
    """Retainers of a billing run: one line per period, prorated, and a line
    for the approved hours above a period's cap."""

    _inherit = "pss.billing.run"

    def _pss_prepare_retainers(self, orders):
        """Deliver the retainer periods that started by the period end.

        Returns ({sale line id: proration factor}, {order id: problem}).
        """
        if not orders:
            return {}, {}
        date_to = self.date_to
        projects = self.env["project.project"].search(
            [("sale_line_id.order_id", "in", orders.ids)]
        )
        project_of = {p.sale_line_id.order_id.id: p for p in projects}
        lines = orders.order_line.filtered(
            lambda line: line.pss_retainer_period and line.pss_period_start
        )
        factors = {}
        for line in lines:
            project = project_of.get(line.order_id.id)
            days, total = prorate(
                line.pss_period_start,
                line.pss_period_end,
                project.date_start if project else None,
                project.date if project else None,
            )
            if 0 < days < total:
                factors[line.id] = days / total
        due = lines.filtered(
            lambda line: (
                line.pss_period_start <= date_to
                and float_compare(line.qty_delivered, 1.0, precision_digits=QTY_DIGITS)
                < 0
            )
        )
        if due:
            due.write({"qty_delivered": 1.0})
        problems = self._pss_retainer_overage(orders, lines, project_of, date_to)
        return factors, problems

    def _pss_retainer_overage(self, orders, lines, project_of, date_to):
        """Lines for approved hours above the cap of ended periods."""
        capped = self._pss_capped_lines(lines, date_to)
        if not capped:
            return {}
        hours = self._pss_approved_hours_by_day(
            project_of, min(capped.mapped("pss_period_start")), date_to
        )
        problems = {}
        vals_list, delivered = [], []
        for line in capped:
            project = project_of.get(line.order_id.id)
            if not project:
                continue
            above = hours_above_cap(
                hours_in_period(
                    hours, project.id, line.pss_period_start, line.pss_period_end
                ),
                line.pss_hours_cap,
            )
            if not above:
                continue
            rate = line.order_id.pss_overage_rate
            if not rate:
                problems[line.order_id.id] = _(
                    "%(hours)s hours above the cap of %(cap)s in %(first)s - "
                    "%(last)s and no rate above the cap on the engagement.",
                    hours=above,
                    cap=line.pss_hours_cap,
                    first=line.pss_period_start,
                    last=line.pss_period_end,
                )
                continue
            vals_list.append(self._pss_overage_vals(line, rate))
            delivered.append(above)
        if vals_list:
            created = self.env["sale.order.line"].create(vals_list)
            for new_line, qty in zip(created, delivered, strict=True):
                new_line.qty_delivered = qty
        return problems

    def _pss_capped_lines(self, lines, date_to):
        """The capped periods ended by ``date_to`` without an overage line."""
        capped = lines.filtered(
            lambda line: line.pss_hours_cap > 0 and line.pss_period_end <= date_to
        )
        if not capped:
            return capped
        done = set(
            self.env["sale.order.line"]
            .search([("pss_overage_of_id", "in", capped.ids)])
            .pss_overage_of_id.ids
        )
        return capped.filtered(lambda line: line.id not in done)

    def _pss_approved_hours_by_day(self, project_of, first, date_to):
        """{(project id, day): approved hours} of the retainers' projects."""
        projects = self.env["project.project"].browse(
            [p.id for p in project_of.values()]
        )
        hours = defaultdict(float)
        for project, day, amount in self.env["account.analytic.line"]._read_group(
            [
                ("project_id", "in", projects.ids),
                ("pss_approved", "=", True),
                ("date", ">=", first),
                ("date", "<=", date_to),
            ],
            ["project_id", "date:day"],
            ["unit_amount:sum"],
        ):
            hours[(project.id, day)] += amount
        return hours

    def _pss_overage_vals(self, line, rate):
        return {
            "order_id": line.order_id.id,
            "product_id": line.product_id.id,
            "name": _(
                "Hours above the cap of %(cap)s, %(first)s - %(last)s",
                cap=line.pss_hours_cap,
                first=line.pss_period_start,
                last=line.pss_period_end,
            ),
            "product_uom_qty": 0.0,
            "price_unit": rate,
            "tax_id": [fields.Command.set(line.tax_id.ids)],
            "sequence": line.sequence + 1,
            "pss_overage_of_id": line.id,
        }
