#!/usr/bin/env python3
"""engagement.won throughput next to raw ORM creates of the same records.

    python3 tests/bench/bench_project.py --config .pss/odoo-test.conf \\
        --db pss_test_project [--count 500] [--template]

Needs a database where pss_project is installed (for instance the one
`PSS_TEST_DB=pss_test_project PSS_EXTRA_ADDONS=pss_project bash setup/test.sh`
leaves behind, or `make bench` once pss_project is listed in .odoo-ci.yml).
Not collected by pytest. Everything runs in one transaction that is rolled
back: the database is left as it was. Prints one JSON line per figure:

- ``queue``: ``count`` engagement.won (time and materials, two roles, a new
  customer each) enqueued and applied by the queue in batches of 500:
  customer dedupe, analytic account, confirmed sale order, project,
  employee map, bindings, project.created back to the sender;
- ``baseline_orm_batch``: the same partners, analytic accounts, sale orders
  (confirmed) and projects created directly with ``create(vals_list)`` as
  the same technical user: no validation, dedupe, bindings or audit;
- ``baseline_orm_one_by_one``: the same, one engagement per call, which is
  what an integrator scripting JSON-RPC does (without the HTTP round trips,
  so real JSON-RPC is slower still).

``--template`` runs in the entity whose projects are copies of a template
(one ``copy()`` per engagement, tasks and stages included), in the queue and
in both baselines.
"""

import json
import time

import benchlib

from odoo import SUPERUSER_ID, Command, api


def payloads(count, tag, currency):
    from odoo.addons.pss_project.tests.common import (
        customer_payload,
        engagement_payload,
    )

    return [
        engagement_payload(
            f"ENG-{tag}-{index}",
            "time_and_materials",
            customer_payload(
                f"C-{tag}-{index}", name=f"Bench customer {tag} {index}", vat=None
            ),
            currency=currency,
            budget_hours="100",
            rate_card=[
                {"role": "consultant", "unit_price": "120"},
                {"role": "senior", "unit_price": "180"},
            ],
        )
        for index in range(count)
    ]


def bench_queue(env, fx, company, datas):
    handler = env["pss.handler.engagement.won"]
    items = [
        {
            "event_type": "engagement.won",
            "payload": data,
            "idempotency_key": data["external_id"],
            "company_id": company.id,
            "entity_code": company.pss_entity_code,
            "sequence_key": handler._pss_sequence_key(data),
        }
        for data in datas
    ]
    Message = env["pss.message"].with_user(fx.crm.user_id)

    def run():
        Message.enqueue_many(fx.crm, items)
        summary = env["pss.message"]._process_queue("in", commit=False, system=fx.crm)
        assert summary.get("done") == len(datas), summary

    return benchlib.measure(env, run)


def raw_orm(env, fx, company, datas, one_by_one):
    """Partners, analytic accounts, confirmed orders and projects, directly."""
    user_env = env(
        user=fx.crm.user_id.id,
        context={"allowed_company_ids": [company.id], "mail_create_nosubscribe": True},
    )
    pricelist = user_env["product.pricelist"]._pss_for_currencies(
        company, company.currency_id
    )[company.currency_id.id]
    plan, _other = user_env["account.analytic.plan"]._get_all_plans()

    def create(chunk):
        partners = user_env["res.partner"].create(
            [{"name": d["customer"]["name"], "is_company": True} for d in chunk]
        )
        accounts = user_env["account.analytic.account"].create(
            [
                {
                    "name": d["name"],
                    "code": d["external_id"],
                    "partner_id": partner.id,
                    "plan_id": plan.id,
                    "company_id": company.id,
                }
                for d, partner in zip(chunk, partners, strict=True)
            ]
        )
        orders = user_env["sale.order"].create(
            [
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "pricelist_id": pricelist.id,
                    "client_order_ref": d["external_id"],
                    "analytic_account_id": account.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": fx.product_time.id,
                                "product_uom_qty": 0,
                                "price_unit": 120.0,
                            }
                        ),
                        Command.create(
                            {
                                "product_id": fx.product_senior.id,
                                "product_uom_qty": 0,
                                "price_unit": 180.0,
                            }
                        ),
                    ],
                }
                for d, partner, account in zip(chunk, partners, accounts, strict=True)
            ]
        )
        orders.action_confirm()
        project_vals = [
            {
                "name": d["name"],
                "partner_id": order.partner_id.id,
                "company_id": company.id,
                "analytic_account_id": order.analytic_account_id.id,
                "allow_billable": True,
                "allow_timesheets": True,
                "sale_line_id": order.order_line[:1].id,
            }
            for d, order in zip(chunk, orders, strict=True)
        ]
        template = company.with_env(user_env).pss_project_template_id
        if template:
            # Like the queue: the entity's template, copied per engagement.
            for vals in project_vals:
                template.copy(vals)
        else:
            user_env["project.project"].create(project_vals)

    def run():
        if one_by_one:
            for data in datas:
                create([data])
        else:
            create(datas)

    return benchlib.measure(env, run)


def line(name, count, seconds, queries, **extra):
    return {
        "benchmark": "project.engagement_won",
        "measure": name,
        "engagements": count,
        "engagements_per_s": round(count / seconds, 1),
        "queries_per_engagement": round(queries / count, 1),
        "seconds": round(seconds, 2),
        **extra,
    }


def main():
    parser = benchlib.parser(__doc__, 500)
    parser.add_argument(
        "--template", action="store_true", help="entity with a project template"
    )
    args = parser.parse_args()
    registry = benchlib.open_registry(
        args, "pss.handler.engagement.won", "project.engagement_won", "pss_project"
    )
    if registry is None:
        return
    from odoo.addons.pss_project.tests.common import build_fixtures

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        fx = build_fixtures(env, template=args.template)
        company = fx.company_de if args.template else fx.company_us
        currency = company.currency_id.name
        tag = str(int(time.time()))
        # Warm-up (registry caches, sequences, views) outside the figures.
        bench_queue(env, fx, company, payloads(5, f"W{tag}", currency))
        raw_orm(env, fx, company, payloads(5, f"V{tag}", currency), one_by_one=False)
        count = args.count
        queue_s, queue_q = bench_queue(
            env, fx, company, payloads(count, f"Q{tag}", currency)
        )
        batch_s, batch_q = raw_orm(
            env, fx, company, payloads(count, f"B{tag}", currency), one_by_one=False
        )
        single_s, single_q = raw_orm(
            env, fx, company, payloads(count, f"S{tag}", currency), one_by_one=True
        )
        cr.rollback()
    common = {"template": args.template}
    print(json.dumps(line("queue", count, queue_s, queue_q, **common)))
    print(
        json.dumps(
            line(
                "baseline_orm_batch",
                count,
                batch_s,
                batch_q,
                queue_seconds_per_baseline_second=round(
                    batch_s and queue_s / batch_s, 2
                ),
                **common,
            )
        )
    )
    print(
        json.dumps(
            line(
                "baseline_orm_one_by_one",
                count,
                single_s,
                single_q,
                queue_seconds_per_baseline_second=round(
                    single_s and queue_s / single_s, 2
                ),
                **common,
            )
        )
    )


if __name__ == "__main__":
    main()
