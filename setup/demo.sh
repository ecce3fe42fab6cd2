#!/usr/bin/env bash
# make demo: a database with the suite and pss_demo, Odoo on :8069 with crons.
set -euo pipefail
# shellcheck source=setup/common.sh
source "$(dirname "$0")/common.sh"
prepare demo
DB="${PSS_DEMO_DB:-$(cfg db.demo_name)}"
ADDONS="$(cfg addons),$(cfg demo_addons)"
exists=$(psql_env psql -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$DB'")
if [[ "$exists" != "1" || "${PSS_DEMO_RESET:-0}" == "1" ]]; then
    psql_env dropdb --if-exists "$DB"
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
echo "demo.sh: Odoo on http://localhost:${PSS_HTTP_PORT:-8069} (admin/admin), Ctrl-C stops"
exec "$PYTHON" -m odoo -c "$CONF" -d "$DB" --db-filter="^$DB\$" --log-level=info
