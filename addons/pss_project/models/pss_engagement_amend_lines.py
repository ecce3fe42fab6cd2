from odoo import Command, _, fields, models
from odoo.tools import float_compare

from ..lib.engagements import ONE_DAY, REPRICE, SAME, missing_periods, rate_change
from ..lib.periods import effective_index, month_periods
from .pss_engagement_builder import MILESTONE


class PssEngagementAmendLines(models.AbstractModel):
    """The sale order lines of an amendment (``pss.engagement.amend``):
    rates from an effective date, a fixed amount, milestones, retainer
    periods. Lines are written without Odoo repricing them."""

    _name = "pss.engagement.amend.lines"
    _description = "PSS Engagement Amendment Lines"

    @staticmethod
    def _pss_write_line(line, vals):
        """Write a sale order line without Odoo repricing it: the price and
        discount are written with the quantity (written fields are not
        recomputed from the pricelist)."""
        vals = dict(vals)
        vals.setdefault("product_uom_qty", line.product_uom_qty)
        vals.setdefault("price_unit", line.price_unit)
        vals.setdefault("discount", line.discount)
        line.write(vals)

    @staticmethod
    def _pss_next_sequence(order):
        return max(order.order_line.mapped("sequence") or [0]) + 10

    def _pss_amend_rates(self, order, project, data, effective, lookups):
        """New rates apply from ``effective``: split the role's line there.

        The line in force on that date ends the day before; a new line with
        the new price starts on it (and ends where a later, already dated
        rate starts). A line whose whole period is covered and that is not
        invoiced yet just takes the new price (see ``rate_change``).
        """
        builder = self.env["pss.engagement.builder"]
        digits = self.env["decimal.precision"].precision_get("Product Price")
        families = self._pss_role_families(order)
        sequence = self._pss_next_sequence(order)
        new_vals = []
        for rate in data.rate_card:
            family = families.get(rate.role.casefold())
            if not family:
                new_vals.append(
                    builder._pss_rate_line_vals(
                        data, rate, lookups, effective, sequence
                    )
                )
                sequence += 10
                continue
            family = family._pss_role_family()
            index = effective_index(
                [(line.pss_rate_from, line.pss_rate_to) for line in family], effective
            )
            current = family[index]
            price = float(rate.unit_price)
            qty = (
                {"product_uom_qty": float(rate.hours)} if rate.hours is not None else {}
            )
            change = rate_change(
                index,
                current.pss_rate_from,
                current.qty_invoiced,
                float_compare(current.price_unit, price, precision_digits=digits) == 0,
                effective,
            )
            if change == SAME:
                if qty:
                    self._pss_write_line(current, qty)
            elif change == REPRICE:
                self._pss_write_line(current, dict(qty, price_unit=price))
            else:
                following = family[index + 1] if index + 1 < len(family) else None
                new_vals.append(
                    self._pss_split_rate_vals(
                        data, rate, current, following, effective, lookups, sequence
                    )
                )
                sequence += 10
                current.write({"pss_rate_to": effective - ONE_DAY})
        if new_vals:
            order.write({"order_line": [Command.create(vals) for vals in new_vals]})
        if project:
            self._pss_follow_current_rates(project)
            project._pss_sync_employee_map()
            project._pss_reroute_timesheets()

    def _pss_role_families(self, order):
        """{role (case-folded): its rate lines} of ``order``."""
        families = {}
        for line in order.order_line.filtered("pss_role"):
            families.setdefault(line.pss_role.casefold(), self.env["sale.order.line"])
            families[line.pss_role.casefold()] |= line
        return families

    def _pss_split_rate_vals(
        self, data, rate, current, following, effective, lookups, sequence
    ):
        """Values of the line of ``rate`` from ``effective`` after ``current``
        (until the ``following`` line starts, if any)."""
        vals = self.env["pss.engagement.builder"]._pss_rate_line_vals(
            data,
            rate,
            lookups,
            effective,
            sequence,
            name_suffix=_(", from %s", effective),
        )
        vals.update(
            product_id=current.product_id.id,
            name=_(
                "%(product)s (%(role)s), from %(date)s",
                product=current.product_id.name,
                role=current.pss_role,
                date=effective,
            ),
            product_uom_qty=float(rate.hours or 0),
            pss_role=current.pss_role,
            pss_job_id=current.pss_job_id.id or vals["pss_job_id"],
            pss_rate_to=following.pss_rate_from - ONE_DAY if following else False,
        )
        return vals

    def _pss_follow_current_rates(self, project):
        """Employee map and project default line point at today's rate lines."""
        today = fields.Date.context_today(self)
        for entry in project.sale_line_employee_ids:
            line = entry.sale_line_id
            if line.pss_role:
                target = line._pss_rate_line_on(today)
                if target != line:
                    entry.write({"sale_line_id": target.id})
        line = project.sale_line_id
        if line.pss_role:
            target = line._pss_rate_line_on(today)
            if target != line:
                project.write({"sale_line_id": target.id})

    def _pss_amend_fixed(self, order, data, lookups):
        """A new fixed amount: a new price if nothing is invoiced yet, else a
        line for the difference."""
        builder = self.env["pss.engagement.builder"]
        currency = order.currency_id
        fixed = order.order_line.filtered(
            lambda line: (
                not (line.pss_role or line.pss_milestone_ref or line.pss_period_start)
                and not line.display_type
            )
        )
        amount = float(data.fixed_amount)
        delta = currency.round(
            amount - sum(line.price_unit * line.product_uom_qty for line in fixed)
        )
        if currency.is_zero(delta):
            return
        if len(fixed) == 1 and not fixed.qty_invoiced and fixed.product_uom_qty:
            self._pss_write_line(fixed, {"price_unit": amount / fixed.product_uom_qty})
            return
        product = fixed[:1].product_id
        if not product:
            product, _problem = builder._pss_product_for("fixed_fee", lookups)
        order.write(
            {
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "name": _(
                                "%(name)s: amendment version %(version)s",
                                name=data.name
                                or order.analytic_account_id.name
                                or order.name,
                                version=data.version,
                            ),
                            "product_uom_qty": 1.0,
                            "price_unit": delta,
                            "discount": 0.0,
                            "sequence": self._pss_next_sequence(order),
                        }
                    )
                ]
            }
        )

    def _pss_amend_milestones(self, order, project, data, lookups):
        """Update milestones by external id; add the new ones (line + milestone)."""
        builder = self.env["pss.engagement.builder"]
        lines = {
            line.pss_milestone_ref: line
            for line in order.order_line
            if line.pss_milestone_ref
        }
        milestones = self.env[MILESTONE].search(
            [("sale_line_id", "in", order.order_line.ids)]
        )
        by_ref = {m.pss_external_id: m for m in milestones if m.pss_external_id}
        sequence = self._pss_next_sequence(order)
        new_vals, new_refs = [], []
        for milestone in data.milestones:
            line = lines.get(milestone.external_id)
            if not line:
                new_vals.append(
                    builder._pss_milestone_line_vals(milestone, lookups, sequence)
                )
                new_refs.append(milestone)
                sequence += 10
                continue
            self._pss_update_milestone(
                order, line, by_ref.get(milestone.external_id), milestone
            )
        if not new_vals:
            return self.env[MILESTONE]
        order.write({"order_line": [Command.create(vals) for vals in new_vals]})
        lines = {
            line.pss_milestone_ref: line
            for line in order.order_line
            if line.pss_milestone_ref
        }
        if not project:
            return self.env[MILESTONE]
        return self.env[MILESTONE].create(
            [
                builder._pss_milestone_vals(
                    milestone, project, lines[milestone.external_id]
                )
                for milestone in new_refs
            ]
        )

    def _pss_update_milestone(self, order, line, record, milestone):
        """Write the name, amount and due date of a known milestone on its
        line and its project.milestone (``record``, if any)."""
        line_vals = {}
        if line.name != milestone.name:
            line_vals["name"] = milestone.name
        if float_compare(
            line.price_unit,
            float(milestone.amount),
            order.currency_id.decimal_places,
        ):
            line_vals["price_unit"] = float(milestone.amount)
        if line_vals:
            self._pss_write_line(line, line_vals)
        if record:
            ms_vals = {}
            if record.name != milestone.name:
                ms_vals["name"] = milestone.name
            if record.deadline != milestone.due_date:
                ms_vals["deadline"] = milestone.due_date or False
            if ms_vals:
                record.write(ms_vals)

    def _pss_amend_retainer(self, order, data, effective, lookups):
        """Amount / hours cap from the periods starting on ``effective``; a new
        end date adds periods or empties the uninvoiced ones beyond it."""
        builder = self.env["pss.engagement.builder"]
        lines = order.order_line.filtered("pss_period_start").sorted("pss_period_start")
        if not lines:
            return
        retainer = data.retainer
        if retainer is not None:
            for line in lines:
                if line.pss_period_start >= effective and not line.qty_invoiced:
                    self._pss_write_line(
                        line,
                        {
                            "price_unit": float(retainer.amount),
                            "pss_hours_cap": float(retainer.hours_cap or 0),
                        },
                    )
        if "end_date" not in data.model_fields_set or not data.end_date:
            return
        last = lines[-1]
        periods = month_periods(lines[0].pss_period_start, data.end_date)
        known = set(lines.mapped("pss_period_start"))
        sequence = self._pss_next_sequence(order)
        new_vals = []
        for period in missing_periods(periods, known):
            vals = builder._pss_retainer_line_vals(
                data,
                data.name or order.analytic_account_id.name or order.name,
                retainer or _RetainerOf(last),
                period,
                lookups,
                sequence,
            )
            vals["product_id"] = last.product_id.id
            new_vals.append(vals)
            sequence += 10
        if new_vals:
            order.write({"order_line": [Command.create(vals) for vals in new_vals]})
        for line in lines:
            if line.pss_period_start > data.end_date and not line.qty_invoiced:
                self._pss_write_line(line, {"product_uom_qty": 0.0})


class _RetainerOf:
    """The retainer terms of an existing period line (amount, hours cap)."""

    def __init__(self, line):
        self.amount = line.price_unit
        self.period = line.pss_retainer_period or "month"
        self.hours_cap = line.pss_hours_cap
