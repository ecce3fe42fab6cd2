from odoo import Command, _, fields, models
from odoo.tools import float_compare

from ..lib.engagements import (
    milestone_key,
)
from ..lib.periods import MAX_PERIODS, month_periods
from .pss_engagement_builder import MILESTONE, ORDER, PROJECT


class PssEngagementAmend(models.AbstractModel):
    """The amendment engine: a newer version of a known engagement, from
    engagement.amended or from a newer engagement.won (a full restatement).

    Rates change from an effective date: the role gets a new sale order line
    from that date and time dated before it stays on the old line (old rate).
    """

    _name = "pss.engagement.amend"
    _description = "PSS Engagement Amendment"

    def _pss_amend(self, batch, entries):
        """Apply ``entries`` [(message, data, order id)]: held when the order
        is locked, failed on a problem, else applied and bound."""
        system = batch.system
        builder = self.env["pss.engagement.builder"]
        binding = self.env["pss.binding"]
        orders = self.env[ORDER].browse([order_id for _m, _d, order_id in entries])
        orders.fetch(
            ["company_id", "state", "locked", "pss_billing_model", "partner_id"]
        )
        projects = binding._resolve_records(
            system, PROJECT, [data.external_id for _m, data, _o in entries]
        )
        lookups = builder._pss_engagement_facts(
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
                    builder._pss_data_error(
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
        self._pss_bind_amended(batch, applied)

    def _pss_bind_amended(self, batch, applied):
        """Bindings (the applied version) and record links of the amendments."""
        system = batch.system
        binding = self.env["pss.binding"]
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
        problems += self._pss_customer_problems(order, data, lookups)
        if problems:
            return problems
        return self._pss_line_problems(order, data, lookups)

    @staticmethod
    def _pss_customer_problems(order, data, lookups):
        problems = []
        if "customer" in data.model_fields_set and data.customer:
            ref = (
                data.customer
                if isinstance(data.customer, str)
                else data.customer.external_id
            )
            partner = lookups.customers.get(ref)
            if partner != order.partner_id:
                problems.append(
                    ("data.customer", "the customer of an engagement cannot change")
                )
        return problems

    def _pss_line_problems(self, order, data, lookups):
        """Problems of the priced parts of an amendment of ``order``."""
        builder = self.env["pss.engagement.builder"]
        model = order.pss_billing_model
        sent = data.model_fields_set
        problems = builder._pss_check_lines(data, order.currency_id, lookups, model)
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
        builder = self.env["pss.engagement.builder"]
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
            user = builder._pss_user(data, lookups.users)
            project_vals["user_id"] = user.id
            order_vals["user_id"] = user.id
        names = set(data.tags or ()) | ({data.practice} if data.practice else set())
        if names:
            tags = builder._pss_tag_ids(names)
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
        lines = self.env["pss.engagement.amend.lines"]
        model = order.pss_billing_model
        if data.rate_card:
            lines._pss_amend_rates(order, project, data, effective, lookups)
        if data.fixed_amount is not None:
            lines._pss_amend_fixed(order, data, lookups)
        if data.milestones:
            created = lines._pss_amend_milestones(order, project, data, lookups)
        if model == "retainer" and (data.retainer is not None or "end_date" in sent):
            lines._pss_amend_retainer(order, data, effective, lookups)
        return created
