"""Fixtures of the pss_project tests: two entities in two countries, each with
its own chart of accounts, taxes and currency; two external systems with
their technical users; service products and value maps.

``ProjectCase.post()`` is the only place that enqueues events: once the
inbound HTTP API (pss_api) is installed it can send the same envelopes over
HTTP instead, and every test keeps working unchanged.
"""

from types import SimpleNamespace

from odoo import Command
from odoo.tests import TransactionCase

from odoo.addons.pss_core.tests.common import (
    make_company,
    make_system,
    make_user,
    unique,
)

__all__ = ["make_company", "make_system", "make_user", "unique"]


def chart_company(env, name, currency, country):
    """A legal entity (``make_company``, its code ``unique(country)``) with
    its own chart of accounts (generic_coa)."""
    company = make_company(env, name, unique(country), currency, country)
    env["account.chart.template"].try_loading(
        "generic_coa", company, install_demo=False
    )
    # Loading generic_coa sets the chart's currency (USD): put the entity's
    # own back while it has no entries, so amounts really are in it.
    wanted = env.ref(f"base.{currency}")
    if company.currency_id != wanted:
        wanted.active = True
        company.currency_id = wanted
    return company


def sale_tax(env, company, name, amount):
    return env["account.tax"].create(
        {
            "name": name,
            "amount": amount,
            "amount_type": "percent",
            "type_tax_use": "sale",
            "company_id": company.id,
        }
    )


def make_value_maps(env, system, fx):
    """The maps a CRM / PSA needs: products per billing model and role, the
    job of a role, a payment term."""

    def vmap(kind, value, record, company=None):
        return {
            "system_id": system.id,
            "kind": kind,
            "external_value": value,
            "res_model": record._name,
            "res_id": record.id,
            "company_id": company.id if company else False,
        }

    return env["pss.value.map"].create(
        [
            vmap("product", "time_and_materials", fx.product_time),
            vmap("product", "fixed_fee", fx.product_fixed),
            vmap("product", "milestone", fx.product_milestone),
            vmap("product", "retainer", fx.product_retainer),
            vmap("role_product", "senior", fx.product_senior),
            vmap("role_job", "consultant", fx.job_consultant, fx.company_de),
            vmap(
                "payment_term", "NET30", env.ref("account.account_payment_term_30days")
            ),
        ]
    )


def build_fixtures(env, template=True):
    """Two entities (DE in EUR, US in USD) with charts and taxes, service
    products, a consultant, the DE project template, two systems (CRM, PSA)
    with their technical users and value maps. Returns a namespace."""
    fx = SimpleNamespace()
    env.ref("base.EUR").active = True
    env.ref("base.USD").active = True
    fx.company_de = chart_company(env, "PSS Consulting GmbH", "EUR", "DE")
    fx.company_us = chart_company(env, "PSS Consulting Inc.", "USD", "US")
    fx.companies = fx.company_de | fx.company_us
    fx.tax_de = sale_tax(env, fx.company_de, "19% USt", 19.0)
    fx.tax_de_zero = sale_tax(env, fx.company_de, "0% EU reverse charge", 0.0)
    fx.tax_us = sale_tax(env, fx.company_us, "7% sales tax", 7.0)
    fx.fpos_eu = env["account.fiscal.position"].create(
        {
            "name": "EU B2B (reverse charge)",
            "company_id": fx.company_de.id,
            "auto_apply": True,
            "vat_required": True,
            "country_id": env.ref("base.fr").id,
            "tax_ids": [
                Command.create(
                    {"tax_src_id": fx.tax_de.id, "tax_dest_id": fx.tax_de_zero.id}
                )
            ],
        }
    )
    taxes = [Command.set((fx.tax_de | fx.tax_us).ids)]
    hour = env.ref("uom.product_uom_hour")
    unit = env.ref("uom.product_uom_unit")

    def service(name, invoice_policy, service_type, uom):
        return {
            "name": name,
            "detailed_type": "service",
            "invoice_policy": invoice_policy,
            "service_type": service_type,
            "service_tracking": "no",
            "uom_id": uom.id,
            "uom_po_id": uom.id,
            "taxes_id": taxes,
        }

    (
        fx.product_time,
        fx.product_senior,
        fx.product_fixed,
        fx.product_milestone,
        fx.product_retainer,
    ) = env["product.product"].create(
        [
            # Based on Timesheets (delivered_timesheet)
            service("Consulting (time and materials)", "delivery", "timesheet", hour),
            service("Senior consulting", "delivery", "timesheet", hour),
            # Prepaid/Fixed Price (ordered_prepaid)
            service("Fixed-fee project", "order", "timesheet", unit),
            # Based on Milestones (delivered_milestones)
            service("Milestone", "delivery", "milestones", unit),
            # Based on Delivered Quantity (delivered_manual): the billing run
            service("Retainer", "delivery", "manual", unit),
        ]
    )
    fx.job_consultant = env["hr.job"].create(
        {"name": "Consultant", "company_id": fx.company_de.id}
    )
    fx.employee_anna = env["hr.employee"].create(
        {
            "name": "Anna Berger",
            "company_id": fx.company_de.id,
            "job_id": fx.job_consultant.id,
        }
    )
    fx.template_de = env["project.project"]
    if template:
        # The DE entity's policy: projects are copies of this template.
        fx.template_de = env["project.project"].create(
            {
                "name": "Template: consulting engagement",
                "company_id": fx.company_de.id,
                "allow_timesheets": True,
                "type_ids": [
                    Command.create({"name": "Backlog", "sequence": 1}),
                    Command.create({"name": "Doing", "sequence": 2}),
                ],
                "task_ids": [
                    Command.create({"name": "Kick-off"}),
                    Command.create({"name": "Steering"}),
                ],
            }
        )
        fx.company_de.pss_project_template_id = fx.template_de
    groups = [env.ref("pss_project.group_pss_project_integration").id]
    fx.tech_crm = make_user(env, unique("tech_crm"), groups, fx.companies, email=False)
    fx.tech_psa = make_user(env, unique("tech_psa"), groups, fx.companies, email=False)
    fx.pm = make_user(
        env,
        unique("pm"),
        [env.ref("project.group_project_user").id],
        fx.companies,
        email=True,
    )
    fx.crm = make_system(env, unique("crm"), fx.tech_crm, fx.companies, kind="crm")
    fx.psa = make_system(env, unique("psa"), fx.tech_psa, fx.companies, kind="psa")
    for system in fx.crm | fx.psa:
        make_value_maps(env, system, fx)
    return fx


