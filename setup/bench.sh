#!/usr/bin/env bash
# make bench: a fresh database with the suite and the test addons, then every
# tests/bench/bench_*.py, each printing JSON lines with its baseline.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
cfg() { "$PYTHON" setup/ci_config.py "$@"; }
bash setup/ensure_odoo.sh >&2
bash setup/deps.sh >&2
PORT=$(bash setup/postgres.sh)
CONF=$(bash setup/odoo_conf.sh test "$PORT")
DB="${PSS_BENCH_DB:-pss_bench}"
ADDONS="$(cfg addons),$(cfg test_addons)"
PGPASSWORD="${PSS_DB_PASSWORD:-pss}" dropdb --if-exists -h 127.0.0.1 -p "$PORT" \
    -U "${PSS_DB_USER:-pss}" "$DB"
"$PYTHON" -m odoo -c "$CONF" -d "$DB" -i "$ADDONS" --without-demo=all \
    --stop-after-init --no-http --log-level=warn >&2
for bench in tests/bench/bench_*.py; do
    echo "bench.sh: $bench" >&2
    "$PYTHON" "$bench" --config "$CONF" --db "$DB"
done
