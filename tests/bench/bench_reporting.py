#!/usr/bin/env python3
"""The KPI views of pss_reporting over 100,000 approved time lines.

    python3 tests/bench/bench_reporting.py --config .pss/odoo-test.conf \\
        --db pss_test [--count 100000]

Needs a database where pss_reporting is installed (the one `make test`
leaves behind); prints ``{"skipped": true}`` otherwise. Not collected by
pytest. Everything runs in one transaction that is rolled back.

Fixtures: one entity, 100 time-and-materials engagements and 200 resources
applied by the queue, 2,000 approved lines through ``timesheet.approved``,
April invoiced by a billing run, 400 staffing weeks through
``assignment.updated``; the lines are then copied in SQL (dates spread over
the 90 days before) up to ``count`` time lines: the queue's speed is
measured by bench_timesheet, this one measures the reports. One JSON line
per report and query:

- ``pivot``: ``read_group`` by month and entity (what the pivot view asks,
  ratios recomputed from the group sums);
- ``api_page``: one read API page (500 rows ordered by id, as the technical
  user would read them);
- ``all_rows``: every row of the report (``search_read``).
"""

import json
import time
from datetime import date, timedelta
from types import SimpleNamespace

import benchlib

from odoo import SUPERUSER_ID, api

RESOURCES = 200
ENGAGEMENTS = 100
QUEUE_LINES = 2000
LINES_PER_EVENT = 1000
START = date(2026, 4, 1)


