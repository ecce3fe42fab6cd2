"""Issue 8, sensitive data and least privilege, over real HTTP.

- personal and financial values (a resource's hourly cost, a customer's tax
  id...) are masked for everyone but pss Managers: in the console (ORM and
  JSON-RPC ``read``), in error texts, logs and the API's status answers;
- a system sends only the event types it is allowed (403 otherwise, nothing
  stored), and the queue applies nothing of a type it is no longer allowed;
- the metrics need their token unless made public; health without
  credentials says only up or down.
"""

import json
import logging

from pss_tour import TourMixin
from test_project_engagements import ProjectHttpCase

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.pss_api.lib.credentials import hash_key
from odoo.addons.pss_api.tests.common import ApiCase, envelope
from odoo.addons.pss_core.tests.common import event_types, json_rpc, make_user
from odoo.addons.pss_project.tests.common import unique
from odoo.addons.pss_timesheet.tests.common import (
    TimesheetMixin,
    add_timesheet_fixtures,
)

COST = "87.25"


def console_user(env, login, group, companies):
    user = make_user(env, login, ["base.group_user", group], companies)
    user.password = login
    return user


@tagged("post_install", "-at_install")
class TestSensitiveResourceCost(TourMixin, TimesheetMixin, ProjectHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        add_timesheet_fixtures(cls)
        env = cls.env
        # An HRIS in its narrow group, with its kind's default events.
        cls.tech_hris = make_user(
            env,
            unique("tech_hris"),
            ["pss_timesheet.group_pss_hris_integration"],
            cls.companies,
        )
        cls.hris = env["pss.system"].create(
            {
                "name": "HRIS",
                "code": unique("hris").lower(),
                "kind": "hris",
                "user_id": cls.tech_hris.id,
                "company_ids": [Command.set(cls.companies.ids)],
            }
        )
        cls._creds[cls.hris.id] = cls.hris.issue_credentials()
        cls.viewer = console_user(
            env, unique("viewer").lower(), "pss_core.group_pss_user", cls.companies
        )
        cls.manager = console_user(
            env, unique("manager").lower(), "pss_core.group_pss_manager", cls.companies
        )

    def resource_message(self):
        self.assertEqual(
            set(self.hris.event_type_ids.mapped("name")), {"resource.upserted"}
        )
        return self.post(
            self.hris,
            "resource.upserted",
            self.resource(
                unique("R-"),
                hourly_cost={
                    "amount": COST,
                    "currency": "EUR",
                    "effective_from": "2026-01-01",
                },
            ),
            self.company_de,
        )

    def test_pss_user_cannot_read_the_cost_through_the_orm(self):
        message = self.resource_message()
        as_viewer = message.with_user(self.viewer)
        for field in ("payload", "payload_original"):
            with self.assertRaises(AccessError, msg=field):
                as_viewer.read([field])
        (values,) = as_viewer.read()
        self.assertNotIn("payload", values)
        self.assertNotIn(COST, json.dumps(values, default=str))
        self.assertIn('"amount": "***"', as_viewer.payload_display)
        self.assertIn('"work_email": "***"', as_viewer.payload_display)
        self.assertIn('"currency": "EUR"', as_viewer.payload_display)
        # A pss Manager reads the raw payload as stored: the value encrypted
        # at rest (issue 25); the form's payload shows it in clear.
        as_manager = message.with_user(self.manager)
        stored = as_manager.read(["payload"])[0]["payload"]["hourly_cost"]["amount"]
        self.assertTrue(stored.startswith("pss:enc:v1:"), stored)
        self.assertIn(COST, as_manager.payload_display)

    def call_kw(self, method, args, kwargs=None):
        body = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {
                "model": "pss.message",
                "method": method,
                "args": args,
                "kwargs": kwargs or {},
            },
        }
        response = self.url_open(
            "/web/dataset/call_kw",
            data=json.dumps(body),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response

    def test_pss_user_cannot_read_the_cost_over_json_rpc(self):
        message = self.resource_message()
        self.authenticate(self.viewer.login, self.viewer.login)
        # The web client's read of the raw payload: refused.
        refused = self.call_kw("read", [[message.id], ["payload"]])
        self.assertEqual(
            refused.json()["error"]["data"]["name"], "odoo.exceptions.AccessError"
        )
        self.assertNotIn(COST, refused.text)
        # Every field the user may read, and the form's fields: no cost.
        for method, args, kwargs in (
            ("read", [[message.id]], {}),
            ("search_read", [[("id", "=", message.id)]], {}),
            (
                "web_read",
                [[message.id]],
                {"specification": {"payload_display": {}, "last_error": {}}},
            ),
        ):
            response = self.call_kw(method, args, kwargs)
            self.assertIn("result", response.json(), response.text)
            self.assertNotIn(COST, response.text, method)
        # The external API (/jsonrpc, login and password): the same.
        external = self.url_open(
            "/jsonrpc",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 2,
                    "params": {
                        "service": "object",
                        "method": "execute_kw",
                        "args": [
                            self.env.cr.dbname,
                            self.viewer.id,
                            self.viewer.login,
                            "pss.message",
                            "read",
                            [[message.id], ["payload"]],
                        ],
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertIn("AccessError", external.json()["error"]["data"]["name"])
        self.assertNotIn(COST, external.text)
        # A manager's session reads it: in clear on the form, encrypted in
        # the raw field (issue 25: encrypted at rest).
        self.authenticate(self.manager.login, self.manager.login)
        allowed = self.call_kw("read", [[message.id], ["payload"]])
        self.assertNotIn(COST, allowed.text)
        self.assertIn("pss:enc:v1:", allowed.text)
        shown = self.call_kw(
            "web_read",
            [[message.id]],
            {"specification": {"payload_display": {}}},
        )
        self.assertIn(COST, shown.text)

    def rpc(self, model, method, args, kwargs=None):
        answer = self.rpc_answer(model, method, args, kwargs)
        self.assertIn("result", answer, answer.get("error"))
        return answer["result"]

    def rpc_answer(self, model, method, args, kwargs=None):
        kwargs = {
            "context": {"allowed_company_ids": [self.company_de.id]},
            **(kwargs or {}),
        }
        response = json_rpc(self, model, method, args, kwargs)
        self.assertEqual(response.status_code, 200)
        return response.json()

    def test_pss_user_opens_the_records_of_a_resource_message(self):
        """Issue 18: a pss User without HR rights pressed the Records smart
        button of a resource.upserted message and got "Odoo Error"
        (KeyError: 'employee_id'): it sent them to hr.employee. The action
        opens what they may open, and loads as the web client loads it."""
        message = self.resource_message()
        self.process()
        self.assertEqual(message.state, "done", message.last_error)
        employee = message.record_ids.filtered(lambda r: r.res_model == "hr.employee")
        self.assertEqual(len(employee), 1)
        self.assertFalse(self.viewer.has_group("hr.group_hr_user"))
        self.authenticate(self.viewer.login, self.viewer.login)
        for action in (
            self.rpc("pss.message", "action_view_records", [[message.id]]),
            self.rpc("pss.message.record", "action_open", [[employee.id]]),
        ):
            self.assertEqual(action["type"], "ir.actions.act_window")
            self.assertEqual(action["res_model"], "hr.employee.public")
            model = action["res_model"]
            views = self.rpc(model, "get_views", [], {"views": [[False, "form"]]})
            fields = views["models"][model]
            (record,) = self.rpc(
                model,
                "web_read",
                [[action["res_id"]]],
                {"specification": {name: {} for name in fields}},
            )
            self.assertEqual(record["id"], employee.res_id)
            self.assertEqual(record["name"], employee.record_name)
            self.assertNotIn(COST, json.dumps(record))
        # A manager with HR rights opens the employee itself.
        hr = make_user(
            self.env,
            unique("hr").lower(),
            ["base.group_user", "pss_core.group_pss_user", "hr.group_hr_user"],
            self.companies,
        )
        hr.password = hr.login
        self.authenticate(hr.login, hr.login)
        action = self.rpc("pss.message.record", "action_open", [[employee.id]])
        self.assertEqual(action["res_model"], "hr.employee")

    def test_pss_user_follows_the_records_button_in_the_browser(self):
        """The same in the browser (tour pss_viewer_records_tour): the
        Records smart button of a resource.upserted message opens the public
        employee, no "Odoo Error", no cost. Then (issue 18, tour
        pss_viewer_no_cost_tour) the unbilled time (pivot, list, measures,
        optional columns) and the Integration control dashboard, opened by
        URL, show no cost anywhere; over JSON-RPC every cost field and the
        KPI reports are refused."""
        message = self.post(
            self.hris,
            "resource.upserted",
            self.resource(
                unique("R-"),
                name="Tour Resource Person",
                hourly_cost={
                    "amount": COST,
                    "currency": "EUR",
                    "effective_from": "2026-01-01",
                },
            ),
            self.company_de,
        )
        self.process()
        self.assertEqual(message.state, "done", message.last_error)
        self.assertEqual(len(message.record_ids), 1)
        # Four approved hours of that resource, not billed: 349.00 at cost.
        eng = self.tm_engagement(self.company_de)
        approved = self.post(
            self.psa,
            "timesheet.approved",
            {
                "lines": [
                    self.line(
                        unique("L-"), message.payload["external_id"], eng, hours="4"
                    )
                ]
            },
            self.company_de,
        )
        self.process()
        self.assertDone(approved)
        wip = self.env["pss.billing.wip"].search(
            [("company_id", "=", self.company_de.id), ("value_cost", "=", 349.0)]
        )
        self.assertEqual(len(wip), 1, "the cost the viewer must not see")
        self.viewer.company_id = self.company_de
        self.env.flush_all()
        self.pss_tour(
            f"/web#model=pss.message&id={message.id}&view_type=form",
            "pss_viewer_records_tour",
            login=self.viewer.login,
        )
        for url in (
            "action=pss_billing.pss_billing_wip_action",
            "action=pss_billing.pss_billing_wip_action&view_type=list",
            "action=pss_reconcile.pss_recon_dashboard_action",
        ):
            self.pss_tour(
                f"/web#{url}",
                "pss_viewer_no_cost_tour",
                login=self.viewer.login,
            )
        # The server refuses the cost fields and the KPI reports.
        self.authenticate(self.viewer.login, self.viewer.login)
        refused = (
            ("pss.billing.wip", "read", [wip.ids, ["value_cost"]]),
            ("pss.billing.wip", "read", [wip.ids, ["value_cost_group"]]),
            ("pss.report.engagement", "search_read", [[], ["cost"]]),
            ("pss.report.engagement", "search_read", [[], ["revenue"]]),
            ("pss.report.dashboard", "search_read", [[], ["margin"]]),
            ("account.analytic.line", "search_read", [[], ["pss_hourly_cost"]]),
        )
        for model, method, args in refused:
            answer = self.rpc_answer(model, method, args)
            self.assertIn("error", answer, f"{model}.{method} {args}")
            self.assertEqual(
                answer["error"]["data"]["name"], "odoo.exceptions.AccessError"
            )
            self.assertNotIn("349", json.dumps(answer))
        (row,) = self.rpc("pss.billing.wip", "read", [wip.ids])
        self.assertEqual(row["hours"], 4.0)
        self.assertFalse({"value_cost", "value_cost_group"} & set(row))

    def test_psa_may_not_send_customers_403_and_nothing_stored(self):
        """Issue 8: a PSA created sales customers and confirmed orders."""
        psa_only = self.env["pss.system"].create(
            {
                "name": "PSA with its kind's defaults",
                "code": unique("psa").lower(),
                "kind": "psa",
                "user_id": self.tech_psa.id,
                "company_ids": [Command.set(self.companies.ids)],
            }
        )
        sends = {
            "resource.upserted",
            "timesheet.approved",
            "timesheet.voided",
            "expense.approved",
        }
        if "pss.assignment" in self.env:
            # Staffing plans (pss_reporting) come from the PSA too.
            sends |= {"assignment.updated"}
        # With reconciliation installed it also sends its control totals.
        if "pss.recon.run" in self.env:
            sends.add("control.totals")
        self.assertEqual(set(psa_only.event_type_ids.mapped("name")), sends)
        # It hears back about its time (rejected lines) and, with billing
        # installed, about the invoices that billed it; never project.created.
        received = {"timesheet.rejected"}
        if "pss.billing.run" in self.env:
            received |= {"invoice.posted", "invoice.paid", "invoice.reversed"}
        self.assertEqual(set(psa_only.outbound_event_type_ids.mapped("name")), received)
        self._creds[psa_only.id] = psa_only.issue_credentials()
        before = self.Message.search_count([])
        name = unique("Sneaky customer ")
        customer = {"id": unique("evt_"), "type": "customer.upserted"}
        customer.update(
            schema_version=1,
            occurred_at="2026-11-20T10:00:00Z",
            entity=self.company_de.pss_entity_code,
            data=self.customer(unique("C-"), name=name),
        )
        response = self.send(psa_only, [customer])
        problem = self.assertForbiddenType(response, ["events[0].type"])
        self.assertIn("customer.upserted", problem["errors"][0]["message"])
        # One allowed event beside it does not let the batch in either.
        resource = dict(
            customer,
            id=unique("evt_"),
            type="resource.upserted",
            data=self.resource(unique("R-")),
        )
        response = self.send(psa_only, [resource, dict(customer, id=unique("evt_"))])
        self.assertForbiddenType(response, ["events[1].type"])
        self.assertEqual(self.Message.search_count([]), before)
        self.assertFalse(self.env["res.partner"].search([("name", "=", name)]))

    def assertForbiddenType(self, response, paths):
        self.assertEqual(response.status_code, 403, response.text)
        self.assertEqual(
            response.headers["Content-Type"].split(";")[0], "application/problem+json"
        )
        problem = response.json()
        self.assertTrue(problem["type"].endswith("#event-type-not-allowed"), problem)
        self.assertEqual([e["path"] for e in problem["errors"]], paths)
        return problem


@tagged("post_install", "-at_install")
class TestMaskedErrorsAndAllowedTypes(ApiCase):
    SECRET = "hunter2-Zq9"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Record = cls.env["pss.test.record"]

    def process(self):
        return self.Message._process_queue("in", commit=False)

    def accepted(self, data):
        response = self.post(envelope(unique("evt_"), self.code_a, data))
        self.assertEqual(response.status_code, 202, response.text)
        return self.Message.browse(response.json()["results"][0]["id"])

    def test_error_texts_logs_and_status_mask_sensitive_values(self):
        ext = unique("S")
        dead = self.accepted(
            {
                "external_id": ext,
                "name": "s",
                "behaviour": "data",
                "secret": self.SECRET,
            }
        )
        buggy = self.accepted(
            {
                "external_id": unique("S"),
                "name": "b",
                "behaviour": "internal",
                "secret": self.SECRET,
            }
        )
        # Stored encrypted (the tests configure a key, issue 25): the texts
        # are still masked with the clear value.
        self.assertTrue(buggy.sudo().payload["secret"].startswith("pss:enc:v1:"))
        with self.assertLogs("odoo.addons.pss_core", level=logging.INFO) as logs:
            self.process()
        self.assertNotIn(self.SECRET, "\n".join(logs.output))
        self.assertIn(
            "simulated bug in the handler (secret ***)", "\n".join(logs.output)
        )
        self.assertEqual(dead.state, "dead")
        self.assertEqual(dead.last_error, "amount does not match for ***")
        self.assertEqual(
            dead.error_details, [{"path": "data.amount", "message": "mismatch for ***"}]
        )
        self.assertEqual(buggy.error_category, "internal")
        self.assertNotIn(self.SECRET, buggy.last_error)
        self.assertIn("Traceback", buggy.last_error)
        status = self.get_message(dead.id)
        self.assertEqual(status.status_code, 200, status.text)
        self.assertNotIn(self.SECRET, status.text)
        self.assertEqual(
            status.json()["error"]["message"], "amount does not match for ***"
        )

    def test_payload_edit_chatter_masks_the_previous_value(self):
        message = self.accepted(
            {"external_id": unique("E"), "name": "e", "secret": self.SECRET}
        )
        self.process()
        message._edit_payload(
            {"external_id": unique("E"), "name": "e2", "secret": "other"}, replay=False
        )
        bodies = " ".join(message.message_ids.mapped("body"))
        self.assertIn("Previous payload", bodies)
        self.assertNotIn(self.SECRET, bodies)

    def test_queue_applies_nothing_of_a_type_no_longer_allowed(self):
        """A message accepted while its type was allowed, then the list was
        narrowed (or a requeue after that): dead with a data error."""
        ext = unique("N")
        message = self.accepted({"external_id": ext, "name": "n"})
        self.system.event_type_ids = [Command.clear()]
        self.process()
        self.assertEqual((message.state, message.error_category), ("dead", "data"))
        self.assertIn("may not send test.record", message.last_error)
        self.assertFalse(self.Record.search([("external_id", "=", ext)]))
        # And the door is shut too: 403, nothing stored.
        before = self.count()
        response = self.post(envelope(unique("evt_"), self.code_a))
        self.assertProblem(response, 403, "event-type-not-allowed", ["type"])
        self.assertEqual(self.count(), before)
        # Allowed again, the requeued message applies once.
        self.system.write(event_types(self.env, ["test.record"]))
        message.action_requeue()
        self.process()
        self.assertEqual(message.state, "done")
        self.assertEqual(len(self.Record.search([("external_id", "=", ext)])), 1)


@tagged("post_install", "-at_install")
class TestMonitoringCredentials(ApiCase):
    TOKEN = "scrape-me-6f1c"

    def setUp(self):
        super().setUp()
        params = self.env["ir.config_parameter"]
        params.set_param("pss_api.metrics_token", False)
        params.set_param("pss_api.metrics_public", False)

    def get(self, path, token=None):
        return self.request("GET", path, key=token or "", sign=False)

    def test_metrics_need_their_token_unless_made_public(self):
        """Issue 8: the metrics were public unless a token was configured."""
        # No token configured, not public: refused (a system's key neither).
        self.assertProblem(self.get("/pss/v1/metrics"), 401, "unauthorized")
        self.assertProblem(
            self.get("/pss/v1/metrics", self.creds["api_key"]), 401, "unauthorized"
        )
        params = self.env["ir.config_parameter"]
        params.set_param("pss_api.metrics_token", self.TOKEN)
        self.assertProblem(self.get("/pss/v1/metrics"), 401)
        self.assertProblem(self.get("/pss/v1/metrics", "wrong"), 401)
        ok = self.get("/pss/v1/metrics", self.TOKEN)
        self.assertEqual(ok.status_code, 200, ok.text)
        self.assertIn("# TYPE pss_queue_messages gauge", ok.text)
        # Stored as its SHA-256 only.
        params.set_param("pss_api.metrics_token", f"sha256:{hash_key(self.TOKEN)}")
        self.assertEqual(self.get("/pss/v1/metrics", self.TOKEN).status_code, 200)
        self.assertProblem(self.get("/pss/v1/metrics", hash_key(self.TOKEN)), 401)
        # An administrator may make them public.
        params.set_param("pss_api.metrics_token", False)
        params.set_param("pss_api.metrics_public", "True")
        self.assertEqual(self.get("/pss/v1/metrics").status_code, 200)

    def test_health_without_credentials_says_only_up_or_down(self):
        self.post(envelope(unique("evt_"), self.code_a))
        self.env.cr.execute(
            "UPDATE pss_message SET received_at = %s WHERE state = 'pending'",
            [fields.Datetime.subtract(fields.Datetime.now(), minutes=10)],
        )
        anonymous = self.get("/pss/v1/health")
        self.assertEqual(anonymous.status_code, 200)
        self.assertEqual(anonymous.json(), {"status": "ok"})
        late = self.get("/pss/v1/health?max_pending_age=300")
        self.assertEqual((late.status_code, late.json()), (503, {"status": "degraded"}))
        # A system's API key is no monitoring credential.
        with_key = self.get("/pss/v1/health", self.creds["api_key"])
        self.assertEqual(with_key.json(), {"status": "ok"})
        self.env["ir.config_parameter"].set_param("pss_api.metrics_token", self.TOKEN)
        detailed = self.get("/pss/v1/health", self.TOKEN).json()
        self.assertEqual(detailed["database"], "ok")
        self.assertGreaterEqual(detailed["queue"]["by_state"]["pending"], 1)
        self.assertGreaterEqual(detailed["queue"]["oldest_pending_age_seconds"], 590)
