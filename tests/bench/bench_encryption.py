#!/usr/bin/env python3
"""Encryption at rest on, next to off: the same batches through the queue.

    python3 tests/bench/bench_encryption.py --config .pss/odoo-test.conf \\
        --db pss_bench [--count 5000] [--resources 2000]

Needs a database where pss_timesheet is installed (`make bench` prepares
one); prints ``{"skipped": true}`` otherwise. Everything runs in one
transaction that is rolled back. The key is switched in this process (the
Odoo option ``pss_encryption_keys``; ``PSS_ENCRYPTION_KEYS`` is ignored
here). Each figure is the best of ``--rounds`` runs, off and on taking turns
(off is the baseline of the same run). Prints one JSON line per figure:

- ``approved_time``: ``count`` approved lines in events of 1,000 lines,
  enqueued and applied (the lines carry no sensitive value: what encryption
  costs there is looking for them);
- ``queue_sensitive``: ``resources`` resource.upserted events, each with an
  hourly cost and a work e-mail (two encrypted values per message), enqueued
  and applied;
- ``enqueue_sensitive``: ``enqueue`` such events stored by one
  ``enqueue_many`` (what the API's intake does for a request), not applied:
  the share of the queue that encrypts;
- ``reencrypt``: the command that rotates keys, on those messages;
- ``lib``: encrypting and decrypting one payload of that kind, in memory.
"""

import base64
import contextlib
import json
import os
import time

import bench_timesheet
import benchlib

from odoo import SUPERUSER_ID, api
from odoo.tools import config

KEY_ON = "bench1:" + base64.b64encode(b"k" * 32).decode()
KEY_NEXT = "bench2:" + base64.b64encode(b"n" * 32).decode()


@contextlib.contextmanager
def keys(text):
    saved = config.options.get("pss_encryption_keys")
    config.options["pss_encryption_keys"] = text
    try:
        yield
    finally:
        config.options["pss_encryption_keys"] = saved


def resource_items(fx, count, tag):
    return [
        {
            "event_type": "resource.upserted",
            "payload": {
                "external_id": f"R-ENC-{tag}-{i}",
                # No role: no job, so no employee map on the bench's
                # engagement (whose timesheets would dominate the figure).
                "name": f"Bench resource {tag} {i}",
                "work_email": f"r{i}.{tag.lower()}@example.com",
                "hourly_cost": {
                    "amount": f"{50 + i % 40}.25",
                    "currency": "EUR",
                    "effective_from": "2026-01-01",
                },
            },
            "idempotency_key": f"bench-enc-{tag}-{i}",
            "company_id": fx.company.id,
            "sequence_key": f"resource:R-ENC-{tag}-{i}",
        }
        for i in range(count)
    ]


def bench_resources(env, fx, count, tag):
    items = resource_items(fx, count, tag)
    Message = env["pss.message"].with_user(fx.psa.user_id)

    def run():
        Message.enqueue_many(fx.psa, items)
        summary = env["pss.message"]._process_queue("in", commit=False, system=fx.psa)
        assert summary.get("done") == count, summary

    return benchlib.measure(env, run)


def bench_enqueue(env, fx, count, tag):
    items = resource_items(fx, count, tag)
    Message = env["pss.message"].with_user(fx.psa.user_id)
    result = benchlib.measure(env, lambda: Message.enqueue_many(fx.psa, items))
    # Not applied: out of the way of the next runs of the queue.
    env.cr.execute(
        "UPDATE pss_message SET state = 'cancelled' WHERE idempotency_key LIKE %s",
        [f"bench-enc-{tag}-%"],
    )
    env.invalidate_all()
    return result


def pair(name, count, unit, off, on, **extra):
    (off_s, off_q), (on_s, on_q) = off, on
    return {
        "benchmark": "encryption",
        "measure": name,
        unit: count,
        "off_per_s": round(count / off_s, 1),
        "on_per_s": round(count / on_s, 1),
        "on_vs_off": round(off_s / on_s, 3),
        "off_queries": off_q,
        "on_queries": on_q,
        **extra,
    }


def best(runs):
    return min(runs, key=lambda run: run[0])