def setup(env, tag, count):
    from odoo.addons.pss_project.tests.common import (
        build_fixtures,
        customer_payload,
        engagement_payload,
    )
    from odoo.addons.pss_timesheet.tests.common import add_timesheet_fixtures

    fx = SimpleNamespace(**vars(build_fixtures(env, template=False)), env=env)
    add_timesheet_fixtures(fx)
    company = fx.company_de
    company.pss_approval_required = False
    Message = env["pss.message"].with_user(fx.psa.user_id)
    engs = [f"ENG-BR-{tag}-{i}" for i in range(ENGAGEMENTS)]
    resources = [f"R-BR-{tag}-{i}" for i in range(RESOURCES)]
    Message.enqueue_many(
        fx.psa,
        [
            {
                "event_type": "engagement.won",
                "payload": engagement_payload(
                    eng,
                    "time_and_materials",
                    customer_payload(f"C-BR-{tag}-{i}", vat=None),
                    currency=company.currency_id.name,
                    start_date="2026-01-01",
                    end_date="2026-12-31",
                    rate_card=[
                        {"role": "consultant", "unit_price": "150", "hours": "5000"}
                    ],
                ),
                "idempotency_key": f"br-eng-{eng}",
                "company_id": company.id,
                "sequence_key": f"engagement:{eng}",
            }
            for i, eng in enumerate(engs)
        ]
        + [
            {
                "event_type": "resource.upserted",
                "payload": {
                    "external_id": ext,
                    "name": f"Bench resource {ext}",
                    "role": "consultant",
                    "hourly_cost": {
                        "amount": "60",
                        "currency": company.currency_id.name,
                        "effective_from": "2026-01-01",
                    },
                },
                "idempotency_key": f"br-{ext}",
                "company_id": company.id,
                "sequence_key": f"resource:{ext}",
            }
            for ext in resources
        ],
    )
    env["pss.message"]._process_queue("in", commit=False, system=fx.psa)
    lines = [
        {
            "external_id": f"L-BR-{tag}-{i}",
            "resource_external_id": resources[i % RESOURCES],
            "engagement_external_id": engs[i % ENGAGEMENTS],
            "date": (START + timedelta(days=i % 30)).isoformat(),
            "hours": "1.5",
            "approved_by": "manager@example.com",
        }
        for i in range(QUEUE_LINES)
    ]
    Message.enqueue_many(
        fx.psa,
        [
            {
                "event_type": "timesheet.approved",
                "payload": {"lines": lines[i : i + LINES_PER_EVENT]},
                "idempotency_key": f"br-ts-{tag}-{i}",
                "company_id": company.id,
            }
            for i in range(0, QUEUE_LINES, LINES_PER_EVENT)
        ]
        + [
            {
                "event_type": "assignment.updated",
                "payload": {
                    "external_id": f"A-BR-{tag}-{i}",
                    "resource_external_id": resources[i % RESOURCES],
                    "engagement_external_id": engs[i % ENGAGEMENTS],
                    "weeks": [
                        {"week": f"2026-W{w:02d}", "hours": "20"} for w in (50, 51)
                    ],
                },
                "idempotency_key": f"br-as-{tag}-{i}",
                "company_id": company.id,
                "sequence_key": f"assignment:A-BR-{tag}-{i}",
            }
            for i in range(RESOURCES)
        ],
    )
    env["pss.message"]._process_queue("in", commit=False, system=fx.psa, batch_size=5)
    run = (
        env["pss.billing.run"]
        .with_company(company)
        .create(
            {
                "company_id": company.id,
                "date_from": START,
                "date_to": date(2026, 4, 30),
            }
        )
    )
    run.action_run()
    assert run.state == "done", run.error
    env.flush_all()
    # The rest of the volume: copies of the applied lines, spread over the
    # 90 days before (not invoiced: they are unbilled work).
    copies = max(0, count // QUEUE_LINES - 1)
    env.cr.execute(
        """
        INSERT INTO account_analytic_line
               (name, date, unit_amount, amount, account_id, project_id, task_id,
                employee_id, department_id, manager_id, user_id, company_id,
                currency_id, so_line, order_id, product_uom_id, partner_id,
                timesheet_invoice_type, pss_approved, pss_hourly_cost,
                pss_system_id, create_date, write_date, create_uid, write_uid)
        SELECT l.name, l.date - (g * 7 + l.id) %% 90, l.unit_amount, l.amount,
               l.account_id, l.project_id, l.task_id, l.employee_id,
               l.department_id, l.manager_id, l.user_id, l.company_id,
               l.currency_id, l.so_line, l.order_id, l.product_uom_id,
               l.partner_id, l.timesheet_invoice_type, l.pss_approved,
               l.pss_hourly_cost, l.pss_system_id, now(), now(), 1, 1
          FROM account_analytic_line l, generate_series(1, %s) g
         WHERE l.pss_system_id = %s AND l.project_id IS NOT NULL
        """,
        [copies, fx.psa.id],
    )
    env.cr.execute("ANALYZE account_analytic_line")
    env.cr.execute(
        "SELECT count(*) FROM account_analytic_line WHERE project_id IS NOT NULL"
        " AND company_id = %s",
        [company.id],
    )
    fx.lines = env.cr.fetchone()[0]
    fx.company = company
    return fx


QUERIES = {
    "pss.report.utilization": (
        ["capacity_hours", "billable_hours", "planned_hours", "utilization"],
        ["month:month", "company_id"],
    ),
    "pss.report.engagement": (
        ["revenue_group", "cost_group", "margin_group", "realization"],
        ["month:month", "company_id"],
    ),
    "pss.report.backlog": (["remaining", "remaining_group"], ["company_id"]),
    "pss.billing.wip": (["hours", "value_sale_group"], ["age_bucket", "company_id"]),
}


def timed(env, func):
    """(seconds, queries, result) of ``func`` on a cold cache."""
    env.invalidate_all()
    out = {}
    seconds, queries = benchlib.measure(env, lambda: out.update(result=func()))
    return seconds, queries, out["result"]


def measure_report(env, model, measures, groupby, fx):
    Report = env[model].with_context(allowed_company_ids=[fx.company.id])
    domain = [("company_id", "=", fx.company.id)]
    calls = {
        "pivot": lambda: Report.read_group(domain, measures, groupby, lazy=False),
        "api_page": lambda: Report.search_read(
            [*domain, ("id", ">", 0)], limit=500, order="id", load=None
        ),
        "all_rows": lambda: Report.search_read(domain, load=None),
    }
    results = []
    for name, func in calls.items():
        seconds, queries, rows = timed(env, func)
        results.append(
            {
                "benchmark": "reporting.kpi",
                "report": model,
                "measure": name,
                "lines": fx.lines,
                "rows": len(rows),
                "seconds": round(seconds, 3),
                "queries": queries,
            }
        )
    return results


def main():
    parser = benchlib.parser(__doc__, 100000)
    args = parser.parse_args()
    registry = benchlib.open_registry(
        args, "pss.report.engagement", "reporting.kpi", "pss_reporting"
    )
    if registry is None:
        return
    results = []
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        fx = setup(env, str(int(time.time())), args.count)
        for model, (measures, groupby) in QUERIES.items():
            results += measure_report(env, model, measures, groupby, fx)
        cr.rollback()
    for result in results:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
