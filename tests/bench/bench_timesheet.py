#!/usr/bin/env python3
"""timesheet.approved throughput next to raw ORM creates of the same timesheets.

    python3 tests/bench/bench_timesheet.py --config .pss/odoo-test.conf \\
        --db pss_test_ts [--count 10000] [--single-count 1000]

Needs a database where pss_timesheet is installed (for instance the one
`PSS_TEST_DB=pss_test_ts PSS_EXTRA_ADDONS=pss_timesheet bash setup/test.sh`
leaves behind); prints ``{"skipped": true}`` otherwise. Not collected by
pytest. Everything runs in one transaction that is rolled back. Prints one
JSON line per figure:

- ``queue``: ``count`` approved lines in events of 1,000 lines, enqueued and
  applied by the queue: bindings, validation, dated costs, lock dates,
  sale order line by Odoo's rules, approval metadata, audit;
- ``baseline_orm_batch``: the same timesheets (same project, employees,
  dates, hours) created directly with one ``create(vals_list)`` as the same
  technical user: no validation, bindings or audit;
- ``baseline_orm_one_by_one``: one ``create()`` per timesheet, which is what
  an integrator scripting JSON-RPC does (without the HTTP round trips, so
  real JSON-RPC is slower still). Measured on ``single-count`` lines (it is
  linear) and reported as lines/s.
- ``baseline_jsonrpc_one_per_call``: the real thing, on an Odoo HTTP server:
  one ``account.analytic.line`` create per JSON-RPC call (``rpc-count``
  lines) on a plain project of the main company (no sale order, so cheaper
  per line than the engagement's T&M project: the comparison favours the
  baseline). Its project, employee and user are committed (the server is
  another process) and removed afterwards with its timesheets.
"""

import json
import time
from datetime import date, timedelta
from types import SimpleNamespace

import benchlib

from odoo import SUPERUSER_ID, api

RESOURCES = 20
LINES_PER_EVENT = 1000


def setup(env, tag):
    from odoo.addons.pss_project.tests.common import (
        build_fixtures,
        customer_payload,
        engagement_payload,
    )
    from odoo.addons.pss_timesheet.tests.common import add_timesheet_fixtures

    fx = SimpleNamespace(**vars(build_fixtures(env, template=False)), env=env)
    add_timesheet_fixtures(fx)
    company = fx.company_de
    Message = env["pss.message"].with_user(fx.psa.user_id)
    eng = f"ENG-BENCH-{tag}"
    resources = [f"R-BENCH-{tag}-{i}" for i in range(RESOURCES)]
    items = [
        {
            "event_type": "engagement.won",
            "payload": engagement_payload(
                eng,
                "time_and_materials",
                customer_payload(f"C-BENCH-{tag}", vat=None),
                currency="EUR",
                start_date="2026-01-01",
                end_date="2026-12-31",
                rate_card=[{"role": "consultant", "unit_price": "150"}],
            ),
            "idempotency_key": f"bench-eng-{tag}",
            "company_id": company.id,
            "sequence_key": f"engagement:{eng}",
        }
    ] + [
        {
            "event_type": "resource.upserted",
            "payload": {
                "external_id": ext,
                "name": f"Bench resource {ext}",
                "role": "consultant",
                "hourly_cost": {
                    "amount": "55",
                    "currency": "EUR",
                    "effective_from": "2026-01-01",
                },
            },
            "idempotency_key": f"bench-{ext}",
            "company_id": company.id,
            "sequence_key": f"resource:{ext}",
        }
        for ext in resources
    ]
    Message.enqueue_many(fx.psa, items)
    summary = env["pss.message"]._process_queue("in", commit=False, system=fx.psa)
    assert summary.get("done") == len(items), summary
    binding = env["pss.binding"]
    fx.project = env["project.project"].browse(
        binding._resolve(fx.psa, "project.project", [eng])[eng]
    )
    fx.employee_ids = binding._resolve(fx.psa, "hr.employee", resources)
    fx.eng, fx.resources, fx.company = eng, resources, company
    return fx


