"""What the benchmarks share: argument parsing and a timed, query-counted run.

The benchmarks run as scripts (``python3 tests/bench/bench_x.py``), so this
module is importable beside them.
"""

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import time


def parser(doc, count):
    """--config and --db (required) and --count (default ``count``)."""
    result = argparse.ArgumentParser(description=doc)
    result.add_argument("--config", required=True)
    result.add_argument("--db", required=True)
    result.add_argument("--count", type=int, default=count)
    return result


def open_registry(args, model, benchmark, addon):
    """Odoo configured from the benchmark's ``--config``/``--db`` and its
    registry, or None (the "skipped" line printed) when ``model`` of
    ``addon`` is not in that database."""
    import odoo

    odoo.tools.config.parse_config(["-c", args.config, "-d", args.db])
    registry = odoo.registry(args.db)
    return None if skipped_unless(registry, model, benchmark, addon) else registry


def skipped_unless(registry, model, benchmark, addon):
    """Print the "skipped" line and return True when ``model`` (of ``addon``)
    is not in the database the benchmark was pointed at."""
    if model in registry:
        return False
    print(
        json.dumps(
            {
                "benchmark": benchmark,
                "skipped": True,
                "reason": f"{addon} is not installed in this database",
            }
        )
    )
    return True


def figure(benchmark, measure, count, seconds, queries, unit="timesheets", **extra):
    """One JSON figure: ``count`` ``unit`` in ``seconds`` and ``queries``."""
    return {
        "benchmark": benchmark,
        "measure": measure,
        unit: count,
        "seconds": round(seconds, 2),
        f"{unit}_per_s": round(count / seconds, 1) if seconds else None,
        "queries": queries,
        **extra,
    }


def measure(env, func):
    """Run ``func`` with everything flushed; return (seconds, SQL queries)."""
    env.flush_all()
    queries = env.cr.sql_log_count
    started = time.perf_counter()
    func()
    env.flush_all()
    return time.perf_counter() - started, env.cr.sql_log_count - queries


# -- Odoo's JSON-RPC, what integrators do today --------------------------------
def free_port():
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def timing(durations, count, unit):
    """Rate (``count`` per second of ``durations``) and p50/p95 of a call."""
    return {
        "value": round(count / sum(durations), 1),
        "unit": unit,
        "p50_ms": round(statistics.median(durations) * 1000, 2),
        "p95_ms": round(percentile(durations, 0.95) * 1000, 2),
        "requests": len(durations),
    }


@contextlib.contextmanager
def only_crons(registry, xmlids):
    """While inside, the crons ``xmlids`` are active and every other cron of
    the database is not: servers started inside run only what the benchmark
    measures (a daily billing, intercompany or reconciliation cron would
    otherwise make runs for the benchmark's company, and its deletion would
    fail). Every cron's ``active`` is restored on the way out."""
    with registry.cursor() as cr:
        cr.execute("SELECT id FROM ir_cron WHERE active")
        was_active = [row[0] for row in cr.fetchall()]
        keep = [_ref_id(cr, xmlid) for xmlid in xmlids]
        cr.execute("UPDATE ir_cron SET active = id = ANY(%s)", [keep])
    try:
        yield
    finally:
        with registry.cursor() as cr:
            cr.execute("UPDATE ir_cron SET active = id = ANY(%s)", [was_active])


def _ref_id(cr, xmlid):
    module, name = xmlid.split(".", 1)
    cr.execute(
        "SELECT res_id FROM ir_model_data WHERE module = %s AND name = %s",
        [module, name],
    )
    row = cr.fetchone()
    if not row:
        raise ValueError(f"no record {xmlid}")
    return row[0]


