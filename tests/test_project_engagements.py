"""Lead to project (pss_project): from an HTTP POST (pss_api) or the queue to a
confirmed sale order and a project ready for time, in the right legal entity,
per billing model."""

import json
from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from odoo.addons.pss_core.tests.common import make_user, signed_request
from odoo.addons.pss_project.tests.common import ProjectCase, unique


def approved_in_odoo(timesheets):
    """Time typed in Odoo counts once approved when pss_billing is installed
    (its approval gate): approve it as a project manager would."""
    if "pss_approved" in timesheets._fields:
        timesheets.write({"pss_approved": True})
    return timesheets


class ProjectHttpCase(ProjectCase, HttpCase):
    """ProjectCase whose events arrive over HTTP, signed, as a system sends
    them: POST /pss/v1/<system>/events, then the queue applies them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._creds = {s.id: s.issue_credentials() for s in cls.crm | cls.psa}

    def credentials(self, system):
        return self._creds[system.id]

    def send(self, system, envelopes, headers=None):
        """POST signed envelopes (with ``headers`` added); the response is
        also kept as ``last_response``."""
        creds = self.credentials(system)
        body = json.dumps(
            {"events": envelopes}, default=str, separators=(",", ":")
        ).encode()
        response = signed_request(
            self.opener,
            "POST",
            f"{self.base_url()}/pss/v1/{system.code}/events",
            creds,
            body,
            headers,
        )
        self.last_response = response
        self.env.invalidate_all()
        return response

    def status(self, system, message):
        """GET the message's status as the sender does."""
        creds = self.credentials(system)
        response = signed_request(
            self.opener,
            "GET",
            f"{self.base_url()}/pss/v1/{system.code}/messages/{message.id}",
            creds,
        )
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def post(self, system, event_type, data, entity, event_id=None):
        datas = data if isinstance(data, list) else [data]
        envelopes = [
            {
                "id": event_id if event_id and len(datas) == 1 else unique("evt_"),
                "type": event_type,
                "schema_version": 1,
                "occurred_at": "2026-11-20T10:00:00Z",
                "entity": entity.pss_entity_code,
                "data": payload,
            }
            for payload in datas
        ]
        response = self.send(system, envelopes)
        self.assertEqual(response.status_code, 202, response.text)
        ids = [entry["id"] for entry in response.json()["results"]]
        messages = self.env["pss.message"].browse(ids)
        for message in messages:
            self.assertEqual(message.company_id, entity)
        return messages if isinstance(data, list) else messages[0]