def lines(fx, count, tag):
    start = date(2026, 1, 5)
    return [
        {
            "external_id": f"L-{tag}-{i}",
            "resource_external_id": fx.resources[i % RESOURCES],
            "engagement_external_id": fx.eng,
            "date": (start + timedelta(days=(i // RESOURCES) % 300)).isoformat(),
            "hours": "1.5",
            "description": f"Bench work {i}",
            "approved_by": "manager@example.com",
        }
        for i in range(count)
    ]


def bench_queue(env, fx, datas, tag):
    items = [
        {
            "event_type": "timesheet.approved",
            "payload": {"lines": datas[i : i + LINES_PER_EVENT]},
            "idempotency_key": f"bench-ts-{tag}-{i}",
            "company_id": fx.company.id,
        }
        for i in range(0, len(datas), LINES_PER_EVENT)
    ]
    Message = env["pss.message"].with_user(fx.psa.user_id)

    def run():
        Message.enqueue_many(fx.psa, items)
        summary = env["pss.message"]._process_queue(
            "in", commit=False, system=fx.psa, batch_size=5
        )
        assert summary.get("done") == len(items), summary

    return benchlib.measure(env, run)


def raw_orm(env, fx, datas, one_by_one):
    user_env = env(
        user=fx.psa.user_id.id,
        context={
            "allowed_company_ids": fx.psa.company_ids.ids,
            "mail_create_nosubscribe": True,
        },
    )
    vals_list = [
        {
            "name": d["description"],
            "date": d["date"],
            "unit_amount": float(d["hours"]),
            "project_id": fx.project.id,
            "employee_id": fx.employee_ids[d["resource_external_id"]],
            "company_id": fx.company.id,
        }
        for d in datas
    ]
    Line = user_env["account.analytic.line"]

    def run():
        if one_by_one:
            for vals in vals_list:
                # One call = one transaction: its writes reach the database.
                Line.create(vals)
                Line.env.flush_all()
        else:
            Line.create(vals_list)

    return benchlib.measure(env, run)


def bench_jsonrpc(args, registry, count, tag):
    password = f"bench-{tag}"
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env.ref("base.main_company")
        user = (
            env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": f"bench rpc {tag}",
                    "login": f"bench_rpc_{tag}",
                    "password": password,
                    "groups_id": [
                        (6, 0, [env.ref("hr_timesheet.group_hr_timesheet_approver").id])
                    ],
                    "company_ids": [(6, 0, company.ids)],
                    "company_id": company.id,
                }
            )
        )
        employee = env["hr.employee"].create(
            {"name": f"bench rpc {tag}", "company_id": company.id}
        )
        project = env["project.project"].create(
            {"name": f"bench rpc {tag}", "company_id": company.id}
        )
        ids = user.id, user.login, employee.id, project.id, company.id
    first = date(2026, 1, 5)
    vals = [
        {
            "name": f"rpc line {i}",
            "date": str(first + timedelta(days=i % 300)),
            "unit_amount": 1.5,
            "project_id": ids[3],
            "employee_id": ids[2],
        }
        for i in range(count)
    ]
    try:
        return benchlib.jsonrpc_baseline(
            args.config,
            args.db,
            ids[1],
            password,
            "account.analytic.line",
            vals,
            {"allowed_company_ids": [ids[4]]},
        )
    finally:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            project = env["project.project"].browse(ids[3])
            employee = env["hr.employee"].browse(ids[2])
            user = env["res.users"].browse(ids[0])
            # What Odoo made beside them: the project's analytic account,
            # the employee's work contact and the user's partner.
            account = project.analytic_account_id
            partners = employee.work_contact_id | user.partner_id
            env["account.analytic.line"].search([("project_id", "=", ids[3])]).unlink()
            project.unlink()
            account.exists().unlink()
            employee.unlink()
            user.unlink()
            partners.exists().unlink()


def figure(name, count, seconds, queries, **extra):
    return {
        "benchmark": "timesheet.approved",
        "measure": name,
        "lines": count,
        "lines_per_s": round(count / seconds, 1),
        "queries_per_line": round(queries / count, 2),
        "seconds": round(seconds, 2),
        **extra,
    }


def main():
    parser = benchlib.parser(__doc__, 10000)
    parser.add_argument("--single-count", type=int, default=1000)
    parser.add_argument("--rpc-count", type=int, default=500)
    args = parser.parse_args()
    registry = benchlib.open_registry(
        args, "pss.handler.timesheet.approved", "timesheet.approved", "pss_timesheet"
    )
    if registry is None:
        return
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        tag = str(int(time.time()))
        fx = setup(env, tag)
        # Warm-up (registry caches, sequences) outside the figures.
        bench_queue(env, fx, lines(fx, 50, f"W{tag}"), f"W{tag}")
        raw_orm(env, fx, lines(fx, 50, f"V{tag}"), one_by_one=False)
        count = args.count
        queue_s, queue_q = bench_queue(env, fx, lines(fx, count, f"Q{tag}"), tag)
        batch_s, batch_q = raw_orm(env, fx, lines(fx, count, f"B{tag}"), False)
        single = min(args.single_count, count)
        single_s, single_q = raw_orm(env, fx, lines(fx, single, f"S{tag}"), True)
        cr.rollback()
    rpc = bench_jsonrpc(args, registry, args.rpc_count, tag)
    queue_rate = count / queue_s
    print(json.dumps(figure("queue", count, queue_s, queue_q)))
    print(
        json.dumps(
            figure(
                "baseline_orm_batch",
                count,
                batch_s,
                batch_q,
                queue_share_of_baseline=round(queue_rate / (count / batch_s), 2),
            )
        )
    )
    print(
        json.dumps(
            figure(
                "baseline_orm_one_by_one",
                single,
                single_s,
                single_q,
                queue_times_baseline=round(queue_rate / (single / single_s), 1),
            )
        )
    )
    print(
        json.dumps(
            {
                "benchmark": "timesheet.approved",
                "measure": "baseline_jsonrpc_one_per_call",
                "lines": rpc["requests"],
                "lines_per_s": rpc["value"],
                "p50_ms": rpc["p50_ms"],
                "p95_ms": rpc["p95_ms"],
                "queue_times_baseline": round(queue_rate / rpc["value"], 1),
            }
        )
    )


if __name__ == "__main__":
    main()