def customer_payload(external_id, **values):
    data = {
        "external_id": external_id,
        "name": f"Customer {external_id}",
        "is_company": True,
        "country": "DE",
    }
    data.update(values)
    return data


def engagement_payload(external_id, billing_model, customer, **values):
    data = {
        "external_id": external_id,
        "version": 1,
        "name": f"Engagement {external_id}",
        "customer": customer,
        "billing_model": billing_model,
        "start_date": "2026-03-01",
        "end_date": "2026-12-31",
    }
    data.update(values)
    return data


class ProjectCase(TransactionCase):
    """Base class: fixtures and helpers, no test of its own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name, value in vars(build_fixtures(cls.env)).items():
            setattr(cls, name, value)
        cls.Message = cls.env["pss.message"]
        cls.SaleOrder = cls.env["sale.order"]
        cls.Project = cls.env["project.project"]
        cls.Partner = cls.env["res.partner"]

    # ------------------------------------------------------------------
    # Driving the queue
    # ------------------------------------------------------------------
    def post(self, system, event_type, data, entity, event_id=None):
        """Send one event (``data`` a dict) or many (a list of dicts) for the
        legal entity ``entity``, as the system would; return the message(s).

        The only place the tests enqueue: the HTTP API can replace it.
        """
        handler = self.env["pss.handler"]._pss_handler_for(event_type)
        datas = data if isinstance(data, list) else [data]
        items = []
        for payload in datas:
            key = event_id if event_id and len(datas) == 1 else unique("evt_")
            items.append(
                {
                    "event_type": event_type,
                    "payload": payload,
                    "idempotency_key": key,
                    "external_event_id": key,
                    "company_id": entity.id,
                    "entity_code": entity.pss_entity_code,
                    "sequence_key": handler._pss_sequence_key(payload),
                }
            )
        results = (
            self.env["pss.message"]
            .with_user(system.user_id)
            .with_context(allowed_company_ids=system.company_ids.ids)
            .enqueue_many(system, items)
        )
        messages = self.env["pss.message"].browse([m.id for m, _new in results])
        return messages if isinstance(data, list) else messages[0]

    def process(self, system=None):
        return self.env["pss.message"]._process_queue("in", commit=False, system=system)

    def bound(self, system, model, external_id):
        found = self.env["pss.binding"]._resolve(system, model, [external_id])
        return self.env[model].browse(found.get(external_id))

    def assertDone(self, *messages):
        for message in messages:
            self.assertEqual(
                message.state,
                "done",
                f"{message.event_type}: {message.last_error} {message.error_details}",
            )
            self.assertFalse(message.error_category, message.note)

    # ------------------------------------------------------------------
    # Payloads
    # ------------------------------------------------------------------
    customer = staticmethod(customer_payload)
    engagement = staticmethod(engagement_payload)
