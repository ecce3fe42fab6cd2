#!/usr/bin/env python3
"""A billing run next to Odoo's own "create invoices" wizard on the same orders.

    python3 tests/bench/bench_billing.py --config .pss/odoo-test.conf \\
        --db pss_test [--count 10000] [--engagements 200]

Needs a database where pss_billing is installed (the one `make test` leaves
behind); prints ``{"skipped": true}`` otherwise. Not collected by pytest.
Everything runs in one transaction that is rolled back. Fixtures: one entity,
``engagements`` time-and-materials engagements and 20 resources applied by
the queue, then ``count`` approved time lines in April 2026 spread over the
engagements (timesheet.approved). Prints one JSON line per figure, measured
on the same orders (each from the same savepoint):

- ``billing_run``: ``pss.billing.run`` for April (approval gate, skip
  checks, one invoice per engagement, run lines, summary);
- ``baseline_odoo_wizard``: Odoo's ``sale.advance.payment.inv`` (regular
  invoice, timesheets up to April 30) on the same orders: what finance does
  by hand without pss_billing (no approval gate, no checks, no run record).
"""

import json
import time
from datetime import date, timedelta
from types import SimpleNamespace

import benchlib

from odoo import SUPERUSER_ID, api

RESOURCES = 20
LINES_PER_EVENT = 1000
PERIOD = (date(2026, 4, 1), date(2026, 4, 30))


def setup(env, tag, engagements, count):
    from odoo.addons.pss_project.tests.common import (
        build_fixtures,
        customer_payload,
        engagement_payload,
    )
    from odoo.addons.pss_timesheet.tests.common import add_timesheet_fixtures

    fx = SimpleNamespace(**vars(build_fixtures(env, template=False)), env=env)
    add_timesheet_fixtures(fx)
    company = fx.company_de
    company.pss_approval_required = True
    Message = env["pss.message"].with_user(fx.psa.user_id)
    engs = [f"ENG-BB-{tag}-{i}" for i in range(engagements)]
    resources = [f"R-BB-{tag}-{i}" for i in range(RESOURCES)]
    items = [
        {
            "event_type": "engagement.won",
            "payload": engagement_payload(
                eng,
                "time_and_materials",
                customer_payload(f"C-BB-{tag}-{i}", vat=None),
                currency=company.currency_id.name,
                start_date="2026-01-01",
                end_date="2026-12-31",
                rate_card=[{"role": "consultant", "unit_price": "150"}],
            ),
            "idempotency_key": f"bb-eng-{eng}",
            "company_id": company.id,
            "sequence_key": f"engagement:{eng}",
        }
        for i, eng in enumerate(engs)
    ] + [
        {
            "event_type": "resource.upserted",
            "payload": {
                "external_id": ext,
                "name": f"Bench resource {ext}",
                "role": "consultant",
            },
            "idempotency_key": f"bb-{ext}",
            "company_id": company.id,
            "sequence_key": f"resource:{ext}",
        }
        for ext in resources
    ]
    Message.enqueue_many(fx.psa, items)
    env["pss.message"]._process_queue("in", commit=False, system=fx.psa)
    lines = [
        {
            "external_id": f"L-BB-{tag}-{i}",
            "resource_external_id": resources[i % RESOURCES],
            "engagement_external_id": engs[i % engagements],
            "date": (PERIOD[0] + timedelta(days=i % 30)).isoformat(),
            "hours": "1.5",
            "description": f"Bench work {i}",
            "approved_by": "manager@example.com",
        }
        for i in range(count)
    ]
    Message.enqueue_many(
        fx.psa,
        [
            {
                "event_type": "timesheet.approved",
                "payload": {"lines": lines[i : i + LINES_PER_EVENT]},
                "idempotency_key": f"bb-ts-{tag}-{i}",
                "company_id": company.id,
            }
            for i in range(0, count, LINES_PER_EVENT)
        ],
    )
    env["pss.message"]._process_queue("in", commit=False, system=fx.psa, batch_size=5)
    orders = env["sale.order"].search(
        [("company_id", "=", company.id), ("pss_external_id", "in", engs)]
    )
    approved = env["account.analytic.line"].search_count(
        [("order_id", "in", orders.ids), ("pss_approved", "=", True)]
    )
    assert len(orders) == engagements and approved == count, (len(orders), approved)
    fx.orders, fx.company = orders, company
    return fx


def billing_run(env, fx):
    run = (
        env["pss.billing.run"]
        .with_company(fx.company)
        .create(
            {"company_id": fx.company.id, "date_from": PERIOD[0], "date_to": PERIOD[1]}
        )
    )
    seconds, queries = benchlib.measure(env, run.action_run)
    assert run.state == "done" and run.invoice_count == len(fx.orders), run.summary
    return seconds, queries


def odoo_wizard(env, fx):
    wizard = (
        env["sale.advance.payment.inv"]
        .with_company(fx.company)
        .with_context(active_model="sale.order", active_ids=fx.orders.ids)
        .create(
            {
                "advance_payment_method": "delivered",
                "sale_order_ids": [(6, 0, fx.orders.ids)],
                "date_end_invoice_timesheet": PERIOD[1],
            }
        )
    )
    seconds, queries = benchlib.measure(env, wizard.create_invoices)
    made = env["account.move"].search_count(
        [("invoice_line_ids.sale_line_ids.order_id", "in", fx.orders.ids)]
    )
    assert made == len(fx.orders), made
    return seconds, queries


def from_savepoint(env, func, fx):
    env.flush_all()
    env.cr.execute("SAVEPOINT bench_billing")
    try:
        return func(env, fx)
    finally:
        env.cr.execute("ROLLBACK TO SAVEPOINT bench_billing")
        env.invalidate_all()
        env.registry.clear_cache()


def figure(name, count, engagements, seconds, queries, **extra):
    return {
        "benchmark": "billing.run",
        "measure": name,
        "lines": count,
        "engagements": engagements,
        "seconds": round(seconds, 2),
        "queries": queries,
        "lines_per_s": round(count / seconds, 1),
        **extra,
    }


def main():
    parser = benchlib.parser(__doc__, 10000)
    parser.add_argument("--engagements", type=int, default=200)
    args = parser.parse_args()
    registry = benchlib.open_registry(
        args, "pss.billing.run", "billing.run", "pss_billing"
    )
    if registry is None:
        return
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        fx = setup(env, str(int(time.time())), args.engagements, args.count)
        run_s, run_q = from_savepoint(env, billing_run, fx)
        wizard_s, wizard_q = from_savepoint(env, odoo_wizard, fx)
        cr.rollback()
    print(json.dumps(figure("billing_run", args.count, args.engagements, run_s, run_q)))
    print(
        json.dumps(
            figure(
                "baseline_odoo_wizard",
                args.count,
                args.engagements,
                wizard_s,
                wizard_q,
                run_seconds_over_wizard=round(run_s / wizard_s, 2),
            )
        )
    )


if __name__ == "__main__":
    main()
