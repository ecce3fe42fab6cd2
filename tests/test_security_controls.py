"""Issue 25, controls enforced on the server, through real JSON-RPC.

Each control is tried the way an ordinary account would try to get around
it: ``/web/dataset/call_kw`` on an authenticated session, with the context
keys and readonly fields the web client never sends. Approved time is what
billing invoices and intercompany charges: whoever can approve or reshape
it can move money.
"""

import json

from test_project_engagements import ProjectHttpCase

from odoo.tests import HttpCase, tagged

from odoo.addons.pss_billing.tests.common import (
    APRIL,
    BillingCase,
    add_billing_fixtures,
)
from odoo.addons.pss_core.tests.common import json_rpc, make_user, signed_request
from odoo.addons.pss_intercompany.tests.common import (
    IntercompanyCase,
    IntercompanyFixtures,
)
from odoo.addons.pss_project.tests.common import unique
from odoo.addons.pss_timesheet.tests.common import (
    TimesheetMixin,
    add_timesheet_fixtures,
)

LINE = "account.analytic.line"
ACCESS_ERROR = "odoo.exceptions.AccessError"
USER_ERROR = "odoo.exceptions.UserError"


class RpcMixin:
    def login(self, user):
        self.authenticate(user.login, user.login)

    def call_kw(self, model, method, args, kwargs=None):
        """``/web/dataset/call_kw`` as the web client calls it; the JSON
        answer ({"result": ...} or {"error": ...})."""
        response = json_rpc(self, model, method, args, kwargs)
        self.assertEqual(response.status_code, 200, response.text)
        self.env.invalidate_all()
        return response.json()

    def assertRefused(self, answer, error=ACCESS_ERROR):
        self.assertNotIn("result", answer, answer)
        self.assertEqual(answer["error"]["data"]["name"], error, answer)
        return answer["error"]["data"]["message"]

    def result(self, answer):
        self.assertIn("result", answer, answer)
        return answer["result"]


def console_user(env, login, groups, companies):
    user = make_user(env, login, ["base.group_user", *groups], companies)
    user.password = login
    return user


