#!/usr/bin/env python3
"""Reconciliation of one entity-month against the sender's control totals.

    python3 tests/bench/bench_reconcile.py --config .pss/odoo-test.conf \\
        --db pss_test_recon [--count 100000]

Needs a database where pss_reconcile is installed; prints
``{"skipped": true}`` otherwise. Not collected by pytest. Everything runs in
one transaction that is rolled back. The fixtures are pss_intercompany's
tests' (three entities); ``count`` approved timesheets of 20 consultants on
the US entity's project (April), the project and consultants bound to a
PSA, and the PSA's control totals (the engagement and the 20 resources)
are created before the clock starts. Prints one JSON line per figure:

- ``run``: one ``pss.recon.run`` of the US entity and April, all five
  checks (hours per engagement and per resource by SQL aggregation with the
  ids of the timesheets behind each figure, unbilled time, invoices,
  intercompany balances, queue health), lines written, then its sign-off;
- ``rerun``: the same period again, compared with the signed-off run.
"""

import json

import benchlib

from odoo import SUPERUSER_ID, Command, api

RESOURCES = 20


def setup(env, count):
    from odoo.addons.pss_intercompany.tests.common import IntercompanyFixtures

    class Fx(IntercompanyFixtures):
        pass

    Fx.env = env
    Fx.build_fixtures()
    Fx.finance.write(
        {"groups_id": [Command.link(env.ref("pss_core.group_pss_finance").id)]}
    )
    system = env["pss.system"].create(
        {
            "name": "Bench PSA",
            "code": "bench_psa",
            "kind": "psa",
            "user_id": env.ref("base.user_admin").id,
            "company_ids": [Command.set(Fx.companies.ids)],
        }
    )
    consultants = env["hr.employee"].create(
        [
            {"name": f"Bench consultant {i}", "company_id": Fx.us.id}
            for i in range(RESOURCES)
        ]
    )
    env["pss.binding"].create(
        [
            {
                "system_id": system.id,
                "res_model": "hr.employee",
                "res_id": e.id,
                "external_id": f"R-{i}",
                "company_id": Fx.us.id,
            }
            for i, e in enumerate(consultants)
        ]
        + [
            {
                "system_id": system.id,
                "res_model": "project.project",
                "res_id": Fx.project_us.id,
                "external_id": "ENG-1",
                "company_id": Fx.us.id,
            }
        ]
    )
    vals_list = []
    per_resource = [0.0] * RESOURCES
    for i in range(count):
        hours = 0.25 * (1 + i % 32)
        per_resource[i % RESOURCES] += hours
        vals_list.append(
            {
                "name": f"Bench work {i}",
                "date": f"2026-04-{1 + i % 30:02d}",
                "unit_amount": hours,
                "project_id": Fx.project_us.id,
                "employee_id": consultants[i % RESOURCES].id,
                "company_id": Fx.us.id,
                "pss_system_id": system.id,
                "pss_approved": True,
            }
        )
    env["account.analytic.line"].with_context(
        allowed_company_ids=Fx.companies.ids, tracking_disable=True
    ).create(vals_list)
    # The sender agrees except on one resource (one variance).
    per_resource[0] += 1.0
    env["pss.recon.statement"].create(
        {
            "system_id": system.id,
            "company_id": Fx.us.id,
            "date_from": "2026-04-01",
            "date_to": "2026-04-30",
            "version": 1,
            "line_ids": [
                Command.create(
                    {
                        "kind": "engagement",
                        "external_id": "ENG-1",
                        "hours": sum(per_resource) - 1.0,
                    }
                )
            ]
            + [
                Command.create(
                    {"kind": "resource", "external_id": f"R-{i}", "hours": hours}
                )
                for i, hours in enumerate(per_resource)
            ],
        }
    )
    return Fx


def run_period(env, fx):
    run = (
        env["pss.recon.run"]
        .with_user(fx.finance)
        .with_company(fx.us)
        .create(
            {
                "company_id": fx.us.id,
                "date_from": "2026-04-01",
                "date_to": "2026-04-30",
            }
        )
    )
    run.action_run()
    return run


def figure(measure, count, seconds, queries, **extra):
    return benchlib.figure("reconcile.run", measure, count, seconds, queries, **extra)


def main():
    args = benchlib.parser(__doc__, 100000).parse_args()
    registry = benchlib.open_registry(
        args, "pss.recon.run", "reconcile.run", "pss_reconcile"
    )
    if registry is None:
        return
    count = args.count
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        fx = setup(env, count)
        holder = {}

        def first():
            run = holder.setdefault("run", run_period(env, fx))
            # The seeded variance is expected: signed off with a reason, as
            # the sign-off rule asks of a run with open lines.
            run.override_reason = "benchmark: the seeded variance of R-0"
            run.action_sign_off()

        run_s, run_q = benchlib.measure(env, first)
        run = holder["run"]
        assert run.state == "signed", run.error
        hours = run.line_ids.filtered(lambda ln: ln.check_type.startswith("hours"))
        assert len(hours) == RESOURCES + 1, len(hours)
        assert (
            sum(
                hours.filtered(lambda ln: ln.check_type == "hours_resource").mapped(
                    "record_count"
                )
            )
            == count
        )
        variances = run.line_ids.filtered(lambda ln: ln.status == "variance")
        assert variances.mapped("key") == ["bench_psa/R-0"], variances.mapped("key")
        rerun_s, rerun_q = benchlib.measure(
            env, lambda: holder.setdefault("rerun", run_period(env, fx))
        )
        rerun = holder["rerun"]
        assert rerun.previous_run_id == run
        assert rerun.changed_count == 0, rerun.changed_count
        cr.rollback()
    print(json.dumps(figure("run", count, run_s, run_q)))
    print(json.dumps(figure("rerun", count, rerun_s, rerun_q)))


if __name__ == "__main__":
    main()