@tagged("post_install", "-at_install")
class TestEngagementBillingModels(ProjectHttpCase):
    def test_unknown_entity_is_refused_at_the_door_and_writes_nothing(self):
        before = self.Message.search_count([])
        response = self.send(
            self.psa,
            [
                {
                    "id": unique("evt_"),
                    "type": "customer.upserted",
                    "schema_version": 1,
                    "occurred_at": "2026-11-20T10:00:00Z",
                    "entity": "XX99",
                    "data": {"external_id": unique("CUST-"), "name": "Nobody Ltd"},
                }
            ],
        )
        self.assertEqual(response.status_code, 422, response.text)
        self.assertIn("application/problem+json", response.headers["Content-Type"])
        paths = {e["path"] for e in response.json()["errors"]}
        self.assertIn("events[0].entity", paths)
        self.assertEqual(self.Message.search_count([]), before)

    # -- time and materials ---------------------------------------------------
    def test_time_and_materials_in_the_german_entity(self):
        ext = unique("ENG-TM-")
        customer = self.customer(
            unique("C-"), name="Bauhaus Werke AG", vat="DE 811 907 980"
        )
        data = self.engagement(
            ext,
            "time_and_materials",
            customer,
            currency="EUR",
            budget_hours="400",
            rate_card=[
                {"role": "consultant", "unit_price": "150.00", "hours": "300"},
                {"role": "senior", "unit_price": "210.5", "hours": "100"},
            ],
            project_manager_email=self.pm.email,
            practice="Data",
            tags=["SAP"],
        )
        message = self.post(self.crm, "engagement.won", data, self.company_de)
        self.process()
        self.assertDone(message)

        order = self.bound(self.crm, "sale.order", ext)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.company_id, self.company_de)
        self.assertEqual(order.currency_id.name, "EUR")
        self.assertEqual(order.pricelist_id.currency_id.name, "EUR")
        self.assertEqual(order.client_order_ref, ext)
        self.assertEqual(
            (order.pss_external_id, order.pss_billing_model, order.pss_system_id),
            (ext, "time_and_materials", self.crm),
        )
        self.assertEqual(order.partner_id.name, "Bauhaus Werke AG")
        self.assertEqual(order.user_id, self.pm)
        lines = order.order_line.sorted("sequence")
        self.assertEqual(lines.mapped("pss_role"), ["consultant", "senior"])
        self.assertEqual(
            lines.mapped("product_id"), self.product_time | self.product_senior
        )
        self.assertEqual(lines.mapped("price_unit"), [150.0, 210.5])
        self.assertEqual(lines.mapped("product_uom_qty"), [300.0, 100.0])
        self.assertEqual(lines.mapped("tax_id"), self.tax_de)
        self.assertAlmostEqual(order.amount_untaxed, 300 * 150 + 100 * 210.5)
        self.assertAlmostEqual(order.amount_tax, order.amount_untaxed * 0.19, 2)
        self.assertEqual(set(lines.mapped("qty_delivered_method")), {"timesheet"})

        project = self.bound(self.crm, "project.project", ext)
        self.assertEqual(project.company_id, self.company_de)
        self.assertEqual(project.name, data["name"])
        self.assertEqual(project.partner_id, order.partner_id)
        self.assertEqual(project.sale_order_id, order)
        self.assertEqual(project.sale_line_id, lines[0])
        self.assertTrue(project.allow_timesheets and project.allow_billable)
        self.assertEqual(project.user_id, self.pm)
        self.assertEqual(project.allocated_hours, 400)
        self.assertEqual(project.date_start, date(2026, 3, 1))
        self.assertEqual(set(project.tag_ids.mapped("name")), {"SAP", "Data"})
        self.assertEqual(project.pss_practice, "Data")
        # The DE entity's template: its tasks and stages come along.
        self.assertEqual(set(project.task_ids.mapped("name")), {"Kick-off", "Steering"})
        self.assertEqual(set(project.type_ids.mapped("name")), {"Backlog", "Doing"})
        # The consultant already employed is billed at the consultant rate.
        self.assertEqual(project.pricing_type, "employee_rate")
        self.assertEqual(
            project.sale_line_employee_ids.mapped(
                lambda m: (m.employee_id, m.sale_line_id)
            ),
            [(self.employee_anna, lines[0])],
        )
        account = project.analytic_account_id
        self.assertEqual(order.analytic_account_id, account)
        self.assertEqual((account.name, account.code), (data["name"], ext))
        self.assertEqual(account.company_id, self.company_de)

        # Time on the project is billed at the role's rate.
        timesheet = approved_in_odoo(
            self.env["account.analytic.line"].create(
                {
                    "name": "Workshop",
                    "project_id": project.id,
                    "employee_id": self.employee_anna.id,
                    "unit_amount": 6,
                    "date": "2026-03-04",
                }
            )
        )
        self.assertEqual(timesheet.so_line, lines[0])
        self.assertEqual(lines[0].qty_delivered, 6)

        # Links back to the messages, and the ids sent back to the CRM.
        self.assertEqual(
            set(message.record_ids.mapped("res_model")),
            {
                "res.partner",
                "sale.order",
                "project.project",
                "account.analytic.account",
            },
        )
        self.assertEqual(order.pss_message_count, 1)
        action = project.action_view_pss_messages()
        self.assertEqual(action["domain"], [("id", "in", [message.id])])
        out = self.Message.search(
            [("direction", "=", "out"), ("event_type", "=", "project.created")]
        ).filtered(lambda m: m.payload["engagement_external_id"] == ext)
        self.assertEqual(out.system_id, self.crm)
        self.assertEqual(out.company_id, self.company_de)
        self.assertEqual(out.state, "pending")
        self.assertEqual(
            out.payload,
            {
                "engagement_external_id": ext,
                "version": 1,
                "project_id": project.id,
                "project_name": project.name,
                "sale_order_id": order.id,
                "sale_order_name": order.name,
                "analytic_account_id": account.id,
                "analytic_account": ext,
                "customer_id": order.partner_id.id,
                "customer_external_id": customer["external_id"],
            },
        )
        envelope = out._outbound_envelope()
        self.assertEqual(envelope["entity"], self.company_de.pss_entity_code)

    # -- fixed fee ------------------------------------------------------------
    def test_fixed_fee_in_the_us_entity_for_a_known_customer(self):
        customer_ext = unique("C-")
        customer_msg = self.post(
            self.crm,
            "customer.upserted",
            self.customer(
                customer_ext,
                name="Acme Corp",
                country="US",
                currency="USD",
                payment_terms="NET30",
                email="ap@acme-corp.example",
            ),
            self.company_us,
        )
        ext = unique("ENG-FF-")
        message = self.post(
            self.crm,
            "engagement.won",
            self.engagement(
                ext,
                "fixed_fee",
                customer_ext,
                fixed_amount="48000.00",
                budget_hours="320",
            ),
            self.company_us,
        )
        self.process()
        self.assertDone(customer_msg, message)
        order = self.bound(self.crm, "sale.order", ext)
        self.assertEqual((order.state, order.company_id), ("sale", self.company_us))
        self.assertEqual(order.currency_id.name, "USD")
        self.assertEqual(
            order.payment_term_id, self.env.ref("account.account_payment_term_30days")
        )
        line = order.order_line
        self.assertEqual(len(line), 1)
        self.assertEqual(
            (line.product_id, line.product_uom_qty, line.price_unit),
            (self.product_fixed, 1.0, 48000.0),
        )
        self.assertEqual(line.product_id.service_policy, "ordered_prepaid")
        self.assertEqual(line.tax_id, self.tax_us)
        self.assertAlmostEqual(order.amount_total, 48000 * 1.07)
        self.assertEqual(order.invoice_status, "to invoice")
        project = self.bound(self.crm, "project.project", ext)
        self.assertEqual(project.company_id, self.company_us)
        self.assertEqual(project.pricing_type, "fixed_rate")
        self.assertEqual(project.sale_line_id, line)
        self.assertEqual(project.allocated_hours, 320)
        self.assertFalse(project.task_ids, "no template in the US entity")
        invoice = order._create_invoices()
        self.assertEqual(invoice.company_id, self.company_us)
        self.assertAlmostEqual(invoice.amount_untaxed, 48000.0)
        self.assertEqual(invoice.currency_id.name, "USD")

    # -- milestones -----------------------------------------------------------
    def test_milestones_with_a_reverse_charge_customer(self):
        ext = unique("ENG-MS-")
        customer = self.customer(
            unique("C-"), name="Atelier Lumière SAS", country="FR", vat="FR40303265045"
        )
        message = self.post(
            self.crm,
            "engagement.won",
            self.engagement(
                ext,
                "milestone",
                customer,
                milestones=[
                    {
                        "external_id": "M1",
                        "name": "Blueprint signed off",
                        "amount": "12000",
                        "due_date": "2026-04-30",
                    },
                    {
                        "external_id": "M2",
                        "name": "Go-live",
                        "amount": "18000.50",
                        "due_date": "2026-09-30",
                    },
                ],
            ),
            self.company_de,
        )
        self.process()
        self.assertDone(message)
        order = self.bound(self.crm, "sale.order", ext)
        self.assertEqual((order.state, order.company_id), ("sale", self.company_de))
        self.assertEqual(order.fiscal_position_id, self.fpos_eu)
        lines = order.order_line.sorted("sequence")
        self.assertEqual(lines.mapped("price_unit"), [12000.0, 18000.5])
        self.assertEqual(lines.mapped("tax_id"), self.tax_de_zero)
        self.assertEqual(set(lines.mapped("qty_delivered_method")), {"milestones"})
        self.assertEqual(order.invoice_status, "no")
        project = self.bound(self.crm, "project.project", ext)
        self.assertTrue(project.allow_milestones)
        milestones = project.milestone_ids.sorted("deadline")
        self.assertEqual(milestones.mapped("name"), ["Blueprint signed off", "Go-live"])
        self.assertEqual(milestones.mapped("sale_line_id"), lines)
        self.assertEqual(milestones[0].deadline, date(2026, 4, 30))

        reached = self.post(
            self.crm,
            "milestone.reached",
            {
                "engagement_external_id": ext,
                "milestone_external_id": "M1",
                "reached_on": "2026-04-28",
                "accepted_by": "Claire Dubois",
            },
            self.company_de,
        )
        self.process()
        self.assertDone(reached)
        self.assertTrue(milestones[0].is_reached)
        self.assertEqual(milestones[0].reached_date, date(2026, 4, 28))
        self.assertEqual(milestones[0].pss_accepted_by, "Claire Dubois")
        self.assertEqual(lines.mapped("qty_delivered"), [1.0, 0.0])
        self.assertEqual(order.invoice_status, "to invoice")
        invoice = order._create_invoices()
        self.assertEqual(invoice.invoice_line_ids.sale_line_ids, lines[0])
        self.assertAlmostEqual(invoice.amount_untaxed, 12000.0)
        self.assertAlmostEqual(invoice.amount_tax, 0.0)
        self.assertEqual(invoice.fiscal_position_id, self.fpos_eu)

    # -- retainer ---------------------------------------------------------------
    def test_retainer_in_a_foreign_currency(self):
        # A pricelist for manual quotations must not reprice engagements.
        self.env["product.pricelist"].create(
            {
                "name": "EUR promotions",
                "currency_id": self.env.ref("base.EUR").id,
                "item_ids": [
                    (0, 0, {"compute_price": "percentage", "percent_price": 10})
                ],
            }
        )
        ext = unique("ENG-RT-")
        message = self.post(
            self.crm,
            "engagement.won",
            self.engagement(
                ext,
                "retainer",
                self.customer(unique("C-"), name="Globex Europe BV", country="NL"),
                currency="EUR",
                start_date="2026-01-15",
                end_date="2026-04-14",
                retainer={"amount": "5000", "period": "month", "hours_cap": "40"},
            ),
            self.company_us,
        )
        self.process()
        self.assertDone(message)
        order = self.bound(self.crm, "sale.order", ext)
        self.assertEqual((order.state, order.company_id), ("sale", self.company_us))
        self.assertEqual(order.currency_id.name, "EUR", "the engagement's currency")
        self.assertEqual(order.pricelist_id.company_id, self.company_us)
        self.assertTrue(order.pricelist_id.pss_engagement)
        lines = order.order_line.sorted("pss_period_start")
        self.assertEqual(
            [(line.pss_period_start, line.pss_period_end) for line in lines],
            [
                (date(2026, 1, 15), date(2026, 2, 14)),
                (date(2026, 2, 15), date(2026, 3, 14)),
                (date(2026, 3, 15), date(2026, 4, 14)),
            ],
        )
        self.assertEqual(set(lines.mapped("price_unit")), {5000.0})
        self.assertEqual(set(lines.mapped("discount")), {0.0})
        self.assertAlmostEqual(order.amount_untaxed, 15000.0)
        self.assertEqual(set(lines.mapped("pss_hours_cap")), {40.0})
        self.assertEqual(
            set(lines.mapped("product_id.service_policy")), {"delivered_manual"}
        )
        self.assertEqual(lines.mapped("tax_id"), self.tax_us)
        self.assertEqual(order.invoice_status, "no", "the billing run delivers periods")
        project = self.bound(self.crm, "project.project", ext)
        self.assertEqual(project.company_id, self.company_us)
        self.assertEqual(project.sale_line_id, lines[0])
        # The same currency again reuses the pricelist made for it.
        second = self.post(
            self.crm,
            "engagement.won",
            self.engagement(
                unique("ENG-RT-"),
                "retainer",
                self.customer(unique("C-"), name="Initech", country="US"),
                currency="EUR",
                retainer={"amount": "100"},
                end_date=None,
            ),
            self.company_us,
        )
        self.process()
        self.assertDone(second)
        other = self.bound(self.crm, "sale.order", second.payload["external_id"])
        self.assertEqual(other.pricelist_id, order.pricelist_id)
        self.assertEqual(len(other.order_line), 1, "open-ended: first period only")


