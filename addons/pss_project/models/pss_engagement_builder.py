from dataclasses import dataclass

from odoo import _, api, models
from odoo.tools.translate import _lt

from odoo.addons.pss_core.lib.errors import PssDataError
from odoo.addons.pss_core.lib.locks import advisory_xact_locks

from ..lib.engagements import decimals
from ..lib.periods import month_periods

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


# Texts of the version checks of engagement.won and engagement.amended.
VERSION_TEXTS = {
    "not_newer": _lt(
        "Version %(version)s of engagement %(engagement)s is not newer than "
        "the applied version %(applied)s: ignored, nothing changed."
    ),
}


@dataclass(frozen=True)
class EngagementFacts:
    """What the builder's lookups found for a batch of engagements."""

    company: object  # res.company
    customers: dict  # customer external id -> res.partner (bound)
    products: dict  # billing model -> product.product (value map)
    role_products: dict  # role -> product.product (value map)
    role_jobs: dict  # role -> hr.job id (value map)
    currencies: dict  # ISO code -> res.currency (active)
    users: dict  # lower-case e-mail -> res.users
    price_digits: int  # Odoo's 'Product Price' precision


class PssEngagementBuilder(models.AbstractModel):
    """The engagement builder shared by engagement.won, engagement.amended
    and milestone.reached: the batch's facts (customers, products, users,
    currencies), the checks of the priced parts and the sale order lines."""

    _name = "pss.engagement.builder"
    _description = "PSS Engagement Builder"

    def _pss_engagement_facts(self, system, entries, billing_models=()):
        """The :class:`EngagementFacts` of ``entries`` [(message, data)]: a
        fixed number of queries for the whole batch."""
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
        users = self._pss_users(
            {d.project_manager_email.lower() for d in datas if d.project_manager_email}
        )
        Product = self.env["product.product"]
        return EngagementFacts(
            company=company,
            customers=customers,
            products={k: Product.browse(v) for k, v in products.items()},
            role_products={k: Product.browse(v) for k, v in role_products.items()},
            role_jobs=role_jobs,
            currencies=self.env["pss.handler"]._pss_currencies(codes),
            users=users,
            price_digits=self.env["decimal.precision"].precision_get("Product Price"),
        )

    def _pss_users(self, emails):
        """{lower-case e-mail: internal user of the company} (login or e-mail)."""
        users = {}
        if not emails:
            return users
        domain = ["|"] * (2 * len(emails) - 1)
        for email in emails:
            domain += [("login", "=ilike", email), ("email", "=ilike", email)]
        found = self.env["res.users"].search(
            [("share", "=", False), ("company_ids", "in", self.env.company.id), *domain]
        )
        for user in found:
            for key in (user.login, user.email):
                if key and key.lower() in emails:
                    users.setdefault(key.lower(), user)
        return users

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
        if role is not None and role in lookups.role_products:
            product = lookups.role_products[role]
            return product, self._pss_product_problem(
                product, billing_model, "role_product", role
            )
        product = lookups.products.get(billing_model)
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
        places = currency.decimal_places if currency else 2
        needed = set()
        if data.rate_card:
            problems += self._pss_check_rates(data, lookups, billing_model)
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

    def _pss_check_rates(self, data, lookups, billing_model):
        """Problems of the rate card as [(path, message)]."""
        problems = []
        digits = lookups.price_digits
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
        return problems

    @staticmethod
    def _pss_data_error(message, problems):
        return PssDataError(
            message,
            details=[{"path": path, "message": text} for path, text in problems],
        )

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
            "pss_job_id": lookups.role_jobs.get(line.role) or False,
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

    def _pss_currency(self, data, lookups):
        """(currency or None, problems): the engagement's, else the customer's."""
        code = data.currency
        if not code and not isinstance(data.customer, str) and data.customer:
            code = data.customer.currency
        if not code:
            if isinstance(data.customer, str):
                partner = lookups.customers.get(data.customer)
                if partner and partner.pss_currency_id:
                    return partner.pss_currency_id, []
            return self.env.company.currency_id, []
        currency = lookups.currencies.get(code)
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
