from datetime import timedelta

from odoo import Command, _, fields, models
from odoo.tools import float_compare

from ..lib.periods import MAX_PERIODS, effective_index, month_periods
from ..schemas.engagement import EngagementAmended
from .pss_handler_engagement_won import (
    MILESTONE,
    ORDER,
    PROJECT,
    WRITE_CONTEXT,
    milestone_key,
)

ONE_DAY = timedelta(days=1)


class PssHandlerEngagementAmended(models.AbstractModel):
    """engagement.amended: a newer version of an engagement, applied in order.

    A version not newer than the applied one is a conflict (no effect); an
    amendment of an engagement not bound yet is parked until its
    engagement.won binds the sale order. Rates
    change from an effective date: the role gets a new sale order line from
    that date and time dated before it stays on the old line (old rate).
    """

    _name = "pss.handler.engagement.amended"
    _inherit = "pss.handler"
    _description = "engagement.amended"
    _pss_event_type = "engagement.amended"
    _pss_groups = "pss_project.group_pss_project_integration"
    _pss_schema = EngagementAmended
    _pss_sequence_prefix = "engagement"
    _pss_description = (
        "A newer version of an engagement: rates, budget, dates, milestones"
    )

    def _pss_process(self, batch):
        system = batch.system
        engine = self.env["pss.handler.engagement.won"]
        items = list(batch)
        versions = self.env["pss.binding"]._versions(
            system, ORDER, [data.external_id for _m, data in items]
        )
        known = []
        for message, data in items:
            bound = versions.get(data.external_id)
            if not bound:
                # Its engagement.won is late (or still parked): wait for the
                # order's binding; the won passes this message in the queue.
                batch.park(
                    message,
                    _(
                        "Engagement %s is not known yet: waiting for its "
                        "engagement.won.",
                        data.external_id,
                    ),
                    ORDER,
                    data.external_id,
                )
                continue
            order_id, applied = bound
            if data.version <= (applied or 0):
                batch.conflict(message, engine._pss_conflict_note(data, applied))
                continue
            known.append((message, data, order_id))
        if known:
            self.with_context(**WRITE_CONTEXT)._pss_amend(batch, known)

    # ------------------------------------------------------------------
    # The engine (also used by engagement.won for a known engagement)
    # ------------------------------------------------------------------
    def _pss_amend(self, batch, entries):
        system = batch.system
        engine = self.env["pss.handler.engagement.won"]
        binding = self.env["pss.binding"]
        orders = self.env[ORDER].browse([order_id for _m, _d, order_id in entries])
        orders.fetch(
            ["company_id", "state", "locked", "pss_billing_model", "partner_id"]
        )
        projects = binding._resolve_records(
            system, PROJECT, [data.external_id for _m, data, _o in entries]
        )
        lookups = engine._pss_lookups(
            system,
            [(m, d) for m, d, _o in entries],
            billing_models=set(orders.mapped("pss_billing_model")) - {False},
        )
        today = fields.Date.context_today(self)
        applied = []
        for message, data, order_id in entries:
            order = orders.browse(order_id)
            project = projects.get(data.external_id, self.env[PROJECT])
            if order.state == "sale" and order.locked:
                batch.hold(
                    message,
                    _(
                        "Sale order %s is locked: unlock it, then requeue the message "
                        "to apply the amendment.",
                        order.name,
                    ),
                )
                continue
            problems = self._pss_problems(order, project, data, lookups)
            if problems:
                batch.fail(
                    message,
                    engine._pss_data_error(
                        _(
                            "Amendment of engagement %s cannot be applied.",
                            data.external_id,
                        ),
                        problems,
                    ),
                )
                continue
            effective = (
                data.effective_date
                if "effective_date" in data.model_fields_set
                else None
            )
            created = self._pss_apply(order, project, data, effective or today, lookups)
            applied.append((message, data, order, project, created))

        order_items, project_items, milestone_items = [], [], []
        company_id = self.env.company.id
        for message, data, order, project, created in applied:
            common = {
                "external_id": data.external_id,
                "company_id": company_id,
                "version": data.version,
                "message_id": message.id,
            }
            order_items.append(dict(common, res_id=order.id))
            batch.record(message, order, "updated", data.external_id)
            if project:
                project_items.append(dict(common, res_id=project.id))
                batch.record(message, project, "updated", data.external_id)
            for milestone in created:
                key = milestone_key(data.external_id, milestone.pss_external_id)
                milestone_items.append(
                    {
                        "external_id": key,
                        "res_id": milestone.id,
                        "company_id": company_id,
                        "message_id": message.id,
                    }
                )
                batch.record(message, milestone, "created", key)
        binding._bind_many(system, ORDER, order_items)
        binding._bind_many(system, PROJECT, project_items)
        binding._bind_many(system, MILESTONE, milestone_items)

    def _pss_problems(self, order, project, data, lookups):
        """[(path, message)] that forbid applying ``data`` (nothing written)."""
        engine = self.env["pss.handler.engagement.won"]
        sent = data.model_fields_set
        problems = []
        if order.company_id != self.env.company:
            problems.append(
                (
                    "entity",
                    f"the engagement belongs to {order.company_id.name}, "
                    f"not {self.env.company.name}",
                )
            )
            return problems
        if order.state != "sale":
            problems.append(
                ("data.external_id", f"sale order {order.name} is not confirmed")
            )
            return problems
        model = order.pss_billing_model
        if (
            "billing_model" in sent
            and data.billing_model
            and data.billing_model != model
        ):
            problems.append(
                (
                    "data.billing_model",
                    f"the billing model cannot change ({model} -> "
                    f"{data.billing_model}): close this engagement and send a new one",
                )
            )
        if (
            "currency" in sent
            and data.currency
            and data.currency != order.currency_id.name
        ):
            problems.append(
                ("data.currency", "the currency of an engagement cannot change")
            )
        if "customer" in sent and data.customer:
            ref = (
                data.customer
                if isinstance(data.customer, str)
                else data.customer.external_id
            )
            partner = lookups["customers"].get(ref)
            if partner != order.partner_id:
                problems.append(
                    ("data.customer", "the customer of an engagement cannot change")
                )
        if problems:
            return problems
        problems += engine._pss_check_lines(data, order.currency_id, lookups, model)
        if data.milestones:
            lines = {
                line.pss_milestone_ref: line
                for line in order.order_line
                if line.pss_milestone_ref
            }
            digits = order.currency_id.decimal_places
            for index, milestone in enumerate(data.milestones):
                line = lines.get(milestone.external_id)
                if (
                    line
                    and line.qty_invoiced
                    and float_compare(line.price_unit, float(milestone.amount), digits)
                    != 0
                ):
                    problems.append(
                        (
                            f"data.milestones[{index}].amount",
                            "this milestone is already invoiced: its amount "
                            "cannot change",
                        )
                    )
        if model == "retainer" and "end_date" in sent and data.end_date:
            start = min(
                order.order_line.filtered("pss_period_start").mapped(
                    "pss_period_start"
                ),
                default=data.start_date,
            )
            try:
                month_periods(start, data.end_date)
            except ValueError:
                problems.append(("data.end_date", f"more than {MAX_PERIODS} periods"))
        return problems

    # ------------------------------------------------------------------
    # Apply one amendment (its checks passed)
    # ------------------------------------------------------------------
    def _pss_apply(self, order, project, data, effective, lookups):
        engine = self.env["pss.handler.engagement.won"]
        sent = data.model_fields_set
        account = order.analytic_account_id
        project_vals, order_vals = {}, {}
        if "name" in sent and data.name:
            project_vals["name"] = data.name
            if account and account.name != data.name:
                account.write({"name": data.name})
        if "start_date" in sent:
            project_vals["date_start"] = data.start_date or False
        if "end_date" in sent:
            project_vals["date"] = data.end_date or False
        if "budget_hours" in sent:
            project_vals["allocated_hours"] = float(data.budget_hours or 0)
        if "project_manager_email" in sent:
            user = engine._pss_user(data, lookups["users"])
            project_vals["user_id"] = user.id
            order_vals["user_id"] = user.id
        names = set(data.tags or ()) | ({data.practice} if data.practice else set())
        if names:
            tags = engine._pss_tag_ids(names)
            project_vals["tag_ids"] = [
                Command.link(tags[name]) for name in sorted(names)
            ]
        if "practice" in sent:
            project_vals["pss_practice"] = data.practice or False
        if order_vals:
            order.write(order_vals)
        if project and project_vals:
            if "date_start" in project_vals or "date" in project_vals:
                project_vals.setdefault("date_start", project.date_start)
                project_vals.setdefault("date", project.date)
            project.write(project_vals)

        created = self.env[MILESTONE]
        model = order.pss_billing_model
        if data.rate_card:
            self._pss_amend_rates(order, project, data, effective, lookups)
        if data.fixed_amount is not None:
            self._pss_amend_fixed(order, data, lookups)
        if data.milestones:
            created = self._pss_amend_milestones(order, project, data, lookups)
        if model == "retainer" and (data.retainer is not None or "end_date" in sent):
            self._pss_amend_retainer(order, data, effective, lookups)
        return created

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
        invoiced yet just takes the new price.
        """
        engine = self.env["pss.handler.engagement.won"]
        digits = self.env["decimal.precision"].precision_get("Product Price")
        families = {}
        for line in order.order_line.filtered("pss_role"):
            families.setdefault(line.pss_role.casefold(), self.env["sale.order.line"])
            families[line.pss_role.casefold()] |= line
        sequence = self._pss_next_sequence(order)
        new_vals = []
        for rate in data.rate_card:
            family = families.get(rate.role.casefold())
            if not family:
                new_vals.append(
                    engine._pss_rate_line_vals(data, rate, lookups, effective, sequence)
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
            if float_compare(current.price_unit, price, precision_digits=digits) == 0:
                if qty:
                    self._pss_write_line(current, qty)
                continue
            covers_all = index == 0 and (
                not current.pss_rate_from or effective <= current.pss_rate_from
            )
            if (
                covers_all or current.pss_rate_from == effective
            ) and not current.qty_invoiced:
                self._pss_write_line(current, dict(qty, price_unit=price))
                continue
            following = family[index + 1] if index + 1 < len(family) else None
            vals = engine._pss_rate_line_vals(
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
            new_vals.append(vals)
            sequence += 10
            current.write({"pss_rate_to": effective - ONE_DAY})
        if new_vals:
            order.write({"order_line": [Command.create(vals) for vals in new_vals]})
        if project:
            self._pss_follow_current_rates(project)
            project._pss_sync_employee_map()
            project._pss_reroute_timesheets()

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
        engine = self.env["pss.handler.engagement.won"]
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
            product, _problem = engine._pss_product_for("fixed_fee", lookups)
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
        engine = self.env["pss.handler.engagement.won"]
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
                    engine._pss_milestone_line_vals(milestone, lookups, sequence)
                )
                new_refs.append(milestone)
                sequence += 10
                continue
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
            record = by_ref.get(milestone.external_id)
            if record:
                ms_vals = {}
                if record.name != milestone.name:
                    ms_vals["name"] = milestone.name
                if record.deadline != milestone.due_date:
                    ms_vals["deadline"] = milestone.due_date or False
                if ms_vals:
                    record.write(ms_vals)
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
                engine._pss_milestone_vals(
                    milestone, project, lines[milestone.external_id]
                )
                for milestone in new_refs
            ]
        )

    def _pss_amend_retainer(self, order, data, effective, lookups):
        """Amount / hours cap from the periods starting on ``effective``; a new
        end date adds periods or empties the uninvoiced ones beyond it."""
        engine = self.env["pss.handler.engagement.won"]
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
        for period in periods:
            if period[0] in known:
                continue
            vals = engine._pss_retainer_line_vals(
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
