#!/usr/bin/env python3
"""Intercompany charging of cross-entity timesheets, next to raw ORM creates.

    python3 tests/bench/bench_intercompany.py --config .pss/odoo-test.conf \\
        --db pss_test_ic [--count 10000]

Needs a database where pss_intercompany is installed; prints
``{"skipped": true}`` otherwise. Not collected by pytest. Everything runs in
one transaction that is rolled back. The fixtures are the tests' (three
entities, two currencies, agreements both ways); ``count`` approved
timesheets of 20 DE consultants on the US entity's project (April) are
created before the clock starts. Prints one JSON line per figure:

- ``run``: one ``pss.ic.run`` of April: selection, pricing (dated cost,
  exchange rate, markup, frozen on each line), charge lines, the invoice in
  DE and the vendor bill in the US (posted), re-costing of the consumer's
  timesheets at the transfer price, balance checks of the three pairs;
- ``rerun``: the same period again (nothing new: the adjustment query);
- ``baseline_orm_batch``: the same charge lines (values computed outside
  the clock) with one ``create(vals_list)`` plus the same two documents
  created and posted directly: no selection, pricing, adjustments,
  re-costing or balance check.
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
    consultants = env["hr.employee"].create(
        [
            {"name": f"Bench consultant {i}", "company_id": Fx.de.id}
            for i in range(RESOURCES)
        ]
    )
    env["pss.resource.cost"].create(
        [
            {
                "employee_id": e.id,
                "date_from": "2026-01-01",
                "amount": 80 + i * 1.37,
                "currency_id": Fx.eur.id,
            }
            for i, e in enumerate(consultants)
        ]
    )
    vals_list = []
    for i in range(count):
        employee = consultants[i % RESOURCES]
        vals_list.append(
            {
                "name": f"Bench work {i}",
                "date": f"2026-04-{1 + i % 30:02d}",
                "unit_amount": 0.25 * (1 + i % 32),
                "project_id": Fx.project_us.id,
                "employee_id": employee.id,
                "company_id": Fx.us.id,
                "pss_approved_at": "2026-05-01 09:00:00",
                "pss_approved": True,
                "pss_hourly_cost": 80 + (i % RESOURCES) * 1.37,
                "pss_intercompany": True,
                "pss_resource_company_id": Fx.de.id,
            }
        )
    # Approved as a PSA's lines arrive (pss_billing's approval gate).
    env["account.analytic.line"].sudo().with_context(
        allowed_company_ids=Fx.companies.ids, tracking_disable=True
    ).create(vals_list)
    return Fx


def run_period(env, fx):
    run = (
        env["pss.ic.run"]
        .with_user(fx.finance)
        .create({"date_from": "2026-04-01", "date_to": "2026-04-30"})
    )
    run.action_run()
    return run


def baseline(env, fx, line_vals):
    """The same charge lines and documents, created directly."""
    env = env(
        user=fx.finance.id,
        context={"allowed_company_ids": fx.companies.ids},
    )
    agreement = fx.de_to_us.with_env(env)
    charge = env["pss.ic.charge"].create(
        {
            "run_id": env["pss.ic.run"]
            .create({"date_from": "2026-04-01", "date_to": "2026-04-30"})
            .id,
            "agreement_id": agreement.id,
            "currency_id": agreement.currency_id.id,
            "date": "2026-04-30",
        }
    )
    for vals in line_vals:
        vals["charge_id"] = charge.id
    env["pss.ic.charge.line"].create(line_vals)
    totals = {}
    for vals in line_vals:
        totals[vals["employee_id"]] = (
            totals.get(vals["employee_id"], 0) + vals["amount"]
        )
    for company, partner, journal, move_type in (
        (fx.de, fx.us.partner_id, agreement.provider_journal_id, "out_invoice"),
        (fx.us, fx.de.partner_id, agreement.consumer_journal_id, "in_invoice"),
    ):
        move = (
            env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": move_type,
                    "journal_id": journal.id,
                    "partner_id": partner.id,
                    "currency_id": agreement.currency_id.id,
                    "invoice_date": "2026-04-30",
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": agreement.product_id.id,
                                "quantity": 1,
                                "price_unit": round(total, 2),
                            }
                        )
                        for total in totals.values()
                    ],
                }
            )
        )
        move.action_post()


def figure(measure, count, seconds, queries, **extra):
    return benchlib.figure(
        "intercompany.run", measure, count, seconds, queries, **extra
    )


def main():
    args = benchlib.parser(__doc__, 10000).parse_args()
    registry = benchlib.open_registry(
        args, "pss.ic.run", "intercompany.run", "pss_intercompany"
    )
    if registry is None:
        return
    count = args.count
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        fx = setup(env, count)
        holder = {}
        run_s, run_q = benchlib.measure(
            env, lambda: holder.setdefault("run", run_period(env, fx))
        )
        run = holder["run"]
        assert run.state == "done", run.error
        assert run.line_count == count, run.line_count
        rerun_s, rerun_q = benchlib.measure(
            env, lambda: holder.setdefault("rerun", run_period(env, fx))
        )
        assert holder["rerun"].line_count == 0
        line_vals = run.charge_ids.line_ids.read(
            [
                "timesheet_ref",
                "employee_id",
                "date",
                "hours",
                "cost",
                "cost_currency_id",
                "cost_rate",
                "markup",
                "unit_price",
                "amount",
                "currency_id",
            ],
            load=None,
        )
        for vals in line_vals:
            vals.pop("id")
            vals["is_adjustment"] = True  # the originals are already charged
        base_s, base_q = benchlib.measure(env, lambda: baseline(env, fx, line_vals))
        cr.rollback()
    print(json.dumps(figure("run", count, run_s, run_q)))
    print(json.dumps(figure("rerun", count, rerun_s, rerun_q)))
    print(
        json.dumps(
            figure(
                "baseline_orm_batch",
                count,
                base_s,
                base_q,
                run_share_of_baseline=round(base_s / run_s, 2),
            )
        )
    )


if __name__ == "__main__":
    main()
