"""Two real workers applying resources at the same time (issue 8): a new
department or job named by both is created once.

Not a TransactionCase: the workers commit for real on their own cursors;
everything committed is removed at the end.
"""

import threading
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from odoo.addons.pss_core.tests.common import (
    CommittedCase,
    unique,
)


@tagged("post_install", "-at_install")
class TestResourceConcurrency(CommittedCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.commit_system(
            unique("hris_tech"),
            ["pss_timesheet.group_pss_timesheet_integration"],
            name="hris (concurrency)",
            code=unique("hris"),
            kind="hris",
        )

    @classmethod
    def tearDownClass(cls):
        with cls.cursor_env() as env:
            bindings = env["pss.binding"].search([("system_id", "=", cls.system_id)])
            employees = (
                env["hr.employee"]
                .with_context(active_test=False)
                .browse(
                    bindings.filtered(lambda b: b.res_model == "hr.employee").mapped(
                        "res_id"
                    )
                )
            )
            departments, jobs = employees.department_id, employees.job_id
            employees.unlink()
            (departments | env["hr.department"].search(cls.created_domain())).unlink()
            (jobs | env["hr.job"].search(cls.created_domain())).unlink()
        super().tearDownClass()

    names = []

    @classmethod
    def created_domain(cls):
        return [("name", "in", cls.names)]

    def system(self, env):
        return env["pss.system"].browse(self.system_id)

    def test_two_workers_create_one_department_and_one_job(self):
        department, role = unique("Delivery "), unique("Architect ")
        type(self).names = [department, role]
        with self.cursor_env() as env:
            items = [
                {
                    "event_type": "resource.upserted",
                    "payload": {
                        "external_id": ext,
                        "name": f"Person {ext}",
                        "department": department,
                        "role": role,
                    },
                    "idempotency_key": ext,
                    "company_id": self.company_id,
                    "sequence_key": f"resource:{ext}",
                }
                for ext in (unique("R-A-"), unique("R-B-"))
            ]
            ids = [
                m.id
                for m, _new in env["pss.message"].enqueue_many(self.system(env), items)
            ]

        # Both workers hold their snapshot before either looks for the job:
        # the race a check-then-insert loses.
        handler = self.registry["pss.handler.resource.upserted"]
        real_jobs = handler._pss_jobs
        barrier = threading.Barrier(2)

        def jobs_after_both_started(records, *args, **kwargs):
            barrier.wait(timeout=20)
            return real_jobs(records, *args, **kwargs)

        errors = []

        def worker(name):
            try:
                with self.cursor_env() as env:
                    env["pss.message"]._process_queue(
                        "in",
                        commit=True,
                        worker=name,
                        limit=1,
                        batch_size=1,
                        system=self.system(env),
                    )
            except Exception as error:
                errors.append(error)

        with patch.object(handler, "_pss_jobs", jobs_after_both_started):
            threads = [
                threading.Thread(target=worker, args=(f"res-w{i}",)) for i in (1, 2)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
        self.assertFalse(errors, errors)
        # The worker that waited for the other's lock retries in a new
        # transaction (transient), where it finds the department and job.
        later = fields.Datetime.now() + timedelta(hours=1)
        with self.cursor_env() as env:
            env["pss.message"]._process_queue(
                "in", commit=True, system=self.system(env), now=later
            )
        with self.cursor_env() as env:
            messages = env["pss.message"].browse(ids)
            self.assertEqual(set(messages.mapped("state")), {"done"})
            departments = env["hr.department"].search([("name", "=", department)])
            jobs = env["hr.job"].search([("name", "=", role)])
            self.assertEqual(len(departments), 1, "one department")
            self.assertEqual(len(jobs), 1, "one job")
            employees = env["hr.employee"].search(
                [("department_id", "=", departments.id)]
            )
            self.assertEqual(len(employees), 2)
            self.assertEqual(employees.job_id, jobs)