@tagged("post_install", "-at_install")
class TestArrivalOrderHttp(ProjectHttpCase):
    """Events a sender posts out of order, or that contradict each other."""

    def test_amendments_before_their_won_wait_and_apply_after_it(self):
        ext = unique("ENG-EARLY-")
        amend = {"external_id": ext, "effective_date": "2026-03-01"}
        v2 = self.post(
            self.crm,
            "engagement.amended",
            dict(
                amend,
                version=2,
                rate_card=[{"role": "consultant", "unit_price": "130.00"}],
            ),
            self.company_de,
        )
        self.process()
        self.assertEqual((v2.state, v2.error_category), ("parked", "dependency"))
        self.assertEqual((v2.wait_model, v2.wait_external_id), ("sale.order", ext))
        self.assertIn(ext, v2.park_reason)
        self.assertEqual(self.status(self.crm, v2)["state"], "parked")
        # A later amendment of the same engagement queues behind it.
        v3 = self.post(
            self.crm,
            "engagement.amended",
            dict(amend, version=3, budget_hours="300"),
            self.company_de,
        )
        self.process()
        self.assertEqual((v2.state, v3.state), ("parked", "pending"))
        self.assertFalse(self.bound(self.crm, "sale.order", ext))

        won = self.post(
            self.crm,
            "engagement.won",
            self.engagement(
                ext,
                "time_and_materials",
                self.customer(unique("C-")),
                budget_hours="100",
                rate_card=[{"role": "consultant", "unit_price": "100.00"}],
            ),
            self.company_de,
        )
        self.process()
        self.assertDone(won, v2, v3)
        self.assertEqual(self.status(self.crm, v2)["state"], "done")
        order = self.bound(self.crm, "sale.order", ext)
        self.assertEqual(order.state, "sale")
        # Both amendments are in force, in their order: v2's rate, v3's budget.
        self.assertEqual(order.order_line.mapped("price_unit"), [130.0])
        project = self.bound(self.crm, "project.project", ext)
        self.assertEqual(project.allocated_hours, 300)
        binding = self.env["pss.binding"].search(
            [
                ("system_id", "=", self.crm.id),
                ("res_model", "=", "sale.order"),
                ("external_id", "=", ext),
            ]
        )
        self.assertEqual(binding.last_version, 3)

    # -- parent cycles: a data error, never a wait without end -------------
    def assertCycle(self, message, text):
        self.assertEqual(
            (message.state, message.error_category),
            ("dead", "data"),
            message.park_reason,
        )
        (detail,) = message.error_details
        self.assertEqual(detail["path"], "data.parent_external_id")
        self.assertIn(text, detail["message"])

    def test_a_customer_that_is_its_own_parent_is_dead(self):
        ext = unique("C-SELF-")
        message = self.post(
            self.crm,
            "customer.upserted",
            self.customer(ext, parent_external_id=ext),
            self.company_de,
        )
        self.process()
        self.assertCycle(message, "its own parent")
        self.assertFalse(self.bound(self.crm, "res.partner", ext))
        document = self.status(self.crm, message)
        self.assertEqual(document["state"], "dead")

    def test_two_customers_parent_of_each_other_in_one_request_are_dead(self):
        a, b = unique("C-A-"), unique("C-B-")
        first, second = self.post(
            self.crm,
            "customer.upserted",
            [
                self.customer(a, name="Alpha", parent_external_id=b),
                self.customer(b, name="Beta", parent_external_id=a),
            ],
            self.company_de,
        )
        self.process()
        self.assertCycle(first, "parent cycle")
        self.assertCycle(second, "parent cycle")
        self.assertFalse(self.Partner.search([("name", "in", ["Alpha", "Beta"])]))

    def test_a_parent_cycle_across_two_requests_is_dead_not_parked_forever(self):
        a, b = unique("C-A-"), unique("C-B-")
        first = self.post(
            self.crm,
            "customer.upserted",
            self.customer(a, parent_external_id=b),
            self.company_de,
        )
        self.process()
        self.assertEqual((first.state, first.wait_external_id), ("parked", b))
        second = self.post(
            self.crm,
            "customer.upserted",
            self.customer(b, parent_external_id=a),
            self.company_de,
        )
        self.process()
        self.assertCycle(second, f"{a} -> {b}")
        self.assertFalse(self.bound(self.crm, "res.partner", b))
        # The sender corrects B (no parent): B is created and A follows it.
        fixed = self.post(
            self.crm,
            "customer.upserted",
            self.customer(b, name="Beta Holding"),
            self.company_de,
        )
        self.process()
        self.assertDone(fixed, first)
        self.assertEqual(
            self.bound(self.crm, "res.partner", a).parent_id,
            self.bound(self.crm, "res.partner", b),
        )

    def test_moving_a_known_company_under_its_own_child_is_dead(self):
        top, child = unique("C-TOP-"), unique("C-CH-")
        self.post(self.crm, "customer.upserted", self.customer(top), self.company_de)
        self.post(
            self.crm,
            "customer.upserted",
            self.customer(child, parent_external_id=top),
            self.company_de,
        )
        self.process()
        top_partner = self.bound(self.crm, "res.partner", top)
        move = self.post(
            self.crm,
            "customer.upserted",
            self.customer(top, phone="+49 30 1", parent_external_id=child),
            self.company_de,
        )
        self.process()
        self.assertCycle(move, f"{top} -> {child} -> {top}")
        self.assertFalse(top_partner.parent_id)
        self.assertFalse(top_partner.phone, "nothing of the message is written")


