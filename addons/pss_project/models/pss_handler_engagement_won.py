from odoo import Command, _, api, fields, models

from odoo.addons.pss_core.lib.errors import PssDataError
from odoo.addons.pss_core.lib.locks import advisory_xact_locks

from ..lib.periods import MAX_PERIODS, month_periods
from ..schemas.engagement import EngagementWon
from ..schemas.project_created import ProjectCreated

PARTNER = "res.partner"
ORDER = "sale.order"
PROJECT = "project.project"
MILESTONE = "project.milestone"

# Billing model -> (Odoo service invoicing policy, check of the product).
PRODUCT_POLICIES = {
    "time_and_materials": (
        "Based on Timesheets",
        lambda p: p.invoice_policy == "delivery" and p.service_type == "timesheet",
    ),
    "fixed_fee": ("Prepaid/Fixed Price", lambda p: p.invoice_policy == "order"),
    "milestone": (
        "Based on Milestones",
        lambda p: p.invoice_policy == "delivery" and p.service_type == "milestones",
    ),
    "retainer": (
        "Based on Delivered Quantity (Manual)",
        lambda p: p.invoice_policy == "delivery" and p.service_type == "manual",
    ),
}


# Context of the writes: the technical user does not follow what it creates,
# and people assigned (project manager, salesperson) are not e-mailed one by
# one for hundreds of records; they see them in their lists.
# Lines added to a confirmed order are listed by the message's record links
# rather than posted one by one on the order's chatter.
WRITE_CONTEXT = {
    "mail_create_nosubscribe": True,
    "mail_auto_subscribe_no_notify": True,
    "sale_no_log_for_new_lines": True,
}


def milestone_key(engagement_external_id, milestone_external_id):
    """External id of a milestone binding: unique within its engagement."""
    return f"{engagement_external_id}/{milestone_external_id}"


def decimals(value):
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


