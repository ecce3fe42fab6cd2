#!/usr/bin/env bash
# make demo: a database with the suite and pss_demo, Odoo on :8069 with crons.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
cfg() { "$PYTHON" setup/ci_config.py "$@"; }
bash setup/ensure_odoo.sh
bash setup/deps.sh
PORT=$(bash setup/postgres.sh)
CONF=$(bash setup/odoo_conf.sh demo "$PORT")
DB="${PSS_DEMO_DB:-$(cfg db.demo_name)}"
ADDONS="$(cfg addons),$(cfg demo_addons)"
exists=$(PGPASSWORD="${PSS_DB_PASSWORD:-pss}" psql -h 127.0.0.1 -p "$PORT" \
    -U "${PSS_DB_USER:-pss}" -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$DB'")
if [[ "$exists" != "1" || "${PSS_DEMO_RESET:-0}" == "1" ]]; then
    PGPASSWORD="${PSS_DB_PASSWORD:-pss}" dropdb --if-exists -h 127.0.0.1 -p "$PORT" \
        -U "${PSS_DB_USER:-pss}" "$DB"
    echo "demo.sh: creating $DB with $ADDONS and demo data"
    "$PYTHON" -m odoo -c "$CONF" -d "$DB" -i "$ADDONS" --stop-after-init --no-http \
        --log-level=warn
else
    echo "demo.sh: installing/updating $ADDONS in $DB"
    "$PYTHON" -m odoo -c "$CONF" -d "$DB" -i "$ADDONS" -u "$ADDONS" --stop-after-init --no-http \
        --log-level=warn
fi
echo "demo.sh: Odoo on http://localhost:${PSS_HTTP_PORT:-8069} (admin/admin), Ctrl-C stops"
exec "$PYTHON" -m odoo -c "$CONF" -d "$DB" --db-filter="^$DB\$" --log-level=info
