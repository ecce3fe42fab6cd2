"""pss-simulate against the real server: a week of a two-entity group sent
through the signed API (CRM and PSA), applied by the queue, faults included.

The test server runs no crons: the simulator's settle hook applies the queue
between its status polls, as the cron workers would, and lets time pass for
the outbound retries (the PSA's receiver is down first, then up).
"""

import socket
import sys
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from test_project_engagements import ProjectHttpCase

from odoo import Command, fields
from odoo.tests import tagged

from odoo.addons.pss_timesheet.tests.common import add_timesheet_fixtures

_CLIENT = str(Path(__file__).resolve().parents[1] / "tools" / "pss_client")
if "pss_client" not in sys.modules and _CLIENT not in sys.path:
    sys.path.insert(0, _CLIENT)

START = date(2026, 3, 2)  # a Monday
MARCH = (date(2026, 3, 1), date(2026, 3, 31))
LINE = "account.analytic.line"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@tagged("post_install", "-at_install")
class TestSimulatorAgainstTheServer(ProjectHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        add_timesheet_fixtures(cls)
        env = cls.env
        # The PSA's expense category "meals" and its control totals.
        env["pss.value.map"].create(
            {
                "system_id": cls.psa.id,
                "kind": "expense_category",
                "external_value": "meals",
                "res_model": "product.product",
                "res_id": cls.product_meal.id,
            }
        )
        group = env.ref("pss_reconcile.group_pss_control_totals_integration")
        cls.tech_psa.write({"groups_id": [Command.link(group.id)]})
        cls.ports = {"crm": free_port(), "psa": free_port()}
        for role, system in (("crm", cls.crm), ("psa", cls.psa)):
            system.write(
                {
                    "outbound_url": f"http://127.0.0.1:{cls.ports[role]}/hooks",
                    "outbound_secret": f"{role}-outbound-secret",
                    "retry_base": 1,
                    "retry_cap": 2,
                }
            )

    def settle(self):
        """What the cron workers do between two polls of the sender."""
        self.env.invalidate_all()
        for _round in range(10):
            self.Message._process_queue("in", commit=False)
            self.env.flush_all()
            if not self.Message.search_count(
                [("direction", "=", "in"), ("state", "in", ("pending", "retrying"))]
            ):
                break
        # Outbound: a minute later, every retry is due.
        later = fields.Datetime.now() + timedelta(minutes=1)
        self.Message._process_queue("out", commit=False, now=later)
        self.env.flush_all()

    def simulate(self):
        from pss_client import PssClient
        from pss_client.scenario import Config, build_scenario, parse_entities
        from pss_client.simulate import Receiver, Simulation

        self.us, self.de = self.company_us, self.company_de
        config = Config(
            start=START,
            weeks=1,
            seed=5,
            entities=parse_entities(
                f"{self.us.pss_entity_code}:USD,{self.de.pss_entity_code}:EUR"
            ),
            systems={"crm": self.crm.code, "psa": self.psa.code, "hris": None},
            people_per_entity=3,
        )
        scenario = build_scenario(config)
        self.env.flush_all()
        clients = {}
        for role, system in (("crm", self.crm), ("psa", self.psa)):
            creds = self.credentials(system)
            clients[role] = PssClient(
                self.base_url(),
                system.code,
                creds["api_key"],
                creds["signing_secret"],
                max_retries=0,
                timeout=(5, 60),
            )
            self.addCleanup(clients[role].close)
        receivers = {
            role: Receiver(code, self.ports[role], [f"{role}-outbound-secret"])
            for role, code in (("crm", self.crm.code), ("psa", self.psa.code))
        }
        simulation = Simulation(
            scenario,
            clients,
            receivers,
            settle_hook=self.settle,
            timeout=30,
            outbound_timeout=10,
            poll_interval=0.01,
        )
        summary = simulation.run()
        self.env.invalidate_all()
        return scenario, summary

    def messages(self, event_ids):
        return self.Message.search(
            [("direction", "=", "in"), ("external_event_id", "in", list(event_ids))]
        )

    def test_a_week_of_the_group_lands_in_the_right_entities(self):
        from pss_client.simulate import render

        scenario, summary = self.simulate()
        report = render(summary)
        self.assertTrue(summary["ok"], report)
        expected = scenario.expected
        ids = expected["ids"]
        codes = {self.us.pss_entity_code: self.us, self.de.pss_entity_code: self.de}

        # Customers, engagements and time in both entities.
        binding = self.env["pss.binding"]
        for code, company in codes.items():
            partners = binding._resolve(
                self.crm, "res.partner", [f"ACC-{code}-001", f"ACC-{code}-002"]
            )
            self.assertEqual(len(partners), 2, code)
            project = self.bound(self.crm, "project.project", f"ENG-{code}-101")
            self.assertEqual(project.company_id, company)
            order = self.bound(self.crm, "sale.order", f"ENG-{code}-101")
            self.assertEqual(order.state, "sale")
            self.assertEqual(order.company_id, company)
        timesheets = self.env[LINE].search([("pss_system_id", "=", self.psa.id)])
        per_company = Counter(timesheets.mapped("company_id.pss_entity_code"))
        self.assertEqual(set(per_company), set(codes), per_company)
        voided = [
            ext
            for _p, _s, e in scenario.envelopes()
            if e["type"] == "timesheet.voided"
            for ext in e["data"]["lines"]
        ]
        self.assertEqual(len(voided), 1)
        self.assertEqual(
            len(timesheets),
            summary["timesheet_lines"].get("created", 0) - len(voided),
            "every line the status answers list as created exists, but the voided",
        )
        self.assertFalse(timesheets.filtered(lambda t: t.pss_external_id in voided))
        # Intercompany: people of each entity on the other's engagement.
        crossed = timesheets.filtered("pss_intercompany")
        pairs = {
            (t.pss_resource_company_id.pss_entity_code, t.company_id.pss_entity_code)
            for t in crossed
        }
        self.assertEqual(
            pairs,
            {
                (self.us.pss_entity_code, self.de.pss_entity_code),
                (self.de.pss_entity_code, self.us.pss_entity_code),
            },
        )
        for timesheet in crossed:
            self.assertEqual(
                timesheet.employee_id.company_id, timesheet.pss_resource_company_id
            )

        # Duplicates: the resent engagements are stored (and applied) once.
        resent = {
            e["id"]
            for _p, step, e in scenario.envelopes()
            if step.resend and e["type"] == "engagement.won"
        }
        self.assertTrue(resent)
        self.assertEqual(len(self.messages(resent)), len(resent))
        for event_id in resent:
            envelope = next(
                e for _p, _s, e in scenario.envelopes() if e["id"] == event_id
            )
            external_id = envelope["data"]["external_id"]
            self.assertEqual(
                self.env["sale.order"].search_count(
                    [("pss_external_id", "=", external_id)]
                ),
                1,
                external_id,
            )
        self.assertEqual(summary["events"]["duplicates"], expected["duplicates"])

        # Parked, then released once the person arrived: done, time recorded.
        released = self.messages(ids["released"])
        self.assertTrue(released)
        for message in released:
            self.assertEqual(message.state, "done", message.last_error)
            self.assertTrue(message.record_ids, "its timesheets")
        late_people = {
            line["resource_external_id"]
            for e in scenario.envelopes()
            if e[2]["id"] in ids["released"]
            for line in e[2]["data"]["lines"]
        }
        late_time = timesheets.filtered(
            lambda t: (
                t.employee_id
                in self.env["hr.employee"].browse(
                    binding._resolve_any(self.psa, "hr.employee", late_people).values()
                )
            )
        )
        self.assertTrue(late_time)
        # Parked for good: the contractor nobody sent.
        parked = self.messages(ids["parked"])
        self.assertEqual(parked.mapped("state"), ["parked"])
        self.assertIn("CTR-", parked.park_reason)
        # Dead: the expense category without a value map.
        dead = self.messages(ids["dead"])
        self.assertEqual(dead.mapped("state"), ["dead"])
        self.assertEqual(dead.error_category, "data")
        # Older versions change nothing: the amendment v3 won over v2.
        stale = self.messages(ids["stale"])
        self.assertEqual(set(stale.mapped("state")), {"done"})
        self.assertFalse(stale.record_ids)
        # Rejected lines went back to the PSA, once its receiver was up.
        rejected = self.Message.search(
            [
                ("direction", "=", "out"),
                ("system_id", "=", self.psa.id),
                ("event_type", "=", "timesheet.rejected"),
            ]
        )
        self.assertEqual(len(rejected), expected["rejected_events"])
        self.assertEqual(set(rejected.mapped("state")), {"done"})
        self.assertGreater(max(rejected.mapped("attempts")), 1, "retried while down")
        self.assertEqual(
            summary["outbound"]["psa"]["rejected_lines"], expected["rejected_lines"]
        )
        # The control totals are the PSA's statements of both entities.
        statements = self.env["pss.recon.statement"].search(
            [("system_id", "=", self.psa.id)]
        )
        self.assertEqual(
            set(statements.mapped("company_id.pss_entity_code")), set(codes)
        )
        self.assertEqual(
            {(s.date_from, s.date_to) for s in statements},
            {MARCH},
            "the calendar month of the simulated week (issue 18: one period)",
        )
        # The planted variances show on the screens with the sign the
        # simulator prints: external (the PSA's total) minus Odoo.
        planted = defaultdict(Decimal)
        for variance in summary["control_totals"]["variances"]:
            hours = Decimal(variance["hours"])
            if variance["kind"] == "parked":
                for what in variance["what"].split(" on "):
                    planted[(variance["entity"], what)] += hours
            elif variance["kind"] in ("engagement", "resource"):
                planted[(variance["entity"], variance["what"])] += hours
        self.assertTrue(any(hours < 0 for hours in planted.values()), planted)
        shown = {}
        for company in statements.company_id:
            run = self.env["pss.recon.run"].create(
                {
                    "company_id": company.id,
                    "date_from": MARCH[0],
                    "date_to": MARCH[1],
                }
            )
            run.action_run()
            for line in run.line_ids:
                what = line.key.split("/", 1)[1]
                shown[(company.pss_entity_code, what)] = line.variance
        self.assertEqual(
            {key: shown.get(key) for key in planted},
            {key: float(hours) for key, hours in planted.items()},
        )
