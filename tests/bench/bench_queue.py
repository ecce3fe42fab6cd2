#!/usr/bin/env python3
"""Queue throughput next to the two baselines DESIGN §6 names.

    python3 tests/bench/bench_queue.py --config .pss/odoo-test.conf --db pss_bench

Needs a database with pss_core and the test addon pss_queue_test installed
(`make bench` prepares one). The queue and the raw ORM batch create of the
same records run in one transaction that is rolled back. The JSON-RPC
baseline (one ``create`` per call on a real Odoo HTTP server, what an
integration script does) needs committed fixtures: it commits a company, a
user and a system, and removes them and its records afterwards. Prints one
JSON line.
"""

import json
import time

import benchlib

import odoo
from odoo import SUPERUSER_ID, api


def setup_fixtures(env, tag, password=None):
    from odoo.addons.pss_core.tests.common import event_types

    company = env["res.company"].create(
        {"name": f"Bench {tag}", "pss_entity_code": tag}
    )
    user = (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            {
                "name": f"bench {tag}",
                "login": f"bench_{tag}",
                "groups_id": [(6, 0, [env.ref("pss_core.group_pss_integration").id])],
                "company_ids": [(6, 0, company.ids)],
                "company_id": company.id,
                **({"password": password} if password else {}),
            }
        )
    )
    system = env["pss.system"].create(
        {
            "name": f"bench {tag}",
            "code": f"bench{tag}",
            "user_id": user.id,
            "company_ids": [(6, 0, company.ids)],
            **event_types(env, ["test.record"]),
        }
    )
    return company, user, system


def bench_queue(env, count, tag):
    company, _user, system = setup_fixtures(env, tag)
    items = [
        {
            "event_type": "test.record",
            "payload": {"external_id": f"{tag}-{i}", "name": f"n{i}", "amount": i},
            "idempotency_key": f"{tag}-{i}",
            "company_id": company.id,
            "sequence_key": f"test.record:{tag}-{i}",
        }
        for i in range(count)
    ]
    summary = {}

    def run():
        env["pss.message"].enqueue_many(system, items)
        summary.update(
            env["pss.message"]._process_queue("in", commit=False, system=system)
        )

    result = benchlib.measure(env, run)
    assert summary.get("done") == count, summary
    return result


def bench_raw_orm(env, count, tag):
    company, user, _system = setup_fixtures(env, tag)
    vals = [
        {
            "name": f"n{i}",
            "external_id": f"{tag}-{i}",
            "amount": i,
            "company_id": company.id,
        }
        for i in range(count)
    ]
    records = env["pss.test.record"].with_user(user).with_company(company)
    return benchlib.measure(env, lambda: records.create(vals))


def bench_jsonrpc(args, registry, count, tag):
    """One create per JSON-RPC call as the technical user, on a real server."""
    password = f"bench-{tag}"
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company, user, system = setup_fixtures(env, tag, password=password)
        ids = company.id, user.id, system.id, user.login
    vals = [
        {"name": f"n{i}", "external_id": f"{tag}-{i}", "amount": i}
        for i in range(count)
    ]
    try:
        return benchlib.jsonrpc_baseline(
            args.config,
            args.db,
            ids[3],
            password,
            "pss.test.record",
            vals,
            {"allowed_company_ids": [ids[0]]},
        )
    finally:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            cr.execute("DELETE FROM pss_test_record WHERE company_id = %s", [ids[0]])
            env["pss.system"].browse(ids[2]).unlink()
            benchlib.delete_company(env, ids[0], [ids[1]])


def main():
    parser = benchlib.parser(__doc__, 5000)
    parser.add_argument(
        "--rpc-count",
        type=int,
        default=500,
        help="records created one per JSON-RPC call (it is linear)",
    )
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.db])
    registry = odoo.registry(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        tag = str(int(time.time()))
        raw_s, raw_q = bench_raw_orm(env, args.count, f"R{tag}")
        queue_s, queue_q = bench_queue(env, args.count, f"Q{tag}")
        cr.rollback()
    rpc = bench_jsonrpc(args, registry, args.rpc_count, f"J{tag}")
    queue_rate = args.count / queue_s
    result = {
        "benchmark": "queue.test_record",
        "messages": args.count,
        "messages_per_s": round(args.count / queue_s, 1),
        "queries_per_message": round(queue_q / args.count, 3),
        "baseline": "raw ORM create(vals_list) of the same records",
        "baseline_records_per_s": round(args.count / raw_s, 1),
        "baseline_queries_per_record": round(raw_q / args.count, 3),
        "ratio_to_baseline": round((args.count / queue_s) / (args.count / raw_s), 3),
        "baseline_jsonrpc": dict(rpc, name="jsonrpc_create_one_per_call"),
        "ratio_to_jsonrpc": round(queue_rate / rpc["value"], 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