def delete_company(env, company_id, user_ids=()):
    """Remove a company a benchmark committed, with its users and their
    partners: first what pss runs (billing, intercompany, reconciliation
    runs and their ``pss.run`` progress records) a cron may have made for it,
    then the users, the company and the partners Odoo created for them."""
    company = env["res.company"].browse(company_id)
    users = env["res.users"].browse(list(user_ids))
    partners = company.partner_id | users.partner_id
    runs = env["pss.run"].with_context(active_test=False)
    for model in ("pss.billing.run", "pss.ic.run", "pss.recon.run"):
        if model in env:
            table = env[model]._table
            env.cr.execute(
                f"DELETE FROM {table} WHERE company_id = %s RETURNING pss_run_id",
                [company_id],
            )
            runs |= runs.browse([row[0] for row in env.cr.fetchall() if row[0]])
    runs |= runs.search([("company_ids", "in", company.ids)])
    runs.unlink()
    users.unlink()
    company.unlink()
    partners.exists().unlink()


@contextlib.contextmanager
def odoo_cron_server(config, db, workers=2, cron_threads=1):
    """An Odoo server on ``db`` that only runs crons (``--no-http``; in
    prefork mode with ``workers`` > 0, its cron workers as separate
    processes). Yields the process once it runs."""
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "odoo",
            "-c",
            config,
            "-d",
            db,
            f"--db-filter=^{db}$",
            f"--workers={workers}",
            f"--max-cron-threads={cron_threads}",
            "--no-http",
            "--log-level=warn",
        ]
    )
    try:
        time.sleep(1)
        if server.poll() is not None:
            raise RuntimeError("the Odoo server exited")
        yield server
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


@contextlib.contextmanager
def odoo_server(config, db, workers=0, cron_threads=0):
    """An Odoo HTTP server on ``db`` in a subprocess (threaded without cron by
    default; ``workers`` > 0 for prefork); yields its base URL. Fixtures it
    must see have to be committed first."""
    import requests

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "odoo",
            "-c",
            config,
            "-d",
            db,
            f"--db-filter=^{db}$",
            f"--workers={workers}",
            f"--max-cron-threads={cron_threads}",
            "--http-interface=127.0.0.1",
            f"--http-port={port}",
            "--log-level=warn",
        ]
    )
    try:
        deadline = time.time() + 120
        while True:
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{url}/web/health", timeout=5).status_code == 200:
                    break
            if server.poll() is not None:
                raise RuntimeError("the Odoo server exited")
            if time.time() > deadline:
                raise RuntimeError("the Odoo server did not answer in 120 s")
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def jsonrpc_call(session, url, service, method, *args):
    """One call to Odoo's ``/jsonrpc`` endpoint; its result, or RuntimeError."""
    response = session.post(
        f"{url}/jsonrpc",
        json={
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service, "method": method, "args": args},
        },
        timeout=60,
    )
    response.raise_for_status()
    body = response.json()
    if "error" in body:
        raise RuntimeError(json.dumps(body["error"])[:500])
    return body["result"]


def jsonrpc_create_one_per_call(url, db, login, password, model, vals_list, context):
    """``create`` one record per JSON-RPC call (``/jsonrpc``, execute_kw), as
    an integration script does; returns a figure dict with records/s and the
    p50/p95 latency of a call."""
    import requests

    session = requests.Session()

    def call(service, method, *args):
        return jsonrpc_call(session, url, service, method, *args)

    uid = call("common", "login", db, login, password)
    if not uid:
        raise RuntimeError(f"JSON-RPC login of {login} failed")
    durations = []
    for vals in vals_list:
        started = time.perf_counter()
        call(
            "object",
            "execute_kw",
            db,
            uid,
            password,
            model,
            "create",
            [vals],
            {"context": context},
        )
        durations.append(time.perf_counter() - started)
    return timing(durations, len(durations), "records/s")


def jsonrpc_baseline(config, db, login, password, model, vals_list, context):
    """Start a server on ``db`` and time one JSON-RPC create per record."""
    with odoo_server(config, db) as url:
        return jsonrpc_create_one_per_call(
            url, db, login, password, model, vals_list, context
        )