@tagged("post_install", "-at_install")
class TestEngagementLifecycle(ProjectCase):
    def won_tm(self, ext, customer=None, rate="100.00", **values):
        return self.post(
            self.crm,
            "engagement.won",
            self.engagement(
                ext,
                "time_and_materials",
                customer or self.customer(unique("C-")),
                rate_card=[{"role": "consultant", "unit_price": rate}],
                **values,
            ),
            self.company_de,
        )

    def test_late_older_version_has_no_effect(self):
        ext = unique("ENG-V-")
        won = self.won_tm(ext, budget_hours="50")
        self.process()
        v3 = self.post(
            self.crm,
            "engagement.amended",
            {
                "external_id": ext,
                "version": 3,
                "budget_hours": "200",
                "name": "Phase 2",
            },
            self.company_de,
        )
        self.process()
        v2 = self.post(
            self.crm,
            "engagement.amended",
            {
                "external_id": ext,
                "version": 2,
                "budget_hours": "100",
                "name": "Phase 1b",
            },
            self.company_de,
        )
        self.process()
        self.assertDone(won, v3)
        self.assertEqual(v2.state, "done")
        self.assertEqual(v2.error_category, "conflict")
        self.assertIn("not newer than the applied version 3", v2.note)
        self.assertFalse(v2.record_ids)
        project = self.bound(self.crm, "project.project", ext)
        self.assertEqual((project.name, project.allocated_hours), ("Phase 2", 200))
        self.assertEqual(project.analytic_account_id.name, "Phase 2")
        binding = self.env["pss.binding"]._versions(self.crm, "sale.order", [ext])
        self.assertEqual(binding[ext][1], 3)
        # A re-sent won of an older version is a conflict too.
        again = self.won_tm(ext)
        self.process()
        self.assertEqual((again.state, again.error_category), ("done", "conflict"))

    def test_rate_change_mid_month_keeps_the_old_rate_before_its_date(self):
        ext = unique("ENG-R-")
        won = self.won_tm(ext, rate="100.00", start_date="2026-03-01")
        self.process()
        self.assertDone(won)
        order = self.bound(self.crm, "sale.order", ext)
        project = self.bound(self.crm, "project.project", ext)
        old_line = order.order_line
        # A consultant hired after the deal: billed at the role's rate.
        ben = self.env["hr.employee"].create(
            {
                "name": "Ben Krause",
                "company_id": self.company_de.id,
                "job_id": self.job_consultant.id,
            }
        )
        self.assertIn(ben, project.sale_line_employee_ids.employee_id)
        Timesheet = self.env["account.analytic.line"]

        def book(day, hours, employee=ben):
            return approved_in_odoo(
                Timesheet.create(
                    {
                        "name": f"work {day}",
                        "project_id": project.id,
                        "employee_id": employee.id,
                        "unit_amount": hours,
                        "date": f"2026-03-{day:02d}",
                    }
                )
            )

        before, after = book(10, 8), book(20, 8)
        self.assertEqual((before | after).so_line, old_line)
        amended = self.post(
            self.crm,
            "engagement.amended",
            {
                "external_id": ext,
                "version": 2,
                "effective_date": "2026-03-15",
                "rate_card": [{"role": "consultant", "unit_price": "120.00"}],
            },
            self.company_de,
        )
        self.process()
        self.assertDone(amended)
        new_line = order.order_line - old_line
        self.assertEqual(len(new_line), 1)
        self.assertEqual(new_line.price_unit, 120.0)
        self.assertEqual(
            (new_line.pss_role, new_line.pss_rate_from, new_line.pss_rate_to),
            ("consultant", date(2026, 3, 15), False),
        )
        self.assertEqual(old_line.price_unit, 100.0)
        self.assertEqual(old_line.pss_rate_to, date(2026, 3, 14))
        self.assertEqual(before.so_line, old_line, "time before the date: old rate")
        self.assertEqual(after.so_line, new_line, "time from the date: new rate")
        # The map and the project now point at today's rate...
        self.assertEqual(set(project.sale_line_employee_ids.sale_line_id), {new_line})
        self.assertEqual(project.sale_line_id, new_line)
        # ...and time booked late is still billed at the rate of its date.
        late_before, late_after = book(14, 2), book(15, 3)
        anna_before = book(1, 1, employee=self.employee_anna)
        self.assertEqual((late_before | anna_before).so_line, old_line)
        self.assertEqual(late_after.so_line, new_line)
        self.assertEqual((old_line.qty_delivered, new_line.qty_delivered), (11, 11))
        # Moving a timesheet across the date moves it to the other rate.
        late_before.date = date(2026, 3, 16)
        self.assertEqual(late_before.so_line, new_line)
        late_before.date = date(2026, 3, 14)
        invoice = order._create_invoices()
        amounts = sorted(
            (line.price_unit, line.quantity) for line in invoice.invoice_line_ids
        )
        self.assertEqual(amounts, [(100.0, 11.0), (120.0, 11.0)])
        self.assertAlmostEqual(invoice.amount_untaxed, 11 * 100 + 11 * 120)

    def test_rate_change_on_the_start_date_reprices_the_line(self):
        ext = unique("ENG-R0-")
        self.won_tm(ext, rate="90.00", start_date="2026-03-01")
        self.process()
        amended = self.post(
            self.crm,
            "engagement.amended",
            {
                "external_id": ext,
                "version": 2,
                "effective_date": "2026-03-01",
                "rate_card": [
                    {"role": "consultant", "unit_price": "95.00"},
                    {"role": "senior", "unit_price": "140.00", "hours": "10"},
                ],
            },
            self.company_de,
        )
        self.process()
        self.assertDone(amended)
        order = self.bound(self.crm, "sale.order", ext)
        lines = order.order_line.sorted("sequence")
        self.assertEqual(
            [(x.pss_role, x.price_unit, x.product_uom_qty) for x in lines],
            [("consultant", 95.0, 0.0), ("senior", 140.0, 10.0)],
        )
        self.assertEqual(lines[1].product_id, self.product_senior)

    def test_unknown_customer_parks_until_the_customer_arrives(self):
        customer_ext = unique("C-LATE-")
        ext = unique("ENG-P-")
        won = self.won_tm(ext, customer=customer_ext)
        self.process()
        self.assertEqual(won.state, "parked")
        self.assertEqual(won.error_category, "dependency")
        self.assertEqual(
            (won.wait_model, won.wait_external_id), ("res.partner", customer_ext)
        )
        self.assertIn(customer_ext, won.park_reason)
        self.assertFalse(self.bound(self.crm, "sale.order", ext))
        customer = self.post(
            self.crm,
            "customer.upserted",
            self.customer(customer_ext, name="Late Arrival GmbH"),
            self.company_de,
        )
        self.process()
        self.assertDone(customer, won)
        order = self.bound(self.crm, "sale.order", ext)
        self.assertEqual(order.partner_id.name, "Late Arrival GmbH")
        self.assertEqual(order.state, "sale")

    def test_milestone_reached_waits_for_the_amendment_adding_it(self):
        ext = unique("ENG-MA-")
        self.post(
            self.crm,
            "engagement.won",
            self.engagement(
                ext,
                "milestone",
                self.customer(unique("C-")),
                milestones=[{"external_id": "M1", "name": "Design", "amount": "1000"}],
            ),
            self.company_de,
        )
        self.process()
        reached = self.post(
            self.crm,
            "milestone.reached",
            {
                "engagement_external_id": ext,
                "milestone_external_id": "M2",
                "reached_on": "2026-05-02",
            },
            self.company_de,
        )
        self.process()
        self.assertEqual(reached.state, "parked")
        self.assertEqual(reached.wait_model, "project.milestone")
        amended = self.post(
            self.crm,
            "engagement.amended",
            {
                "external_id": ext,
                "version": 2,
                "milestones": [
                    {"external_id": "M1", "name": "Design", "amount": "1500"},
                    {"external_id": "M2", "name": "Build", "amount": "2500"},
                ],
            },
            self.company_de,
        )
        self.process()
        self.assertDone(amended, reached)
        order = self.bound(self.crm, "sale.order", ext)
        lines = order.order_line.sorted("sequence")
        self.assertEqual(lines.mapped("price_unit"), [1500.0, 2500.0])
        self.assertEqual(lines.mapped("qty_delivered"), [0.0, 1.0])
        milestone = self.bound(self.crm, "project.milestone", f"{ext}/M2")
        self.assertTrue(milestone.is_reached)
        self.assertEqual(milestone.sale_line_id, lines[1])

    def test_fixed_fee_amendment_after_invoicing_adds_the_difference(self):
        ext = unique("ENG-FA-")
        self.post(
            self.crm,
            "engagement.won",
            self.engagement(
                ext, "fixed_fee", self.customer(unique("C-")), fixed_amount="10000"
            ),
            self.company_de,
        )
        self.process()
        order = self.bound(self.crm, "sale.order", ext)
        order._create_invoices().action_post()
        amended = self.post(
            self.crm,
            "engagement.amended",
            {"external_id": ext, "version": 2, "fixed_amount": "12500"},
            self.company_de,
        )
        self.process()
        self.assertDone(amended)
        self.assertAlmostEqual(order.amount_untaxed, 12500.0)
        self.assertEqual(
            order.order_line.sorted("sequence").mapped("price_unit"), [10000.0, 2500.0]
        )
        self.assertEqual(order.invoice_status, "to invoice")

    def test_a_bad_mapping_is_dead_and_writes_nothing(self):
        self.env["pss.value.map"].search(
            [
                ("system_id", "=", self.psa.id),
                ("kind", "=", "product"),
                ("external_value", "=", "retainer"),
            ]
        ).unlink()
        customer_ext = unique("C-")
        ext = unique("ENG-X-")
        message = self.post(
            self.psa,
            "engagement.won",
            self.engagement(
                ext,
                "retainer",
                self.customer(customer_ext, name="Never Created Ltd"),
                retainer={"amount": "1000"},
            ),
            self.company_de,
        )
        self.process()
        self.assertEqual((message.state, message.error_category), ("dead", "data"))
        self.assertEqual(message.error_details[0]["path"], "data.billing_model")
        self.assertIn("'product'", message.error_details[0]["message"])
        self.assertFalse(self.Partner.search([("name", "=", "Never Created Ltd")]))
        self.assertFalse(self.bound(self.psa, "res.partner", customer_ext))
        self.assertFalse(self.SaleOrder.search([("client_order_ref", "=", ext)]))

    def test_amendment_cannot_switch_the_billing_model(self):
        ext = unique("ENG-B-")
        self.won_tm(ext)
        self.process()
        amended = self.post(
            self.crm,
            "engagement.amended",
            {
                "external_id": ext,
                "version": 2,
                "billing_model": "fixed_fee",
                "fixed_amount": 10,
            },
            self.company_de,
        )
        self.process()
        self.assertEqual((amended.state, amended.error_category), ("dead", "data"))
        paths = {d["path"] for d in amended.error_details}
        self.assertIn("data.billing_model", paths)
        order = self.bound(self.crm, "sale.order", ext)
        self.assertEqual(len(order.order_line), 1)

    def test_managers_see_the_source_and_open_its_messages(self):
        ext = unique("ENG-S-")
        won = self.won_tm(ext)
        self.process()
        order = self.bound(self.crm, "sale.order", ext)
        project = self.bound(self.crm, "project.project", ext)
        finance = make_user(
            self.env,
            unique("finance"),
            [
                self.env.ref("sales_team.group_sale_salesman_all_leads").id,
                self.env.ref("project.group_project_manager").id,
                self.env.ref("pss_core.group_pss_finance").id,
            ],
            self.companies,
            email=False,
        )
        manager = make_user(
            self.env,
            unique("pm_no_pss"),
            [
                self.env.ref("sales_team.group_sale_manager").id,
                self.env.ref("project.group_project_manager").id,
            ],
            self.companies,
            email=False,
        )
        for model, record in (("sale.order", order), ("project.project", project)):
            arch = (
                self.env[model]
                .with_user(finance)
                .get_views([(False, "form")])["views"]["form"]["arch"]
            )
            self.assertIn('name="action_view_pss_messages"', arch)
            self.assertIn('name="pss_external_id"', arch)
            as_finance = record.with_user(finance)
            self.assertEqual(as_finance.pss_message_count, 1)
            self.assertEqual(
                (as_finance.pss_source, as_finance.pss_external_id),
                (self.crm.name, ext),
            )
            action = as_finance.action_view_pss_messages()
            self.assertEqual(
                self.env["pss.message"].with_user(finance).search(action["domain"]), won
            )
            # Without an integrations group: where it came from, no console.
            arch = (
                self.env[model]
                .with_user(manager)
                .get_views([(False, "form")])["views"]["form"]["arch"]
            )
            self.assertNotIn("action_view_pss_messages", arch)
            self.assertIn('name="pss_source"', arch)
            values = record.with_user(manager).read(
                ["pss_source", "pss_external_id", "pss_billing_model"]
            )[0]
            self.assertEqual(
                (values["pss_source"], values["pss_external_id"]),
                (self.crm.name, ext),
            )

    def test_the_technical_user_has_only_what_its_events_need(self):
        tech = self.tech_crm
        for group in (
            "project.group_project_manager",
            "sales_team.group_sale_manager",
            "account.group_account_invoice",
            "hr.group_hr_user",
            "base.group_partner_manager",
            "pss_core.group_pss_manager",
        ):
            self.assertFalse(tech.has_group(group), group)
        ext = unique("ENG-T-")
        self.won_tm(ext)
        self.process()
        project = self.bound(self.crm, "project.project", ext)
        self.assertEqual(project.create_uid, tech)
        with self.assertRaises(AccessError):
            project.with_user(tech).unlink()
        with self.assertRaises(AccessError):
            project.partner_id.with_user(tech).unlink()