def lib_figure(count):
    from odoo.addons.pss_core.lib import crypto
    from odoo.addons.pss_core.lib.masking import sensitive_paths
    from odoo.addons.pss_timesheet.schemas.resource import ResourceUpserted

    paths = sensitive_paths(ResourceUpserted)
    keyring = crypto.load_keyring(environ={crypto.ENV_VARIABLE: KEY_ON})
    payload = {
        "external_id": "R-1",
        "name": "Ada",
        "work_email": "ada@example.com",
        "hourly_cost": {"amount": "85.50", "currency": "EUR"},
    }
    started = time.perf_counter()
    sealed = [
        crypto.encrypt_payload(payload, paths, keyring, fresh=True)
        for _i in range(count)
    ]
    encrypt_s = time.perf_counter() - started
    started = time.perf_counter()
    for item in sealed:
        crypto.decrypt_payload(item, paths, keyring)
    decrypt_s = time.perf_counter() - started
    return {
        "benchmark": "encryption",
        "measure": "lib",
        "payloads": count,
        "values_per_payload": 2,
        "encrypt_us_per_payload": round(encrypt_s / count * 1e6, 1),
        "decrypt_us_per_payload": round(decrypt_s / count * 1e6, 1),
    }


def main():
    parser = benchlib.parser(__doc__, 5000)
    parser.add_argument("--resources", type=int, default=2000)
    parser.add_argument("--enqueue", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    os.environ.pop("PSS_ENCRYPTION_KEYS", None)
    registry = benchlib.open_registry(
        args, "pss.handler.timesheet.approved", "encryption", "pss_timesheet"
    )
    if registry is None:
        return
    figures = []
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        tag = str(int(time.time()))
        with keys(KEY_ON):
            fx = bench_timesheet.setup(env, tag)
        fx.company = fx.company_de
        # Warm-up (registry caches, sequences) outside the figures.
        for text in ("", KEY_ON):
            with keys(text):
                lines = bench_timesheet.lines(fx, 50, f"W{text[:1]}{tag}")
                bench_timesheet.bench_queue(env, fx, lines, f"W{text[:1]}{tag}")
                bench_resources(env, fx, 20, f"W{text[:1]}{tag}")
        time_runs = {"off": [], "on": []}
        resource_runs = {"off": [], "on": []}
        enqueue_runs = {"off": [], "on": []}
        for round_ in range(args.rounds):
            for state, text in (("off", ""), ("on", KEY_ON)):
                mark = f"{state}{round_}{tag}"
                with keys(text):
                    lines = bench_timesheet.lines(fx, args.count, mark)
                    time_runs[state].append(
                        bench_timesheet.bench_queue(env, fx, lines, mark)
                    )
                    resource_runs[state].append(
                        bench_resources(env, fx, args.resources, mark)
                    )
                    enqueue_runs[state].append(
                        bench_enqueue(env, fx, args.enqueue, f"E{mark}")
                    )
        figures.append(
            pair(
                "approved_time",
                args.count,
                "lines",
                best(time_runs["off"]),
                best(time_runs["on"]),
            )
        )
        figures.append(
            pair(
                "queue_sensitive",
                args.resources,
                "messages",
                best(resource_runs["off"]),
                best(resource_runs["on"]),
            )
        )
        figures.append(
            pair(
                "enqueue_sensitive",
                args.enqueue,
                "messages",
                best(enqueue_runs["off"]),
                best(enqueue_runs["on"]),
            )
        )
        # Rotation: the new key first, the old one still listed.
        with keys(f"{KEY_NEXT},{KEY_ON}"):
            seconds, queries = benchlib.measure(
                env,
                lambda: figures.append(
                    dict(
                        env["pss.message"]._pss_reencrypt(batch_size=500),
                        benchmark="encryption",
                        measure="reencrypt",
                    )
                ),
            )
        rotated = figures[-1]
        rotated.update(
            seconds=round(seconds, 2),
            queries=queries,
            messages_per_s=round(rotated["reencrypted"] / seconds, 1)
            if seconds
            else None,
        )
        cr.rollback()
    figures.append(lib_figure(2000))
    for item in figures:
        print(json.dumps(item))


if __name__ == "__main__":
    main()
