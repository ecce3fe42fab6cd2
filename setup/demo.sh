#!/usr/bin/env bash
# make demo: a database with the suite and pss_demo, a month of the group's
# integrations sent through the API (pss-simulate) and the month-end runs,
# then Odoo on PSS_HTTP_PORT (8069) with crons, in the foreground.
set -euo pipefail
# shellcheck source=setup/common.sh
source "$(dirname "$0")/common.sh"
prepare demo
started=$(date +%s)
DB="${PSS_DEMO_DB:-$(cfg db.demo_name)}"
HTTP_PORT="${PSS_HTTP_PORT:-8069}"
ADDONS="$(cfg addons),$(cfg demo_addons)"
CREDENTIALS="$ROOT/.pss/demo-credentials.json"
SUMMARY="$ROOT/.pss/demo-simulation.json"
SERVER_LOG="$ROOT/.pss/demo-server.log"
exists=$(psql_env psql -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$DB'")
if [[ "$exists" != "1" || "${PSS_DEMO_RESET:-0}" == "1" ]]; then
    psql_env dropdb --if-exists "$DB"
    rm -f "$CREDENTIALS" "$SUMMARY"
    echo "demo.sh: creating $DB with $ADDONS and demo data"
    odoo_install "$DB" "$ADDONS"
else
    echo "demo.sh: installing/updating $ADDONS in $DB"
    odoo_install "$DB" "$ADDONS" -u "$ADDONS"
fi
# Odoo installs a module "without demo data" (a warning) when its demo data
# fails to load; a demo without its data is a failed demo.
loaded=$(psql_env psql -d "$DB" -Atc "SELECT demo FROM ir_module_module WHERE name = 'pss_demo'")
if [[ "$loaded" != "t" ]]; then
    echo "demo.sh: pss_demo's demo data did not load (see the traceback above)" >&2
    exit 1
fi

step() {
    "$PYTHON" setup/demo_steps.py "$@" --config "$CONF" --db "$DB"
}

# The month is simulated once per database (recorded in it by the finance
# step); PSS_DEMO_RESET=1 starts over.
if [[ "$(step status | tail -n 1)" == "simulated" ]]; then
    echo "demo.sh: the demo month is already in $DB (PSS_DEMO_RESET=1 starts over)"
else
    # Fresh API credentials for the CRM, PSA and HRIS (.pss/, gitignored),
    # their receivers next to the HTTP port.
    step prepare --http-port "$HTTP_PORT" --credentials "$CREDENTIALS"
    echo "demo.sh: Odoo in the background on port $HTTP_PORT (log: $SERVER_LOG)"
    "$PYTHON" -m odoo -c "$CONF" -d "$DB" --db-filter="^$DB\$" --log-level=warn \
        --logfile "$SERVER_LOG" 2>/dev/null &
    server=$!
    trap 'kill "$server" 2>/dev/null || true' EXIT
    "$PYTHON" - "http://127.0.0.1:$HTTP_PORT/pss/v1/health" <<'PY'
import sys, time, urllib.request

for _ in range(120):
    try:
        with urllib.request.urlopen(sys.argv[1], timeout=2) as answer:
            if answer.status == 200:
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.5)
sys.exit("demo.sh: the demo server did not answer within 60 s (see its log)")
PY
    rc=0
    rm -f "$SUMMARY"
    simulated=$(date +%s)
    PYTHONPATH="$ROOT/tools/pss_client${PYTHONPATH:+:$PYTHONPATH}" \
        "$PYTHON" -m pss_client.simulate --url "http://127.0.0.1:$HTTP_PORT" \
        --credentials "$CREDENTIALS" --summary "$SUMMARY" \
        --receiver "crm=$((HTTP_PORT + 1))" --receiver "psa=$((HTTP_PORT + 2))" || rc=$?
    kill "$server"
    wait "$server" 2>/dev/null || true
    trap - EXIT
    if [[ ! -s "$SUMMARY" ]]; then
        echo "demo.sh: pss-simulate failed (exit code $rc, no summary)" >&2
        exit 1
    elif [[ "$rc" != 0 ]]; then
        echo "demo.sh: WARNING: some of the simulation's checks failed (above)" >&2
    fi
    echo "demo.sh: simulation done in $(($(date +%s) - simulated)) s; month-end runs as the finance user"
    step finance --summary "$SUMMARY"
fi
echo "demo.sh: ready in $(($(date +%s) - started)) s: Odoo on http://localhost:$HTTP_PORT" \
    "(admin/admin, finance/finance, viewer/viewer; see README.md), Ctrl-C stops"
exec "$PYTHON" -m odoo -c "$CONF" -d "$DB" --db-filter="^$DB\$" --log-level=info