@tagged("post_install", "-at_install")
class TestCustomerDedupe(ProjectCase):
    def test_same_vat_from_two_systems_is_one_partner_with_two_bindings(self):
        from_crm = self.post(
            self.crm,
            "customer.upserted",
            self.customer(
                "CRM-77", name="Müller Maschinenbau GmbH", vat="DE 129 273 398"
            ),
            self.company_de,
        )
        self.process()
        from_psa = self.post(
            self.psa,
            "customer.upserted",
            self.customer(
                "PSA-4411",
                name="Mueller Maschinenbau",
                vat="de129273398",
                phone="+49 89 1234",
            ),
            self.company_de,
        )
        self.process()
        self.assertDone(from_crm, from_psa)
        partner = self.bound(self.crm, "res.partner", "CRM-77")
        self.assertEqual(self.bound(self.psa, "res.partner", "PSA-4411"), partner)
        self.assertEqual(
            self.Partner.search_count(
                [("vat", "in", ["DE 129 273 398", "de129273398"])]
            ),
            1,
        )
        bindings = self.env["pss.binding"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", partner.id)]
        )
        self.assertEqual(
            sorted(bindings.mapped(lambda b: (b.system_id.code, b.external_id))),
            sorted([(self.crm.code, "CRM-77"), (self.psa.code, "PSA-4411")]),
        )
        # The second system fills what was empty, it does not rename.
        self.assertEqual(partner.name, "Müller Maschinenbau GmbH")
        self.assertEqual(partner.phone, "+49 89 1234")
        self.assertEqual(from_psa.record_ids.operation, "updated")
        # Its own binding then wins: an update of PSA-4411 updates the partner.
        self.post(
            self.psa,
            "customer.upserted",
            {"external_id": "PSA-4411", "name": "Müller Maschinenbau GmbH & Co. KG"},
            self.company_de,
        )
        self.process()
        self.assertEqual(partner.name, "Müller Maschinenbau GmbH & Co. KG")

    def test_email_domain_and_name_find_the_partner_but_free_mail_does_not(self):
        existing = self.Partner.create(
            {"name": "Contoso Ltd", "is_company": True, "email": "info@contoso.example"}
        )
        same = self.post(
            self.psa,
            "customer.upserted",
            self.customer(
                "PSA-C1", name="CONTOSO", email="ap@Contoso.example", vat=None
            ),
            self.company_de,
        )
        gmail_a = self.post(
            self.psa,
            "customer.upserted",
            self.customer(
                "PSA-G1", name="Jane Doe", email="jane@gmail.com", is_company=False
            ),
            self.company_de,
        )
        gmail_b = self.post(
            self.crm,
            "customer.upserted",
            self.customer(
                "CRM-G2", name="John Roe", email="john@gmail.com", is_company=False
            ),
            self.company_de,
        )
        self.process()
        self.assertDone(same, gmail_a, gmail_b)
        self.assertEqual(self.bound(self.psa, "res.partner", "PSA-C1"), existing)
        self.assertNotEqual(
            self.bound(self.psa, "res.partner", "PSA-G1"),
            self.bound(self.crm, "res.partner", "CRM-G2"),
        )

    def test_one_batch_with_two_external_ids_of_one_vat_makes_one_partner(self):
        first, second = self.post(
            self.crm,
            "customer.upserted",
            [
                self.customer("CRM-D1", name="Duplicate AG", vat="CHE-123.456.789"),
                self.customer("CRM-D2", name="Duplicate AG (old)", vat="CHE123456789"),
            ],
            self.company_de,
        )
        self.process()
        self.assertDone(first, second)
        partner = self.bound(self.crm, "res.partner", "CRM-D1")
        self.assertTrue(partner)
        self.assertEqual(self.bound(self.crm, "res.partner", "CRM-D2"), partner)

    def test_contact_waits_for_its_company_and_unmapped_terms_are_refused(self):
        contact = self.post(
            self.crm,
            "customer.upserted",
            self.customer(
                "CRM-P1",
                name="Petra Meyer",
                is_company=False,
                parent_external_id="CRM-CO",
            ),
            self.company_de,
        )
        bad_terms = self.post(
            self.crm,
            "customer.upserted",
            self.customer("CRM-BT", payment_terms="NET999"),
            self.company_de,
        )
        self.process()
        self.assertEqual(contact.state, "parked")
        self.assertEqual((bad_terms.state, bad_terms.error_category), ("dead", "data"))
        self.assertEqual(bad_terms.error_details[0]["path"], "data.payment_terms")
        self.assertFalse(self.bound(self.crm, "res.partner", "CRM-BT"))
        company = self.post(
            self.crm,
            "customer.upserted",
            self.customer("CRM-CO", name="Meyer KG"),
            self.company_de,
        )
        self.process()
        self.assertDone(company, contact)
        self.assertEqual(
            self.bound(self.crm, "res.partner", "CRM-P1").parent_id,
            self.bound(self.crm, "res.partner", "CRM-CO"),
        )
