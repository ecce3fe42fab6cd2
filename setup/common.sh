#!/usr/bin/env bash
# Sourced by test.sh, demo.sh and bench.sh: one place for the steps they share.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
cfg() { "$PYTHON" setup/ci_config.py "$@"; }

# prepare MODE: Odoo 17, Python deps, the project's cluster, .pss/odoo-MODE.conf.
# Sets PORT and CONF. Progress goes to stderr.
prepare() {
    bash setup/ensure_odoo.sh >&2
    bash setup/deps.sh >&2
    PORT=$(bash setup/postgres.sh)
    if ! [[ "$PORT" =~ ^[0-9]+$ ]]; then
        echo "setup: setup/postgres.sh printed '$PORT' where a port was expected" >&2
        exit 1
    fi
    CONF=$(bash setup/odoo_conf.sh "$1" "$PORT")
}

# psql_env COMMAND ARGS...: a PostgreSQL client command against the cluster.
psql_env() {
    local command="$1"
    shift
    PGPASSWORD="${PSS_DB_PASSWORD:-pss}" "$command" -h 127.0.0.1 -p "$PORT" \
        -U "${PSS_DB_USER:-pss}" "$@"
}

# odoo_install DB ADDONS [odoo options...]: install (or update) addons, then stop.
odoo_install() {
    local db="$1" addons="$2"
    shift 2
    "$PYTHON" -m odoo -c "$CONF" -d "$db" -i "$addons" --stop-after-init --no-http \
        --log-level=warn "$@"
}

# fresh_db DB ADDONS: drop DB and install ADDONS without demo data.
fresh_db() {
    psql_env dropdb --if-exists "$1"
    odoo_install "$1" "$2" --without-demo=all
}