@tagged("post_install", "-at_install")
class TestApprovedTimeControls(RpcMixin, TimesheetMixin, ProjectHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        add_timesheet_fixtures(cls)
        add_billing_fixtures(cls)
        env = cls.env
        de = cls.company_de
        # Erin logs her own time only; Paul manages projects; Bea is finance.
        cls.erin = console_user(
            env,
            unique("erin").lower(),
            ["hr_timesheet.group_hr_timesheet_user"],
            de,
        )
        cls.paul = console_user(
            env,
            unique("paul").lower(),
            [
                "project.group_project_manager",
                "hr_timesheet.group_hr_timesheet_approver",
            ],
            de,
        )
        cls.biller.password = cls.biller.login
        cls.viewer = console_user(
            env,
            unique("viewer").lower(),
            ["pss_core.group_pss_user", "base.group_allow_export"],
            cls.companies,
        )
        Employee = env["hr.employee"]
        for user in cls.erin | cls.paul | cls.biller:
            Employee.create(
                {
                    "name": user.name,
                    "user_id": user.id,
                    "company_id": de.id,
                    "hourly_cost": 40.0,
                }
            )

    run_billing = BillingCase.run_billing

    def setUp(self):
        super().setUp()
        self.ext = self.tm_engagement(self.company_de)
        self.project = self.bound(self.psa, "sale.order", self.ext).project_ids[:1]

    def typed_line(self, user, hours=2.0, **values):
        """A line the user logs for themselves through the web client."""
        self.login(user)
        vals = {
            "name": unique("Typed "),
            "project_id": self.project.id,
            "unit_amount": hours,
            "date": "2026-04-15",
            **values,
        }
        return self.env[LINE].browse(self.result(self.call_kw(LINE, "create", [vals])))

    def psa_line(self):
        resource = unique("R-")
        self.post(
            self.psa,
            "resource.upserted",
            self.resource(
                resource,
                hourly_cost={
                    "amount": "50",
                    "currency": "EUR",
                    "effective_from": "2026-01-01",
                },
            ),
            self.company_de,
        )
        ext = unique("L-")
        self.post(
            self.psa,
            "timesheet.approved",
            {"lines": [self.line(ext, resource, self.ext, hours="4")]},
            self.company_de,
        )
        self.process()
        (timesheet,) = self.timesheets([ext])
        self.assertTrue(timesheet.pss_approved)
        return timesheet

    def test_no_self_approval_through_the_context(self):
        line = self.typed_line(self.erin)
        self.assertEqual(line.employee_id.user_id, self.erin)
        forged = {
            "pss_approved": True,
            "pss_approved_user_id": self.env.ref("base.user_admin").id,
            "pss_approved_by": "admin",
            "pss_approved_at": "2026-04-20 09:00:00",
        }
        context = {"pss_approving": True}
        for field, value in forged.items():
            self.assertRefused(
                self.call_kw(
                    LINE, "write", [line.ids, {field: value}], {"context": context}
                )
            )
        self.assertRefused(
            self.call_kw(LINE, "write", [line.ids, forged], {"context": context})
        )
        self.assertFalse(line.pss_approved)
        self.assertFalse(line.pss_approved_user_id)
        self.assertFalse(line.pss_approved_by)
        # Nor on create, nor by a default in the context.
        name = unique("Forged ")
        self.assertRefused(
            self.call_kw(
                LINE,
                "create",
                [
                    {
                        "name": name,
                        "project_id": self.project.id,
                        "unit_amount": 8.0,
                        **forged,
                    }
                ],
                {"context": context},
            )
        )
        self.assertFalse(self.env[LINE].search([("name", "=", name)]))
        defaults = {f"default_{field}": value for field, value in forged.items()}
        created = self.env[LINE].browse(
            self.result(
                self.call_kw(
                    LINE,
                    "create",
                    [{"name": name, "project_id": self.project.id, "unit_amount": 1}],
                    {"context": {**defaults, **context}},
                )
            )
        )
        self.assertFalse(created.pss_approved)
        self.assertFalse(created.pss_approved_user_id)
        self.assertFalse(created.pss_approved_at)
        # Her own time stays out of the invoice: not delivered.
        self.assertEqual(self.project.sale_line_id.qty_delivered, 0.0)

    def test_integration_fields_are_the_senders_own(self):
        ext = unique("FAKE-")
        reshaped = {
            "name": unique("Reshaped "),
            "project_id": self.project.id,
            "unit_amount": 3.0,
            "pss_intercompany": True,
            "pss_resource_company_id": self.company_us.id,
            "pss_hourly_cost": 9999.0,
            "pss_system_id": self.psa.id,
            "pss_external_id": ext,
        }
        base = {"project_id": self.project.id, "unit_amount": 3.0}
        self.login(self.erin)
        for field in (
            "pss_intercompany",
            "pss_resource_company_id",
            "pss_hourly_cost",
            "pss_system_id",
            "pss_external_id",
        ):
            one = {**base, "name": unique("Reshaped "), field: reshaped[field]}
            self.assertRefused(self.call_kw(LINE, "create", [one]))
        self.assertRefused(self.call_kw(LINE, "create", [reshaped]))
        self.assertFalse(
            self.env[LINE].search_count(
                ["|", ("pss_external_id", "=", ext), ("pss_hourly_cost", "=", 9999.0)]
            )
        )
        # Her own line cannot be reshaped afterwards either.
        line = self.typed_line(self.erin)
        self.login(self.erin)
        for field in ("pss_intercompany", "pss_resource_company_id", "pss_hourly_cost"):
            self.assertRefused(
                self.call_kw(LINE, "write", [line.ids, {field: reshaped[field]}])
            )
        self.assertFalse(line.pss_intercompany or line.pss_hourly_cost)
        # Approved time is frozen for finance too, its cost (amount) included;
        # its integration fields are the PSA's.
        timesheet = self.psa_line()
        amount = timesheet.amount
        self.assertEqual(amount, -200.0)
        self.login(self.biller)
        self.assertRefused(
            self.call_kw(LINE, "write", [timesheet.ids, {"amount": -1.0}]),
            USER_ERROR,
        )
        self.assertRefused(
            self.call_kw(LINE, "write", [timesheet.ids, {"name": "Other work"}]),
            USER_ERROR,
        )
        for field, value in (("pss_hourly_cost", 1.0), ("pss_intercompany", True)):
            self.assertRefused(
                self.call_kw(LINE, "write", [timesheet.ids, {field: value}]),
                USER_ERROR,
            )
        self.assertEqual(timesheet.amount, amount)
        self.assertEqual(timesheet.pss_hourly_cost, 50.0)
        self.assertFalse(timesheet.pss_intercompany)

    def test_nobody_approves_their_own_time(self):
        for approver in (self.paul, self.biller):
            line = self.typed_line(approver)
            self.assertEqual(line.employee_id.user_id, approver)
            message = self.assertRefused(
                self.call_kw(LINE, "action_pss_approve", [line.ids])
            )
            self.assertIn("own time", message)
            self.assertFalse(line.pss_approved)
        # Another's time: approved, who and when kept.
        erins = self.typed_line(self.erin)
        self.login(self.paul)
        self.result(self.call_kw(LINE, "action_pss_approve", [erins.ids]))
        self.assertTrue(erins.pss_approved)
        self.assertEqual(erins.pss_approved_user_id, self.paul)
        self.assertFalse(erins.pss_self_approval_reason)
        # A one-person entity allows it, with a reason recorded on the line.
        self.company_de.pss_allow_self_approval = True
        own = self.typed_line(self.paul)
        self.assertRefused(
            self.call_kw(LINE, "action_pss_approve", [own.ids]), USER_ERROR
        )
        self.assertFalse(own.pss_approved)
        self.result(
            self.call_kw(
                LINE,
                "action_pss_approve",
                [own.ids],
                {"reason": "One-person entity: no other approver"},
            )
        )
        self.assertTrue(own.pss_approved)
        self.assertEqual(own.pss_approved_user_id, self.paul)
        self.assertEqual(
            own.pss_self_approval_reason, "One-person entity: no other approver"
        )
        # From the list (*Action > Approve time*): a dialog asks the reason.
        other = self.typed_line(self.paul)
        action = self.result(
            self.call_kw(LINE, "action_pss_approve_dialog", [other.ids])
        )
        self.assertEqual(action["res_model"], "pss.time.approve.wizard")
        self.assertFalse(other.pss_approved)
        self.result(
            self.call_kw(
                action["res_model"],
                "write",
                [[action["res_id"]], {"reason": "Alone in the entity"}],
            )
        )
        self.result(
            self.call_kw(action["res_model"], "action_approve", [[action["res_id"]]])
        )
        self.assertEqual(other.pss_self_approval_reason, "Alone in the entity")
        self.assertEqual(other.pss_approved_user_id, self.paul)
        # The reason is the action's: no user writes it.
        self.assertRefused(
            self.call_kw(
                LINE, "write", [own.ids, {"pss_self_approval_reason": "edited"}]
            )
        )

    def test_unbilled_time_at_cost_is_for_finance(self):
        self.typed_line(self.erin, hours=3.0)
        WIP = "pss.billing.wip"
        domain = [("order_id", "=", self.bound(self.psa, "sale.order", self.ext).id)]
        wip = self.env[WIP].search(domain)
        self.assertEqual(len(wip), 1)
        self.assertEqual(wip.hours, 3.0)
        self.login(self.viewer)
        # The list and pivot open; no cost in them.
        views = self.result(
            self.call_kw(
                WIP,
                "get_views",
                [],
                {
                    "views": [
                        [False, "list"],
                        [False, "pivot"],
                        [False, "graph"],
                        [False, "search"],
                    ]
                },
            )
        )
        self.assertNotIn("value_cost", json.dumps(views))
        rows = self.result(self.call_kw(WIP, "search_read", [domain]))
        self.assertEqual([row["hours"] for row in rows], [3.0])
        self.assertNotIn("value_cost", rows[0])
        self.assertNotIn("value_cost_group", rows[0])
        for field in ("value_cost", "value_cost_group"):
            for method, args, kwargs in (
                ("read", [wip.ids, [field]], {}),
                ("search_read", [domain, [field]], {}),
                ("read_group", [domain, [f"{field}:sum"], []], {}),
                ("export_data", [wip.ids, [field]], {}),
                ("search", [[(field, ">", 0)]], {}),
            ):
                self.assertRefused(self.call_kw(WIP, method, args, kwargs))
        # Finance reads them.
        self.login(self.biller)
        (row,) = self.result(
            self.call_kw(WIP, "read", [wip.ids, ["value_cost", "value_cost_group"]])
        )
        self.assertEqual(row["value_cost"], wip.value_cost)
        self.assertEqual(row["value_cost"], 120.0)
        (group,) = self.result(
            self.call_kw(WIP, "read_group", [domain, ["value_cost:sum"], []])
        )
        self.assertEqual(group["value_cost"], wip.value_cost)
        # The timesheet's hourly cost: finance only as well (a project
        # manager reads the time, not its cost).
        timesheet = self.psa_line()
        self.login(self.paul)
        (row,) = self.result(
            self.call_kw(LINE, "read", [timesheet.ids, ["unit_amount"]])
        )
        self.assertEqual(row["unit_amount"], 4.0)
        fields = self.result(
            self.call_kw(LINE, "fields_get", [], {"attributes": ["type"]})
        )
        self.assertIn("pss_approved", fields)
        self.assertNotIn("pss_hourly_cost", fields)
        self.assertRefused(
            self.call_kw(LINE, "read", [timesheet.ids, ["pss_hourly_cost"]])
        )
        self.login(self.biller)
        (row,) = self.result(
            self.call_kw(LINE, "read", [timesheet.ids, ["pss_hourly_cost"]])
        )
        self.assertEqual(row["pss_hourly_cost"], 50.0)

    def test_confirm_does_not_post_around_the_billing_approval(self):
        self.company_de.pss_approval_required = True
        self.psa_line()
        invoice = self.run_billing(APRIL).invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(
            (invoice.state, invoice.pss_approval_state), ("draft", "to_approve")
        )
        MOVE = "account.move"
        self.login(self.biller)
        # Odoo's Confirm button, and the methods behind it.
        self.assertRefused(self.call_kw(MOVE, "action_post", [invoice.ids]), USER_ERROR)
        self.assertEqual(invoice.state, "draft")
        # Nor by clearing or forging the approval first.
        for vals in (
            {"pss_approval_state": False},
            {"pss_approval_state": "approved"},
            {"pss_approved_user_id": self.paul.id},
        ):
            self.assertRefused(self.call_kw(MOVE, "write", [invoice.ids, vals]))
        self.assertEqual(
            (invoice.state, invoice.pss_approval_state), ("draft", "to_approve")
        )
        self.assertFalse(invoice.pss_approved_user_id)
        # The Approve action posts it, approver kept.
        self.result(self.call_kw(MOVE, "action_pss_approve", [invoice.ids]))
        self.assertEqual(
            (invoice.state, invoice.pss_approval_state), ("posted", "approved")
        )
        self.assertEqual(invoice.pss_approved_user_id, self.biller)


@tagged("post_install", "-at_install")
class TestEntityControls(RpcMixin, IntercompanyFixtures, HttpCase):
    """Three entities (DE, US, NL) and intercompany agreements between them."""

    time = IntercompanyCase.time
    charge = IntercompanyCase.charge

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.build_fixtures()
        env = cls.env
        finance = [
            "pss_core.group_pss_finance",
            "account.group_account_manager",
            "hr_timesheet.group_timesheet_manager",
        ]
        cls.finance_us = console_user(env, unique("fin_us").lower(), finance, cls.us)
        cls.finance_all = console_user(
            env, unique("fin_all").lower(), finance, cls.companies
        )
        cls.viewer = console_user(
            env,
            unique("viewer").lower(),
            ["pss_core.group_pss_user", "base.group_allow_export"],
            cls.companies,
        )
        cls.viewer_nl = console_user(
            env, unique("viewer_nl").lower(), ["pss_core.group_pss_user"], cls.nl
        )
        cls.job_senior = env["hr.job"].create({"name": "IC Senior"})

    def test_role_rates_of_other_entities_are_out_of_reach(self):
        RATE = "pss.ic.agreement.rate"
        # NL provides to DE: nothing of the US finance user's business.
        nl_rate = self.nl_to_de.rate_ids
        self.assertEqual(len(nl_rate), 1)
        self.login(self.finance_us)
        self.assertEqual(
            self.result(
                self.call_kw(
                    RATE, "search", [[("agreement_id", "=", self.nl_to_de.id)]]
                )
            ),
            [],
        )
        self.assertRefused(
            self.call_kw(
                RATE,
                "create",
                [
                    {
                        "agreement_id": self.nl_to_de.id,
                        "job_id": self.job_senior.id,
                        "rate": 1.0,
                    }
                ],
            )
        )
        self.assertRefused(self.call_kw(RATE, "write", [nl_rate.ids, {"rate": 1.0}]))
        self.assertRefused(self.call_kw(RATE, "unlink", [nl_rate.ids]))
        self.assertEqual(nl_rate.rate, 112.5)
        self.assertEqual(self.nl_to_de.rate_ids, nl_rate)
        # Its own entity's agreements: the rates are hers to set.
        rate_id = self.result(
            self.call_kw(
                RATE,
                "create",
                [
                    {
                        "agreement_id": self.us_to_de.id,
                        "job_id": self.job_senior.id,
                        "rate": 130.0,
                    }
                ],
            )
        )
        self.assertEqual(self.env[RATE].browse(rate_id).rate, 130.0)

    def test_charge_costs_are_for_finance(self):
        self.time(self.anna, self.project_us, 7.5)
        run = self.charge(user=self.finance_all)
        lines = run.charge_ids.line_ids
        self.assertEqual(len(lines), 1)
        self.assertAlmostEqual(lines.cost, 83.37)
        CHARGE_LINE = "pss.ic.charge.line"
        self.login(self.viewer)
        views = self.result(
            self.call_kw(
                "pss.ic.charge",
                "get_views",
                [],
                {"views": [[False, "list"], [False, "form"], [False, "search"]]},
            )
        )
        self.assertNotIn('"cost_rate"', json.dumps(views))
        rows = self.result(self.call_kw(CHARGE_LINE, "read", [lines.ids]))
        self.assertNotIn("cost", rows[0])
        self.assertNotIn("cost_rate", rows[0])
        self.assertEqual(rows[0]["hours"], 7.5)
        for field in ("cost", "cost_rate"):
            for method, args in (
                ("read", [lines.ids, [field]]),
                ("search_read", [[("id", "in", lines.ids)], [field]]),
                ("read_group", [[], [f"{field}:sum"], []]),
                ("export_data", [lines.ids, [field]]),
            ):
                self.assertRefused(self.call_kw(CHARGE_LINE, method, args))
        self.login(self.finance_all)
        (row,) = self.result(
            self.call_kw(CHARGE_LINE, "read", [lines.ids, ["cost", "cost_rate"]])
        )
        self.assertAlmostEqual(row["cost"], 83.37)

    def test_run_history_per_entity(self):
        self.time(self.anna, self.project_us, 7.5)
        self.time(self.nina, self.project_de, 2.0)
        all_pairs = self.charge(user=self.finance_all)
        self.assertFalse(all_pairs.company_id)
        self.assertEqual(all_pairs.company_ids, self.companies)
        nl_only = self.charge(user=self.finance_all, company_id=self.nl.id)
        self.assertEqual(nl_only.company_ids, self.nl)
        progress = all_pairs.pss_run_id | nl_only.pss_run_id
        self.assertEqual(progress[0].company_ids, self.companies)
        # The NL user reads the NL run and its progress, not the group's.
        self.login(self.viewer_nl)
        for model, runs, own in (
            ("pss.ic.run", all_pairs | nl_only, nl_only),
            ("pss.run", progress, nl_only.pss_run_id),
        ):
            found = self.result(
                self.call_kw(model, "search", [[("id", "in", runs.ids)]])
            )
            self.assertEqual(found, own.ids, model)
            self.assertRefused(
                self.call_kw(model, "read", [(runs - own).ids, ["summary"]])
            )
        # A user of every entity reads both.
        self.login(self.viewer)
        found = self.result(
            self.call_kw("pss.run", "search", [[("id", "in", progress.ids)]])
        )
        self.assertEqual(sorted(found), sorted(progress.ids))


@tagged("post_install", "-at_install")
class TestBadInputIsNever500(ProjectHttpCase):
    def post_raw(self, system, body):
        """A body written by hand (json.dumps refuses such nesting)."""
        response = signed_request(
            self.opener,
            "POST",
            f"{self.base_url()}/pss/v1/{system.code}/events",
            self.credentials(system),
            body,
        )
        self.env.invalidate_all()
        return response

    def envelope(self, entity, data_text):
        head = json.dumps(
            {
                "id": unique("evt_"),
                "type": "customer.upserted",
                "schema_version": 1,
                "occurred_at": "2026-11-20T10:00:00Z",
                "entity": entity,
            }
        )
        return (head[:-1] + ',"data":' + data_text + "}").encode()

    def test_vat_nested_970_deep_is_refused_with_its_path(self):
        customer = json.dumps(self.customer(unique("C-")))
        vat = "[" * 970 + '"DE123456789"' + "]" * 970
        data = customer[:-1] + ',"vat":' + vat + "}"
        before = self.Message.search_count([])
        response = self.post_raw(
            self.crm, self.envelope(self.company_de.pss_entity_code, data)
        )
        self.assertEqual(response.status_code, 422, response.text)
        (error,) = response.json()["errors"]
        self.assertEqual(error["path"], "data.vat")
        self.assertNotIn("DE123456789", response.text)
        self.assertEqual(self.Message.search_count([]), before)

    def test_a_key_given_twice_is_400(self):
        """A gateway reading the first key sees ZZ99, Python the last: GB01.
        Neither is taken."""
        customer = self.customer(unique("C-"))
        name = customer["name"]
        head = json.dumps(
            {
                "id": unique("evt_"),
                "type": "customer.upserted",
                "schema_version": 1,
                "occurred_at": "2026-11-20T10:00:00Z",
                "entity": "ZZ99",
            }
        )
        entity = f', "entity": "{self.company_de.pss_entity_code}"'
        before = self.Message.search_count([])
        for body in (
            head[:-1] + entity + ', "data": ' + json.dumps(customer) + "}",
            self.envelope(
                self.company_de.pss_entity_code,
                json.dumps(customer)[:-1] + ', "name": "Someone else"}',
            ).decode(),
            '{"events": [], "events": ['
            + self.envelope(
                self.company_de.pss_entity_code, json.dumps(customer)
            ).decode()
            + "]}",
        ):
            response = self.post_raw(self.crm, body.encode())
            self.assertEqual(response.status_code, 400, response.text)
            self.assertIn("more than once", response.json()["detail"])
        self.assertEqual(self.Message.search_count([]), before)
        self.assertFalse(self.Partner.search([("name", "=", name)]))