class PssHandlerEngagementWon(models.AbstractModel):
    """engagement.won: customer, confirmed sale order, project, analytic account.

    Also the engine shared with engagement.amended (lookups, checks, lines).
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

    def _pss_process(self, batch):
        system = batch.system
        items = list(batch)
        versions = self.env["pss.binding"]._versions(
            system, ORDER, [data.external_id for _m, data in items]
        )
        new, known = [], []
        for message, data in items:
            bound = versions.get(data.external_id)
            if not bound:
                new.append((message, data))
                continue
            order_id, applied = bound
            if data.version <= (applied or 0):
                batch.conflict(message, self._pss_conflict_note(data, applied))
                continue
            # A newer full restatement of a known engagement: an amendment.
            known.append((message, data, order_id))
        if known:
            self.env["pss.handler.engagement.amended"].with_context(
                **WRITE_CONTEXT
            )._pss_amend(batch, known)
        if new:
            self.with_context(**WRITE_CONTEXT)._pss_create(batch, new)

    @api.model
    def _pss_conflict_note(self, data, applied):
        return _(
            "Version %(version)s of engagement %(engagement)s is not newer than "
            "the applied version %(applied)s: ignored, nothing changed.",
            version=data.version,
            engagement=data.external_id,
            applied=applied,
        )

    # ------------------------------------------------------------------
    # Lookups: a fixed number of queries for the whole batch
    # ------------------------------------------------------------------
    def _pss_lookups(self, system, entries, billing_models=()):
        company = self.env.company
        value_map = self.env["pss.value.map"]
        datas = [data for _m, data in entries]
        customer_refs = {
            d.customer if isinstance(d.customer, str) else d.customer.external_id
            for d in datas
            if d.customer
        }
        customers = self.env["pss.binding"]._resolve_records(
            system, PARTNER, customer_refs
        )
        billing_models = set(billing_models)
        billing_models |= {d.billing_model for d in datas if d.billing_model}
        if any(d.milestones for d in datas):
            billing_models.add("milestone")
        if any(d.rate_card for d in datas):
            billing_models.add("time_and_materials")
        roles = {line.role for d in datas for line in d.rate_card or ()}
        products = value_map._map(system, "product", billing_models, company=company)
        role_products = value_map._map(system, "role_product", roles, company=company)
        role_jobs = value_map._map(system, "role_job", roles, company=company)
        product_records = self.env["product.product"].browse(
            set(products.values()) | set(role_products.values())
        )
        product_records.fetch(
            ["type", "invoice_policy", "service_type", "service_tracking", "company_id"]
        )
        codes = {d.currency for d in datas if d.currency}
        codes |= {
            d.customer.currency
            for d in datas
            if not isinstance(d.customer, str) and d.customer and d.customer.currency
        }
        emails = {
            d.project_manager_email.lower() for d in datas if d.project_manager_email
        }
        users = {}
        if emails:
            domain = ["|"] * (2 * len(emails) - 1)
            for email in emails:
                domain += [("login", "=ilike", email), ("email", "=ilike", email)]
            found = self.env["res.users"].search(
                [("share", "=", False), ("company_ids", "in", company.id), *domain]
            )
            for user in found:
                for key in (user.login, user.email):
                    if key and key.lower() in emails:
                        users.setdefault(key.lower(), user)
        return {
            "company": company,
            "customers": customers,
            "products": {
                k: self.env["product.product"].browse(v) for k, v in products.items()
            },
            "role_products": {
                k: self.env["product.product"].browse(v)
                for k, v in role_products.items()
            },
            "role_jobs": role_jobs,
            "currencies": self._pss_currencies(codes),
            "users": users,
            "price_digits": self.env["decimal.precision"].precision_get(
                "Product Price"
            ),
        }

    def _pss_product_problem(self, product, billing_model, kind, value):
        label, check = PRODUCT_POLICIES[billing_model]
        company = self.env.company
        if product.type != "service" or not check(product):
            return _(
                "value map %(kind)s %(value)r points to product %(product)s, which "
                "is not a service invoiced '%(policy)s'",
                kind=kind,
                value=value,
                product=product.display_name,
                policy=label,
            )
        if product.service_tracking != "no":
            return _(
                "value map %(kind)s %(value)r points to product %(product)s, which "
                "creates projects or tasks on its own (set 'Create on Order' to "
                "'Nothing': the integration creates the project)",
                kind=kind,
                value=value,
                product=product.display_name,
            )
        if product.company_id and product.company_id != company:
            return _(
                "value map %(kind)s %(value)r points to product %(product)s of "
                "another company",
                kind=kind,
                value=value,
                product=product.display_name,
            )
        return None

    def _pss_product_for(self, billing_model, lookups, role=None):
        """(product, problem) for a line of ``billing_model`` (and role)."""
        if role is not None and role in lookups["role_products"]:
            product = lookups["role_products"][role]
            return product, self._pss_product_problem(
                product, billing_model, "role_product", role
            )
        product = lookups["products"].get(billing_model)
        if not product:
            return None, _(
                "no value map of kind 'product' for %(model)r in company %(company)s",
                model=billing_model,
                company=self.env.company.name,
            )
        return product, self._pss_product_problem(
            product, billing_model, "product", billing_model
        )

    def _pss_check_lines(self, data, currency, lookups, billing_model):
        """Problems of the priced parts of ``data`` as [(path, message)]."""
        problems = []
        digits = lookups["price_digits"]
        places = currency.decimal_places if currency else 2
        needed = set()
        if data.rate_card:
            if billing_model != "time_and_materials":
                problems.append(
                    ("data.rate_card", f"not for billing_model {billing_model}")
                )
            for index, line in enumerate(data.rate_card):
                _product, problem = self._pss_product_for(
                    "time_and_materials", lookups, role=line.role
                )
                if problem:
                    problems.append((f"data.rate_card[{index}].role", problem))
                if decimals(line.unit_price) > digits:
                    problems.append(
                        (
                            f"data.rate_card[{index}].unit_price",
                            f"more than {digits} decimals (Odoo's 'Product Price' "
                            "precision)",
                        )
                    )
        if data.fixed_amount is not None:
            if billing_model != "fixed_fee":
                problems.append(
                    ("data.fixed_amount", f"not for billing_model {billing_model}")
                )
            needed.add("fixed_fee")
            if decimals(data.fixed_amount) > places:
                problems.append(("data.fixed_amount", f"more than {places} decimals"))
        if data.milestones:
            if billing_model != "milestone":
                problems.append(
                    ("data.milestones", f"not for billing_model {billing_model}")
                )
            needed.add("milestone")
            for index, milestone in enumerate(data.milestones):
                if decimals(milestone.amount) > places:
                    problems.append(
                        (
                            f"data.milestones[{index}].amount",
                            f"more than {places} decimals",
                        )
                    )
        if data.retainer is not None:
            if billing_model != "retainer":
                problems.append(
                    ("data.retainer", f"not for billing_model {billing_model}")
                )
            needed.add("retainer")
            if decimals(data.retainer.amount) > places:
                problems.append(
                    ("data.retainer.amount", f"more than {places} decimals")
                )
        for model in sorted(needed):
            _product, problem = self._pss_product_for(model, lookups)
            if problem:
                problems.append(("data.billing_model", problem))
        return problems

    @staticmethod
    def _pss_data_error(message, problems):
        return PssDataError(
            message,
            details=[{"path": path, "message": text} for path, text in problems],
        )

    # ------------------------------------------------------------------
    # Lines of the sale order
    # ------------------------------------------------------------------
    def _pss_rate_line_vals(
        self, data, line, lookups, rate_from, sequence, name_suffix=""
    ):
        product, _problem = self._pss_product_for(
            "time_and_materials", lookups, role=line.role
        )
        hours = line.hours
        if hours is None and len(data.rate_card or ()) == 1 and data.budget_hours:
            hours = data.budget_hours
        return {
            "product_id": product.id,
            "name": f"{product.name} ({line.role}){name_suffix}",
            "product_uom_qty": float(hours or 0),
            "price_unit": float(line.unit_price),
            "discount": 0.0,
            "sequence": sequence,
            "pss_role": line.role,
            "pss_job_id": lookups["role_jobs"].get(line.role) or False,
            "pss_rate_from": rate_from or False,
        }

    def _pss_milestone_line_vals(self, milestone, lookups, sequence):
        product, _problem = self._pss_product_for("milestone", lookups)
        return {
            "product_id": product.id,
            "name": milestone.name,
            "product_uom_qty": 1.0,
            "price_unit": float(milestone.amount),
            "discount": 0.0,
            "sequence": sequence,
            "pss_milestone_ref": milestone.external_id,
        }

    def _pss_retainer_line_vals(self, data, name, retainer, period, lookups, sequence):
        product, _problem = self._pss_product_for("retainer", lookups)
        first, last = period
        return {
            "product_id": product.id,
            "name": _(
                "%(name)s: retainer %(first)s - %(last)s",
                name=name,
                first=first,
                last=last,
            ),
            "product_uom_qty": 1.0,
            "price_unit": float(retainer.amount),
            "discount": 0.0,
            "sequence": sequence,
            "pss_retainer_period": retainer.period,
            "pss_period_start": first,
            "pss_period_end": last,
            "pss_hours_cap": float(retainer.hours_cap or 0),
        }

    def _pss_line_vals(self, data, lookups):
        model = data.billing_model
        if model == "time_and_materials":
            return [
                self._pss_rate_line_vals(
                    data, line, lookups, data.start_date, 10 * (i + 1)
                )
                for i, line in enumerate(data.rate_card)
            ]
        if model == "fixed_fee":
            product, _problem = self._pss_product_for("fixed_fee", lookups)
            return [
                {
                    "product_id": product.id,
                    "name": f"{product.name}: {data.name}",
                    "product_uom_qty": 1.0,
                    "price_unit": float(data.fixed_amount),
                    "discount": 0.0,
                    "sequence": 10,
                }
            ]
        if model == "milestone":
            return [
                self._pss_milestone_line_vals(milestone, lookups, 10 * (i + 1))
                for i, milestone in enumerate(data.milestones)
            ]
        periods = month_periods(data.start_date, data.end_date)
        return [
            self._pss_retainer_line_vals(
                data, data.name, data.retainer, period, lookups, 10 * (i + 1)
            )
            for i, period in enumerate(periods)
        ]

    @api.model
    def _pss_tag_ids(self, names):
        """{name: project.tags id}, creating the missing tags at once."""
        names = {name for name in names if name}
        if not names:
            return {}
        Tag = self.env["project.tags"]

        def existing():
            tags = Tag.search([("name", "in", list(names))])
            return {tag.name: tag.id for tag in tags}

        found = existing()
        missing = sorted(names - set(found))
        if missing:
            # Another worker creating the same tag: wait for it, look again.
            advisory_xact_locks(self.env.cr, [(Tag._name, 0, name) for name in missing])
            found = existing()
            missing = sorted(names - set(found))
        if missing:
            for tag in Tag.create([{"name": name} for name in missing]):
                found[tag.name] = tag.id
        return found

    # ------------------------------------------------------------------
    # engagement.won for new engagements
    # ------------------------------------------------------------------
    def _pss_create(self, batch, entries):
        system = batch.system
        company = self.env.company
        lookups = self._pss_lookups(system, entries)
        valid = []
        currency_of = {}
        for message, data in entries:
            currency, problems = self._pss_currency(data, lookups)
            problems += self._pss_check_lines(
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
                    self._pss_data_error(
                        _("Engagement %s cannot be applied.", data.external_id),
                        problems,
                    ),
                )
                continue
            if (
                isinstance(data.customer, str)
                and data.customer not in lookups["customers"]
            ):
                batch.park(
                    message,
                    _("Customer %s is not known yet.", data.customer),
                    PARTNER,
                    data.customer,
                )
                continue
            currency_of[message.id] = currency
            valid.append((message, data))

        # Customers given inline: the customer.upserted engine.
        partners = {}
        inline = [(m, d) for m, d in valid if not isinstance(d.customer, str)]
        if inline:
            outcomes = self.env["pss.handler.customer.upserted"]._pss_upsert_customers(
                system, [(m.id, d.customer, m.id, "data.customer") for m, d in inline]
            )
            for message, _data in inline:
                outcome = outcomes[message.id]
                if outcome.error:
                    batch.fail(message, outcome.error)
                else:
                    partners[message.id] = outcome
        for message, data in valid:
            if isinstance(data.customer, str):
                partner = lookups["customers"][data.customer]
                partners[message.id] = (partner, None, None)
        valid = [(m, d) for m, d in valid if m.id in partners]
        if not valid:
            return

        pricelists = self.env["product.pricelist"]._pss_for_currencies(
            company,
            self.env["res.currency"].union(*(currency_of[m.id] for m, _d in valid)),
        )
        project_plan, _other_plans = self.env["account.analytic.plan"]._get_all_plans()
        accounts = self.env["account.analytic.account"].create(
            [
                {
                    "name": data.name,
                    "code": data.external_id,
                    "partner_id": partners[message.id][0].commercial_partner_id.id,
                    "company_id": company.id,
                    "plan_id": project_plan.id,
                }
                for message, data in valid
            ]
        )
        users = lookups["users"]
        orders = self.env[ORDER].create(
            [
                {
                    "partner_id": partners[message.id][0].id,
                    "company_id": company.id,
                    "pricelist_id": pricelists[currency_of[message.id].id].id,
                    "client_order_ref": data.external_id,
                    "origin": f"{system.code}: {data.name}"[:256],
                    "analytic_account_id": account.id,
                    "user_id": self._pss_user(data, users).id,
                    "pss_system_id": system.id,
                    "pss_external_id": data.external_id,
                    "pss_billing_model": data.billing_model,
                    "order_line": [
                        Command.create(vals)
                        for vals in self._pss_line_vals(data, lookups)
                    ],
                }
                for (message, data), account in zip(valid, accounts, strict=True)
            ]
        )
        orders.action_confirm()

        tags = self._pss_tag_ids(
            {tag for _m, d in valid for tag in (d.tags or ())}
            | {d.practice for _m, d in valid if d.practice}
        )
        template = company.pss_project_template_id
        if template and template.company_id not in (company, self.env["res.company"]):
            template = self.env[PROJECT]
        project_vals = []
        for (message, data), order, account in zip(
            valid, orders, accounts, strict=True
        ):
            names = set(data.tags or ()) | ({data.practice} if data.practice else set())
            project_vals.append(
                {
                    "name": data.name,
                    "partner_id": partners[message.id][0].id,
                    "company_id": company.id,
                    "analytic_account_id": account.id,
                    "active": True,
                    "allow_billable": True,
                    "allow_timesheets": True,
                    "allow_milestones": data.billing_model == "milestone",
                    "sale_line_id": order.order_line.sorted("sequence")[:1].id,
                    "user_id": self._pss_user(data, users).id,
                    "date_start": data.start_date or False,
                    "date": data.end_date or False,
                    "allocated_hours": float(data.budget_hours or 0),
                    "tag_ids": [Command.set([tags[name] for name in sorted(names)])],
                    "pss_system_id": system.id,
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

        milestone_vals = []
        for (_message, data), order, project in zip(
            valid, orders, projects, strict=True
        ):
            if data.billing_model != "milestone":
                continue
            lines = {line.pss_milestone_ref: line for line in order.order_line}
            for milestone in data.milestones:
                milestone_vals.append(
                    self._pss_milestone_vals(
                        milestone, project, lines[milestone.external_id]
                    )
                )
        milestones = self.env[MILESTONE].create(milestone_vals)
        milestones_of = {}
        for milestone in milestones:
            milestones_of.setdefault(milestone.project_id.id, []).append(milestone)

        self._pss_bind(batch, valid, orders, projects, milestones_of)
        self._pss_enqueue_created(batch, valid, orders, projects, accounts, partners)
        for (message, data), order, project, account in zip(
            valid, orders, projects, accounts, strict=True
        ):
            partner, operation, _error = partners[message.id]
            if operation:
                batch.record(message, partner, operation, data.customer.external_id)
            batch.record(message, order, "created", data.external_id)
            batch.record(message, project, "created", data.external_id)
            batch.record(message, account, "created", data.external_id)
            for milestone in milestones_of.get(project.id, ()):
                batch.record(
                    message,
                    milestone,
                    "created",
                    milestone_key(data.external_id, milestone.pss_external_id),
                )
            if data.project_manager_email and not self._pss_user(data, users):
                batch.note(
                    message,
                    _(
                        "No user with e-mail %s in this company: the project has "
                        "no project manager.",
                        data.project_manager_email,
                    ),
                )

    def _pss_currency(self, data, lookups):
        """(currency or None, problems): the engagement's, else the customer's."""
        code = data.currency
        if not code and not isinstance(data.customer, str) and data.customer:
            code = data.customer.currency
        if not code:
            if isinstance(data.customer, str):
                partner = lookups["customers"].get(data.customer)
                if partner and partner.pss_currency_id:
                    return partner.pss_currency_id, []
            return self.env.company.currency_id, []
        currency = lookups["currencies"].get(code)
        if not currency:
            return None, [("data.currency", f"currency {code} is not active in Odoo")]
        return currency, []

    def _pss_user(self, data, users):
        """The project manager's user, or an empty recordset."""
        email = (data.project_manager_email or "").lower()
        return users.get(email) or self.env["res.users"]

    def _pss_milestone_vals(self, milestone, project, line):
        return {
            "name": milestone.name,
            "project_id": project.id,
            "sale_line_id": line.id,
            "deadline": milestone.due_date or False,
            "quantity_percentage": 1.0,
            "pss_external_id": milestone.external_id,
        }

    def _pss_bind(self, batch, valid, orders, projects, milestones_of):
        system = batch.system
        binding = self.env["pss.binding"]
        company_id = self.env.company.id
        order_items, project_items, milestone_items = [], [], []
        for (message, data), order, project in zip(
            valid, orders, projects, strict=True
        ):
            common = {
                "external_id": data.external_id,
                "company_id": company_id,
                "version": data.version,
                "message_id": message.id,
            }
            order_items.append(dict(common, res_id=order.id))
            project_items.append(dict(common, res_id=project.id))
            for milestone in milestones_of.get(project.id, ()):
                milestone_items.append(
                    {
                        "external_id": milestone_key(
                            data.external_id, milestone.pss_external_id
                        ),
                        "res_id": milestone.id,
                        "company_id": company_id,
                        "message_id": message.id,
                    }
                )
        binding._bind_many(system, ORDER, order_items)
        binding._bind_many(system, PROJECT, project_items)
        binding._bind_many(system, MILESTONE, milestone_items)

    def _pss_enqueue_created(self, batch, valid, orders, projects, accounts, partners):
        """project.created back to the sender, one per engagement."""
        company = self.env.company
        items = []
        for (message, data), order, project, account in zip(
            valid, orders, projects, accounts, strict=True
        ):
            partner = partners[message.id][0]
            customer_ref = (
                data.customer
                if isinstance(data.customer, str)
                else data.customer.external_id
            )
            payload = ProjectCreated(
                engagement_external_id=data.external_id,
                version=data.version,
                project_id=project.id,
                project_name=project.name,
                sale_order_id=order.id,
                sale_order_name=order.name,
                analytic_account_id=account.id,
                analytic_account=account.code or account.name,
                customer_id=partner.id,
                customer_external_id=customer_ref,
            ).model_dump(mode="json")
            items.append(
                {
                    "event_type": "project.created",
                    "payload": payload,
                    "idempotency_key": f"project.created:{data.external_id}",
                    "company_id": company.id,
                    "entity_code": company.pss_entity_code,
                    "correlation_id": message.correlation_id or message.uuid,
                    "sequence_key": f"engagement:{data.external_id}",
                    "occurred_at": fields.Datetime.now(),
                }
            )
        self.env["pss.message"].enqueue_many(batch.system, items, direction="out")
