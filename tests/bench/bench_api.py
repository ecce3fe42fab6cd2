#!/usr/bin/env python3
"""Inbound API throughput and latency next to Odoo's JSON-RPC create.

    python3 tests/bench/bench_api.py --config .pss/odoo-test.conf

By default the benchmark creates a throwaway database (pss_core,
pss_queue_test and pss_api installed, no demo data), starts an Odoo HTTP
server on it in a subprocess (``--workers=0``, no cron thread, a free port on
127.0.0.1) and drops the database at the end. With ``--db <existing>`` it
uses that database instead (it must have the three addons installed) and
deletes everything it committed.

Figures, measured in the same run, one client at a time (one request in
flight: the server's single process is the "one worker"):

- ``api_single_event_accept``: POST of one signed envelope per request, next
  to JSON-RPC ``execute_kw("res.partner", "create", [vals])`` one record per
  call (what an integrator would do instead);
- ``api_batch_event_accept``: POST of 500 envelopes per request, next to the
  same JSON-RPC one-per-call rate and to JSON-RPC ``create`` of 500 records
  per call.

Prints one JSON line per figure. Loops are bounded by ``--single``,
``--rpc`` and ``--batches``; only 127.0.0.1 is contacted.
"""

import argparse
import contextlib
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import time
import uuid

import benchlib
import requests

ADDONS = "pss_core,pss_queue_test,pss_api"
AIM_SINGLE_RATIO = 1.5
AIM_SINGLE_P95_MS = 40.0
AIM_BATCH_EVENTS_PER_S = 3000.0


