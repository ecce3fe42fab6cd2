#!/usr/bin/env python3
"""Two Odoo servers draining one queue against one (PostgreSQL is the broker).

    python3 tests/bench/bench_scaleout.py --config .pss/odoo-test.conf --db pss_bench

Needs a database with pss_core and the test addon pss_queue_test installed
(`make bench` prepares one). Commits a company, a technical user and a system,
enqueues a backlog of ``--count`` test.record messages, and lets real Odoo
servers in prefork mode (``--workers`` 2, one cron worker each, no HTTP) apply it with
their crons: first one server, then two on a new backlog of the same size.
Odoo runs one cron record in one thread at a time across all servers, so the
bench activates the second inbound lane (``ir_cron_pss_process_inbound_lane2``)
for both phases; every other cron is inactive while the servers run (a daily
billing or reconciliation cron would make runs for its company, and measure
something else). Checks that no message was applied twice, prints one JSON
line and removes everything it committed.
"""

import contextlib
import json
import time

import benchlib

import odoo
from odoo import SUPERUSER_ID, api

# The crons the servers run: the inbound queue on two lanes, nothing else.
CRONS = (
    "pss_core.ir_cron_pss_process_inbound",
    "pss_core.ir_cron_pss_process_inbound_lane2",
)


@contextlib.contextmanager
def env_of(registry):
    with registry.cursor() as cr:
        yield api.Environment(cr, SUPERUSER_ID, {})


def fixtures(registry, tag):
    from odoo.addons.pss_core.tests.common import event_types

    with env_of(registry) as env:
        company = env["res.company"].create(
            {"name": f"Scale {tag}", "pss_entity_code": tag}
        )
        user = (
            env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": f"scale {tag}",
                    "login": f"scale_{tag}",
                    "groups_id": [
                        (6, 0, [env.ref("pss_core.group_pss_integration").id])
                    ],
                    "company_ids": [(6, 0, company.ids)],
                    "company_id": company.id,
                }
            )
        )
        system = env["pss.system"].create(
            {
                "name": f"scale {tag}",
                "code": f"scale{tag}",
                "user_id": user.id,
                "company_ids": [(6, 0, company.ids)],
                "lease_seconds": 120,
                **event_types(env, ["test.record"]),
            }
        )
        return company.id, user.id, system.id


def enqueue(registry, ids, prefix, count):
    company_id, _user_id, system_id = ids
    with env_of(registry) as env:
        system = env["pss.system"].browse(system_id)
        for start in range(0, count, 5000):
            items = [
                {
                    "event_type": "test.record",
                    "payload": {"external_id": f"{prefix}{i}", "name": f"n{i}"},
                    "idempotency_key": f"{prefix}{i}",
                    "company_id": company_id,
                    "sequence_key": f"test.record:{prefix}{i}",
                }
                for i in range(start, min(start + 5000, count))
            ]
            env["pss.message"].enqueue_many(system, items)


def state_of(registry, system_id, prefix):
    with env_of(registry) as env:
        env.cr.execute(
            """
            SELECT count(*) FILTER (WHERE state = 'done'),
                   count(*) FILTER (WHERE state NOT IN ('done', 'pending',
                                                         'running', 'retrying')),
                   count(*) FILTER (WHERE attempts > 1),
                   count(DISTINCT last_worker),
                   EXTRACT(EPOCH FROM max(finished_at) - min(started_at))
              FROM pss_message
             WHERE system_id = %s AND idempotency_key LIKE %s
            """,
            [system_id, f"{prefix}%"],
        )
        return env.cr.fetchone()


def applied_twice(registry, prefix):
    with env_of(registry) as env:
        env.cr.execute(
            """
            SELECT count(*), count(*) - count(DISTINCT external_id)
              FROM pss_test_record WHERE external_id LIKE %s
            """,
            [f"{prefix}%"],
        )
        return env.cr.fetchone()


def drain(args, registry, ids, prefix, servers):
    enqueue(registry, ids, prefix, args.count)
    with contextlib.ExitStack() as stack:
        for _i in range(servers):
            stack.enter_context(
                benchlib.odoo_cron_server(
                    args.config, args.db, workers=2, cron_threads=1
                )
            )
        deadline = time.time() + args.timeout
        while time.time() < deadline:
            done, failed, _retried, _workers, _seconds = state_of(
                registry, ids[2], prefix
            )
            if done + failed >= args.count:
                break
            time.sleep(1)
    done, failed, retried, workers, seconds = state_of(registry, ids[2], prefix)
    records, duplicates = applied_twice(registry, prefix)
    return {
        "servers": servers,
        "done": done,
        "failed": failed,
        "applied_twice": duplicates,
        "records": records,
        "retried": retried,
        "workers_seen": workers,
        "seconds": round(float(seconds or 0), 2),
        "messages_per_s": round(done / float(seconds), 1) if seconds else None,
    }


def queries_per_message(registry, ids, prefix, count):
    """The same work in-process on one cursor, to count its queries."""
    enqueue(registry, ids, prefix, count)
    with env_of(registry) as env:
        system = env["pss.system"].browse(ids[2])
        before = env.cr.sql_log_count
        summary = env["pss.message"]._process_queue("in", commit=True, system=system)
        return round((env.cr.sql_log_count - before) / max(summary["claimed"], 1), 3)


def cleanup(registry, ids):
    company_id, user_id, system_id = ids
    with env_of(registry) as env:
        env.cr.execute(
            "DELETE FROM pss_test_record WHERE company_id = %s", [company_id]
        )
        env.cr.execute(
            "DELETE FROM pss_run WHERE id IN (SELECT run_id FROM pss_message "
            "WHERE system_id = %s)",
            [system_id],
        )
        # Bindings first: they point at their last message.
        env.cr.execute("DELETE FROM pss_binding WHERE system_id = %s", [system_id])
        env.cr.execute("DELETE FROM pss_message WHERE system_id = %s", [system_id])
        env["pss.system"].browse(system_id).unlink()
        benchlib.delete_company(env, company_id, [user_id])


def main():
    parser = benchlib.parser(__doc__, 20000)
    parser.add_argument("--timeout", type=int, default=900)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.db])
    registry = odoo.registry(args.db)
    tag = str(int(time.time()))[-6:]
    ids = fixtures(registry, f"S{tag}")
    try:
        qpm = queries_per_message(registry, ids, f"Q{tag}-", 2000)
        with benchlib.only_crons(registry, CRONS):
            one = drain(args, registry, ids, f"A{tag}-", 1)
            two = drain(args, registry, ids, f"B{tag}-", 2)
        report(args, one, two, qpm)
    finally:
        cleanup(registry, ids)


def report(args, one, two, qpm):
    print(
        json.dumps(
            {
                "benchmark": "queue.scale_out",
                "messages": args.count,
                "two_servers": two,
                "baseline": "one server, same backlog, same run",
                "one_server": one,
                "speedup": round(two["messages_per_s"] / one["messages_per_s"], 2)
                if one["messages_per_s"] and two["messages_per_s"]
                else None,
                "queries_per_message": qpm,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
