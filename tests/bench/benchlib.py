"""What the benchmarks share: argument parsing and a timed, query-counted run.

The benchmarks run as scripts (``python3 tests/bench/bench_x.py``), so this
module is importable beside them.
"""

import argparse
import time


def parser(doc, count):
    """--config and --db (required) and --count (default ``count``)."""
    result = argparse.ArgumentParser(description=doc)
    result.add_argument("--config", required=True)
    result.add_argument("--db", required=True)
    result.add_argument("--count", type=int, default=count)
    return result


def measure(env, func):
    """Run ``func`` with everything flushed; return (seconds, SQL queries)."""
    env.flush_all()
    queries = env.cr.sql_log_count
    started = time.perf_counter()
    func()
    env.flush_all()
    return time.perf_counter() - started, env.cr.sql_log_count - queries