# A server whose ir.cron._notifydb keeps its connection to "postgres" open
# (run with --what-if): measures what pss_core's enqueue would cost with a
# pooled wake-up, the change proposed for pss_core.
POOLED_WAKEUP = """
import sys, threading
import psycopg2
import odoo
from odoo.addons.base.models import ir_cron

_lock = threading.Lock()
_state = {"cnx": None}


def _notifydb(self):
    with _lock:
        for _attempt in (1, 2):
            try:
                if _state["cnx"] is None or _state["cnx"].closed:
                    _db, info = odoo.sql_db.connection_info_for("postgres")
                    _state["cnx"] = psycopg2.connect(**info)
                    _state["cnx"].autocommit = True
                with _state["cnx"].cursor() as cr:
                    cr.execute(
                        "SELECT pg_notify('cron_trigger', %s)", [self.env.cr.dbname]
                    )
                return
            except psycopg2.Error:
                _state["cnx"] = None


ir_cron.ir_cron._notifydb = _notifydb
sys.argv = ["odoo", *sys.argv[1:]]
odoo.cli.main()
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default=".pss/odoo-test.conf")
    parser.add_argument(
        "--db", help="existing database to use (default: a throwaway one)"
    )
    parser.add_argument(
        "--single", type=int, default=1000, help="single-event requests"
    )
    parser.add_argument("--rpc", type=int, default=1000, help="JSON-RPC creates")
    parser.add_argument("--batches", type=int, default=20, help="batch requests of 500")
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument(
        "--what-if",
        action="store_true",
        help="also measure single events on a server whose cron wake-up "
        "connection is kept open (the change proposed for pss_core)",
    )
    return parser.parse_args()


def sign(secret, body):
    timestamp = int(time.time())
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class Bench:
    def __init__(self, args):
        self.args = args
        self.tag = uuid.uuid4().hex[:8]
        self.throwaway = not args.db
        self.db = args.db or f"pss_bench_api_{self.tag}"
        self.port = benchlib.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = None
        self.fixtures = {}

    # -- database and server ------------------------------------------------
    def odoo_cmd(self, *extra):
        return [
            sys.executable,
            "-m",
            "odoo",
            "-c",
            self.args.config,
            "-d",
            self.db,
            *extra,
        ]

    def prepare_database(self):
        if self.throwaway:
            subprocess.run(
                self.odoo_cmd(
                    "-i",
                    ADDONS,
                    "--without-demo=all",
                    "--stop-after-init",
                    "--no-http",
                    "--log-level=warn",
                ),
                check=True,
            )

    def start_server(self, pooled_wakeup=False):
        options = [
            "--workers=0",
            "--max-cron-threads=0",
            "--http-interface=127.0.0.1",
            f"--http-port={self.port}",
            "--log-level=warn",
        ]
        command = self.odoo_cmd(*options)
        if pooled_wakeup:
            # What-if: the same server, with the cron wake-up sent on one
            # kept-open connection instead of a new one per commit.
            command = [
                sys.executable,
                "-c",
                POOLED_WAKEUP,
                "-c",
                self.args.config,
                "-d",
                self.db,
                *options,
            ]
        self.server = subprocess.Popen(command)
        deadline = time.time() + 120
        while time.time() < deadline:
            with contextlib.suppress(requests.RequestException):
                if (
                    requests.get(f"{self.url}/pss/v1/health", timeout=5).status_code
                    == 200
                ):
                    return
            if self.server.poll() is not None:
                raise RuntimeError("the Odoo server exited")
            time.sleep(0.5)
        raise RuntimeError("the Odoo server did not answer in 120 s")

    def stop_server(self):
        if self.server and self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.server.kill()

    def drop_database(self):
        from psycopg2 import sql

        import odoo

        odoo.sql_db.close_db(self.db)
        odoo.modules.registry.Registry.delete(self.db)
        postgres = odoo.sql_db.db_connect("postgres")
        with contextlib.closing(postgres.cursor()) as cr:
            cr._cnx.autocommit = True
            cr.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid != pg_backend_pid()",
                [self.db],
            )
            cr.execute(
                sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(self.db))
            )
        shutil.rmtree(odoo.tools.config.filestore(self.db), ignore_errors=True)

    # -- fixtures (committed through the ORM, removed at the end) -----------
    def registry(self):
        import odoo

        return odoo.registry(self.db)

    def use_throwaway_unless_ready(self):
        """A given database without pss_api (e.g. `make bench` before pss_api
        is in .odoo-ci.yml) is left alone: a throwaway one is used instead."""
        if self.throwaway:
            return
        import odoo

        with contextlib.closing(odoo.sql_db.db_connect(self.db).cursor()) as cr:
            cr.execute(
                "SELECT count(*) FROM ir_module_module "
                "WHERE name IN %s AND state = 'installed'",
                [tuple(ADDONS.split(","))],
            )
            ready = cr.fetchone()[0] == len(ADDONS.split(","))
        if not ready:
            print(
                f"bench_api: {self.db} lacks some of {ADDONS}; using a throwaway "
                "database",
                file=sys.stderr,
            )
            self.throwaway = True
            self.db = f"pss_bench_api_{self.tag}"

    def create_fixtures(self):
        from odoo import SUPERUSER_ID, Command, api

        from odoo.addons.pss_core.tests.common import event_types

        tag = self.tag.upper()
        with self.registry().cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env["res.company"].create(
                {"name": f"Bench API {tag}", "pss_entity_code": f"BA{tag}"}
            )
            user = (
                env["res.users"]
                .with_context(no_reset_password=True)
                .create(
                    {
                        "name": f"bench api {tag}",
                        "login": f"bench_api_{tag}",
                        "groups_id": [
                            Command.set([env.ref("pss_core.group_pss_integration").id])
                        ],
                        "company_ids": [Command.set(company.ids)],
                        "company_id": company.id,
                    }
                )
            )
            rpc_password = uuid.uuid4().hex
            rpc_user = (
                env["res.users"]
                .with_context(no_reset_password=True)
                .create(
                    {
                        "name": f"bench rpc {tag}",
                        "login": f"bench_rpc_{tag}",
                        "password": rpc_password,
                        "groups_id": [
                            Command.set(
                                [
                                    env.ref("base.group_user").id,
                                    env.ref("base.group_partner_manager").id,
                                ]
                            )
                        ],
                    }
                )
            )
            system = env["pss.system"].create(
                {
                    "name": f"bench api {tag}",
                    "code": f"benchapi{self.tag}",
                    "user_id": user.id,
                    "company_ids": [Command.set(company.ids)],
                    **event_types(env, ["test.record"]),
                }
            )
            creds = system.issue_credentials()
            self.fixtures = {
                "company": company.id,
                "company_partner": company.partner_id.id,
                "user": user.id,
                "user_partner": user.partner_id.id,
                "rpc_user": rpc_user.id,
                "rpc_partner": rpc_user.partner_id.id,
                "rpc_password": rpc_password,
                "system": system.id,
                "code": system.code,
                "entity": company.pss_entity_code,
                "api_key": creds["api_key"],
                "secret": creds["signing_secret"],
            }
            cr.execute("SELECT coalesce(max(id), 0) FROM ir_cron_trigger")
            self.fixtures["max_trigger"] = cr.fetchone()[0]
            cr.execute("SELECT coalesce(max(id), 0) FROM res_partner")
            self.fixtures["max_partner"] = cr.fetchone()[0]
            cr.execute("SELECT name, labels, value FROM pss_api_metric")
            self.fixtures["metrics"] = cr.fetchall()

    def cleanup(self):
        if self.throwaway:
            self.drop_database()
            return
        if not self.fixtures:
            return
        from odoo import SUPERUSER_ID, api

        f = self.fixtures
        with self.registry().cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            cr.execute("DELETE FROM pss_message WHERE system_id = %s", [f["system"]])
            cr.execute("DELETE FROM ir_cron_trigger WHERE id > %s", [f["max_trigger"]])
            # The server's counters, as they were before the run.
            cr.execute("DELETE FROM pss_api_metric")
            for row in f["metrics"]:
                cr.execute(
                    "INSERT INTO pss_api_metric (name, labels, value) "
                    "VALUES (%s, %s, %s)",
                    row,
                )
            env["res.partner"].search(
                [("id", ">", f["max_partner"]), ("create_uid", "=", f["rpc_user"])]
            ).unlink()
            env["pss.system"].browse(f["system"]).unlink()
            env["res.users"].browse([f["user"], f["rpc_user"]]).unlink()
            env["res.partner"].browse([f["user_partner"], f["rpc_partner"]]).unlink()
            env["res.company"].browse(f["company"]).unlink()
            env["res.partner"].browse(f["company_partner"]).exists().unlink()

    # -- measurements ---------------------------------------------------------
    def envelope(self, index, kind):
        event_id = f"{kind}-{self.tag}-{index}"
        return {
            "id": event_id,
            "type": "test.record",
            "schema_version": 1,
            "occurred_at": "2026-11-20T10:00:00Z",
            "entity": self.fixtures["entity"],
            "data": {
                "external_id": event_id,
                "name": f"record {index}",
                "amount": "12.50",
            },
        }

    def post(self, session, document):
        body = json.dumps(document, separators=(",", ":")).encode()
        headers = {
            "Authorization": f"Bearer {self.fixtures['api_key']}",
            "X-PSS-Signature": sign(self.fixtures["secret"], body),
            "Content-Type": "application/json",
        }
        started = time.perf_counter()
        response = session.post(
            f"{self.url}/pss/v1/{self.fixtures['code']}/events",
            data=body,
            headers=headers,
            timeout=60,
        )
        elapsed = time.perf_counter() - started
        if response.status_code != 202:
            raise RuntimeError(f"HTTP {response.status_code}: {response.text[:500]}")
        return elapsed

    def rpc_create(self, session, vals):
        started = time.perf_counter()
        benchlib.jsonrpc_call(
            session,
            self.url,
            "object",
            "execute_kw",
            self.db,
            self.fixtures["rpc_user"],
            self.fixtures["rpc_password"],
            "res.partner",
            "create",
            [vals],
        )
        return time.perf_counter() - started

    def run(self):
        args = self.args
        with requests.Session() as session:
            for i in range(args.warmup):
                self.post(session, self.envelope(i, "warm"))
                self.rpc_create(session, {"name": f"warm {self.tag} {i}"})
            rpc = [
                self.rpc_create(session, {"name": f"bench {self.tag} {i}"})
                for i in range(args.rpc)
            ]
            single = [
                self.post(session, self.envelope(i, "one")) for i in range(args.single)
            ]
            rpc_batch = [
                self.rpc_create(
                    session,
                    [{"name": f"bench {self.tag} b{n}-{i}"} for i in range(500)],
                )
                for n in range(max(1, args.batches // 4))
            ]
            batches = [
                self.post(
                    session,
                    {
                        "events": [
                            self.envelope(n * 500 + i, "many") for i in range(500)
                        ]
                    },
                )
                for n in range(args.batches)
            ]
        rpc_figure = dict(
            benchlib.timing(rpc, len(rpc), "records/s"),
            name="jsonrpc_res_partner_create_one_per_call",
        )
        single_figure = benchlib.timing(single, len(single), "events/s")
        ratio = round(single_figure["value"] / rpc_figure["value"], 2)
        print(
            json.dumps(
                {
                    "bench": "api_single_event_accept",
                    **single_figure,
                    "baseline": rpc_figure,
                    "ratio_to_baseline": ratio,
                    "aim": f">= {AIM_SINGLE_RATIO}x baseline, "
                    f"p95 < {AIM_SINGLE_P95_MS} ms",
                    "aim_met": ratio >= AIM_SINGLE_RATIO
                    and single_figure["p95_ms"] < AIM_SINGLE_P95_MS,
                }
            ),
            flush=True,
        )
        batch_figure = benchlib.timing(batches, len(batches) * 500, "events/s")
        rpc_batch_figure = dict(
            benchlib.timing(rpc_batch, len(rpc_batch) * 500, "records/s"),
            name="jsonrpc_res_partner_create_500_per_call",
        )
        print(
            json.dumps(
                {
                    "bench": "api_batch_event_accept",
                    **batch_figure,
                    "events_per_request": 500,
                    "baseline": rpc_figure,
                    "baseline_batch": rpc_batch_figure,
                    "ratio_to_baseline": round(
                        batch_figure["value"] / rpc_figure["value"], 2
                    ),
                    "aim": f">= {AIM_BATCH_EVENTS_PER_S:.0f} events/s",
                    "aim_met": batch_figure["value"] >= AIM_BATCH_EVENTS_PER_S,
                }
            ),
            flush=True,
        )
        return {"rpc": rpc_figure}

    def what_if(self, figures):
        """Single events again, on the server with a pooled cron wake-up."""
        args = self.args
        with requests.Session() as session:
            for i in range(args.warmup):
                self.post(session, self.envelope(i, "warm2"))
            single = [
                self.post(session, self.envelope(i, "one2")) for i in range(args.single)
            ]
        figure = benchlib.timing(single, len(single), "events/s")
        ratio = round(figure["value"] / figures["rpc"]["value"], 2)
        print(
            json.dumps(
                {
                    "bench": "api_single_event_accept_what_if_pooled_cron_wakeup",
                    **figure,
                    "baseline": figures["rpc"],
                    "ratio_to_baseline": ratio,
                    "note": "same server with ir.cron._notifydb on one kept-open "
                    "connection: the pss_core change proposed in the report",
                    "aim_met": ratio >= AIM_SINGLE_RATIO
                    and figure["p95_ms"] < AIM_SINGLE_P95_MS,
                }
            ),
            flush=True,
        )


def measure_cron_wakeup(count):
    """What pss_core's enqueue pays per request to wake the cron workers.

    ``ir.cron._trigger()`` sends ``pg_notify`` on a new connection to the
    ``postgres`` database after each commit (Odoo never pools connections to
    that database). Reproduced here on the same network and authentication
    path, on a channel no cron listens to.
    """
    import psycopg2

    from odoo.sql_db import connection_info_for

    _name, info = connection_info_for("postgres")
    durations = []
    for _i in range(count):
        started = time.perf_counter()
        connection = psycopg2.connect(**info)
        with connection.cursor() as cr:
            cr.execute("SELECT pg_notify('pss_bench_noop', '')")
        connection.commit()
        connection.close()
        durations.append(time.perf_counter() - started)
    return benchlib.timing(durations, count, "connections/s")


def main():
    args = parse_args()
    args.config = os.path.abspath(args.config)
    import odoo

    odoo.tools.config.parse_config(["-c", args.config])
    bench = Bench(args)
    try:
        bench.use_throwaway_unless_ready()
        bench.prepare_database()
        bench.create_fixtures()
        bench.start_server()
        figures = bench.run()
        wakeup = measure_cron_wakeup(min(args.single, 200))
        print(
            json.dumps(
                {
                    "bench": "cron_wakeup_connection",
                    **wakeup,
                    "note": "what Odoo's ir.cron._trigger() wake-up costs per "
                    "call (a new connection to the postgres database); pss_core "
                    "sends its wake-up over one kept-open connection instead",
                }
            ),
            flush=True,
        )
        if args.what_if:
            bench.stop_server()
            bench.start_server(pooled_wakeup=True)
            bench.what_if(figures)
    finally:
        bench.stop_server()
        bench.cleanup()


if __name__ == "__main__":
    main()
