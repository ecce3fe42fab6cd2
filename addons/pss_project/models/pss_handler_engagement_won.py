from dataclasses import dataclass

from odoo import Command, _, fields, models

from odoo.addons.pss_core.lib import plan as steps
from odoo.addons.pss_core.lib.plan import Step

from ..lib.engagements import AMEND, CONFLICT, milestone_key, not_newer, version_step
from ..lib.periods import MAX_PERIODS, month_periods
from ..schemas.engagement import EngagementWon
from ..schemas.project_created import ProjectCreated
from .pss_engagement_builder import (
    MILESTONE,
    ORDER,
    PARTNER,
    PROJECT,
    VERSION_TEXTS,
    WRITE_CONTEXT,
)


@dataclass
class NewEngagement:
    """One engagement being built: its message, payload and records."""

    message: object
    data: object
    currency: object = None
    partner: object = None
    operation: str | None = None  # of an inline customer (None: bound one)
    account: object = None
    order: object = None
    project: object = None
    milestones: tuple = ()


class PssHandlerEngagementWon(models.AbstractModel):
    """engagement.won: customer, confirmed sale order, project, analytic account.

    A newer version of a known engagement is an amendment
    (``pss.engagement.amend``); the checks, lines and facts are the
    engagement builder's (``pss.engagement.builder``).
    """

    _name = "pss.handler.engagement.won"
    _inherit = "pss.handler"
    _description = "engagement.won"
    _pss_event_type = "engagement.won"
    _pss_groups = "pss_project.group_pss_project_integration"
    _pss_schema = EngagementWon
    _pss_sequence_prefix = "engagement"
    # An amendment that arrived first waits (parked) for the order's binding:
    # a won passes it, binds the order and so releases it.
    _pss_sequence_binds = ORDER
    _pss_description = "A deal won / SOW signed: sale order, project, analytic account"
    _pss_texts = dict(VERSION_TEXTS)

    # ------------------------------------------------------------------
    # Three steps: versions, then new engagements or amendments
    # ------------------------------------------------------------------
    def _pss_lookups(self, batch):
        """{engagement: (order id, applied version)} of the bound ones."""
        return self.env["pss.binding"]._versions(
            batch.system, ORDER, [data.external_id for _m, data in batch]
        )

    def _pss_plan(self, batch, facts):
        """[(message, data, step)]: conflict (not newer), update (a newer
        full restatement of a known engagement: an amendment), create."""
        plan = []
        for message, data in batch:
            kind, value = version_step(data.version, facts.get(data.external_id))
            if kind == CONFLICT:
                step = not_newer(data, value)
            elif kind == AMEND:
                step = Step(steps.UPDATE, values={"order_id": value})
            else:
                step = Step(steps.CREATE)
            plan.append((message, data, step))
        return plan

    def _pss_write(self, batch, plan):
        known, new = [], []
        for message, data, step in plan:
            if step.kind == steps.UPDATE:
                known.append((message, data, step.values["order_id"]))
            elif step.kind == steps.CREATE:
                new.append((message, data))
            else:
                self._pss_report(batch, message, step)
        if known:
            self.env["pss.engagement.amend"].with_context(**WRITE_CONTEXT)._pss_amend(
                batch, known
            )
        if new:
            self.with_context(**WRITE_CONTEXT)._pss_create(batch, new)

    # ------------------------------------------------------------------
    # New engagements
    # ------------------------------------------------------------------
    def _pss_create(self, batch, entries):
        builder = self.env["pss.engagement.builder"]
        lookups = builder._pss_engagement_facts(batch.system, entries)
        todo = self._pss_check_new(batch, entries, lookups)
        todo = self._pss_customers(batch, todo, lookups)
        if not todo:
            return
        self._pss_create_orders(batch, todo, lookups)
        self._pss_create_projects(batch, todo, lookups)
        self._pss_create_milestones(todo)
        self._pss_bind(batch, todo)
        self._pss_enqueue_created(batch, todo)
        for item in todo:
            self._pss_record(batch, item, lookups)

    def _pss_check_new(self, batch, entries, lookups):
        """The engagements that can be built; the others fail or park."""
        builder = self.env["pss.engagement.builder"]
        todo = []
        for message, data in entries:
            currency, problems = builder._pss_currency(data, lookups)
            problems += builder._pss_check_lines(
                data, currency, lookups, data.billing_model
            )
            if data.retainer is not None and data.end_date:
                try:
                    month_periods(data.start_date, data.end_date)
                except ValueError:
                    problems.append(
                        ("data.end_date", f"more than {MAX_PERIODS} periods")
                    )
            if problems:
                batch.fail(
                    message,
                    builder._pss_data_error(
                        _("Engagement %s cannot be applied.", data.external_id),
                        problems,
                    ),
                )
                continue
            if (
                isinstance(data.customer, str)
                and data.customer not in lookups.customers
            ):
                batch.park(
                    message,
                    _("Customer %s is not known yet.", data.customer),
                    PARTNER,
                    data.customer,
                )
                continue
            todo.append(NewEngagement(message, data, currency))
        return todo

    def _pss_customers(self, batch, todo, lookups):
        """Set each engagement's partner: bound, or an inline customer through
        the customer engine (its failure fails the engagement)."""
        inline = [item for item in todo if not isinstance(item.data.customer, str)]
        if inline:
            outcomes = self.env["pss.customer.upsert"]._pss_upsert_customers(
                batch.system,
                [
                    (i.message.id, i.data.customer, i.message.id, "data.customer")
                    for i in inline
                ],
            )
            for item in inline:
                outcome = outcomes[item.message.id]
                if outcome.error:
                    batch.fail(item.message, outcome.error)
                else:
                    item.partner, item.operation = outcome.partner, outcome.operation
        for item in todo:
            if isinstance(item.data.customer, str):
                item.partner = lookups.customers[item.data.customer]
        return [item for item in todo if item.partner is not None]

    def _pss_create_orders(self, batch, todo, lookups):
        """Analytic accounts and confirmed sale orders, one create each."""
        builder = self.env["pss.engagement.builder"]
        company = self.env.company
        pricelists = self.env["product.pricelist"]._pss_for_currencies(
            company, self.env["res.currency"].union(*(i.currency for i in todo))
        )
        project_plan, _other_plans = self.env["account.analytic.plan"]._get_all_plans()
        accounts = self.env["account.analytic.account"].create(
            [
                {
                    "name": item.data.name,
                    "code": item.data.external_id,
                    "partner_id": item.partner.commercial_partner_id.id,
                    "company_id": company.id,
                    "plan_id": project_plan.id,
                }
                for item in todo
            ]
        )
        orders = self.env[ORDER].create(
            [
                {
                    "partner_id": item.partner.id,
                    "company_id": company.id,
                    "pricelist_id": pricelists[item.currency.id].id,
                    "client_order_ref": item.data.external_id,
                    "origin": f"{batch.system.code}: {item.data.name}"[:256],
                    "analytic_account_id": account.id,
                    "user_id": builder._pss_user(item.data, lookups.users).id,
                    "pss_system_id": batch.system.id,
                    "pss_external_id": item.data.external_id,
                    "pss_billing_model": item.data.billing_model,
                    "order_line": [
                        Command.create(vals)
                        for vals in builder._pss_line_vals(item.data, lookups)
                    ],
                }
                for item, account in zip(todo, accounts, strict=True)
            ]
        )
        orders.action_confirm()
        for item, account, order in zip(todo, accounts, orders, strict=True):
            item.account, item.order = account, order

    def _pss_create_projects(self, batch, todo, lookups):
        """Projects (copies of the company's template, if any)."""
        builder = self.env["pss.engagement.builder"]
        company = self.env.company
        tags = builder._pss_tag_ids(
            {tag for i in todo for tag in (i.data.tags or ())}
            | {i.data.practice for i in todo if i.data.practice}
        )
        template = company.pss_project_template_id
        if template and template.company_id not in (company, self.env["res.company"]):
            template = self.env[PROJECT]
        project_vals = []
        for item in todo:
            data = item.data
            names = set(data.tags or ()) | ({data.practice} if data.practice else set())
            project_vals.append(
                {
                    "name": data.name,
                    "partner_id": item.partner.id,
                    "company_id": company.id,
                    "analytic_account_id": item.account.id,
                    "active": True,
                    "allow_billable": True,
                    "allow_timesheets": True,
                    "allow_milestones": data.billing_model == "milestone",
                    "sale_line_id": item.order.order_line.sorted("sequence")[:1].id,
                    "user_id": builder._pss_user(data, lookups.users).id,
                    "date_start": data.start_date or False,
                    "date": data.end_date or False,
                    "allocated_hours": float(data.budget_hours or 0),
                    "tag_ids": [Command.set([tags[name] for name in sorted(names)])],
                    "pss_system_id": batch.system.id,
                    "pss_external_id": data.external_id,
                    "pss_billing_model": data.billing_model,
                    "pss_practice": data.practice or False,
                }
            )
        Project = self.env[PROJECT]
        if template:
            projects = Project.browse()
            for vals in project_vals:
                projects |= template.copy(vals)
        else:
            projects = Project.create(project_vals)
        projects._pss_sync_employee_map()
        for item, project in zip(todo, projects, strict=True):
            item.project = project

    def _pss_create_milestones(self, todo):
        """The milestones of the milestone engagements, one create."""
        builder = self.env["pss.engagement.builder"]
        milestone_vals = []
        for item in todo:
            if item.data.billing_model != "milestone":
                continue
            lines = {line.pss_milestone_ref: line for line in item.order.order_line}
            for milestone in item.data.milestones:
                milestone_vals.append(
                    builder._pss_milestone_vals(
                        milestone, item.project, lines[milestone.external_id]
                    )
                )
        milestones = self.env[MILESTONE].create(milestone_vals)
        milestones_of = {}
        for milestone in milestones:
            milestones_of.setdefault(milestone.project_id.id, []).append(milestone)
        for item in todo:
            item.milestones = tuple(milestones_of.get(item.project.id, ()))

    def _pss_record(self, batch, item, lookups):
        """The message's record links, and a note for a missing manager."""
        message, data = item.message, item.data
        if item.operation:
            batch.record(
                message, item.partner, item.operation, data.customer.external_id
            )
        batch.record(message, item.order, "created", data.external_id)
        batch.record(message, item.project, "created", data.external_id)
        batch.record(message, item.account, "created", data.external_id)
        for milestone in item.milestones:
            batch.record(
                message,
                milestone,
                "created",
                milestone_key(data.external_id, milestone.pss_external_id),
            )
        builder = self.env["pss.engagement.builder"]
        if data.project_manager_email and not builder._pss_user(data, lookups.users):
            batch.note(
                message,
                _(
                    "No user with e-mail %s in this company: the project has "
                    "no project manager.",
                    data.project_manager_email,
                ),
            )

    def _pss_bind(self, batch, todo):
        binding = self.env["pss.binding"]
        company_id = self.env.company.id
        order_items, project_items, milestone_items = [], [], []
        for item in todo:
            common = {
                "external_id": item.data.external_id,
                "company_id": company_id,
                "version": item.data.version,
                "message_id": item.message.id,
            }
            order_items.append(dict(common, res_id=item.order.id))
            project_items.append(dict(common, res_id=item.project.id))
            for milestone in item.milestones:
                milestone_items.append(
                    {
                        "external_id": milestone_key(
                            item.data.external_id, milestone.pss_external_id
                        ),
                        "res_id": milestone.id,
                        "company_id": company_id,
                        "message_id": item.message.id,
                    }
                )
        binding._bind_many(batch.system, ORDER, order_items)
        binding._bind_many(batch.system, PROJECT, project_items)
        binding._bind_many(batch.system, MILESTONE, milestone_items)

    def _pss_enqueue_created(self, batch, todo):
        """project.created back to the sender, one per engagement."""
        company = self.env.company
        items = []
        for item in todo:
            data, account = item.data, item.account
            customer_ref = (
                data.customer
                if isinstance(data.customer, str)
                else data.customer.external_id
            )
            payload = ProjectCreated(
                engagement_external_id=data.external_id,
                version=data.version,
                project_id=item.project.id,
                project_name=item.project.name,
                sale_order_id=item.order.id,
                sale_order_name=item.order.name,
                analytic_account_id=account.id,
                analytic_account=account.code or account.name,
                customer_id=item.partner.id,
                customer_external_id=customer_ref,
            ).model_dump(mode="json")
            items.append(
                {
                    "event_type": "project.created",
                    "payload": payload,
                    "idempotency_key": f"project.created:{data.external_id}",
                    "company_id": company.id,
                    "entity_code": company.pss_entity_code,
                    "correlation_id": item.message.correlation_id or item.message.uuid,
                    "sequence_key": f"engagement:{data.external_id}",
                    "occurred_at": fields.Datetime.now(),
                }
            )
        self.env["pss.message"].enqueue_many(batch.system, items, direction="out")
