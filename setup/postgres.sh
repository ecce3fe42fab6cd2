#!/usr/bin/env bash
# Start (or reuse) the project's own PostgreSQL cluster and print its port.
#
# Uses Debian's cluster tools, so the server runs as the postgres user (it
# refuses root). The cluster is named "pss"; its port is the first free one
# from PSS_PG_PORT (default 55432). A role with the name of the current user is
# created as superuser so that Odoo can create and drop databases.
set -euo pipefail

CLUSTER="${PSS_PG_CLUSTER:-pss}"
START_PORT="${PSS_PG_PORT:-55432}"

log() { echo "postgres.sh: $*" >&2; }

if ! command -v pg_lsclusters >/dev/null; then
    if command -v apt-get >/dev/null && [[ $(id -u) -eq 0 ]]; then
        log "installing postgresql (Debian)"
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    else
        log "PostgreSQL's Debian cluster tools (pg_lsclusters) are not installed"
        exit 1
    fi
fi

VERSION="${PSS_PG_VERSION:-$(ls /usr/lib/postgresql | sort -V | tail -1)}"

port_in_use() {
    (echo >"/dev/tcp/127.0.0.1/$1") >/dev/null 2>&1 && return 0
    pg_lsclusters -h | awk '{print $3}' | grep -qx "$1"
}

line=$(pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1==v && $2==c')
if [[ -z "$line" ]]; then
    port="$START_PORT"
    while port_in_use "$port"; do port=$((port + 1)); done
    log "creating cluster $VERSION/$CLUSTER on port $port"
    pg_createcluster "$VERSION" "$CLUSTER" --port "$port" \
        -- --auth-local=peer --auth-host=scram-sha-256 >&2
    # Speed over durability: this cluster only holds test and demo databases.
    conf="/etc/postgresql/$VERSION/$CLUSTER/conf.d/pss.conf"
    {
        echo "fsync = off"
        echo "synchronous_commit = off"
        echo "full_page_writes = off"
        echo "max_connections = 200"
        echo "listen_addresses = '127.0.0.1'"
    } >"$conf"
    line=$(pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1==v && $2==c')
fi
port=$(awk '{print $3}' <<<"$line")
status=$(awk '{print $4}' <<<"$line")
if [[ "$status" != "online" ]]; then
    log "starting cluster $VERSION/$CLUSTER on port $port"
    # Everything but the port goes to stderr: callers capture stdout (after a
    # machine restart pg_ctlcluster prints "Removed stale pid file.").
    pg_ctlcluster "$VERSION" "$CLUSTER" start >&2
fi
ready=""
for _ in $(seq 1 60); do
    if runuser -u postgres -- psql -p "$port" -Atc "select 1" >/dev/null 2>&1; then
        ready=1
        break
    fi
    sleep 0.5
done
if [[ -z "$ready" ]]; then
    log "cluster $VERSION/$CLUSTER on port $port does not answer after 30 s"
    exit 1
fi

DB_USER="${PSS_DB_USER:-pss}"
DB_PASSWORD="${PSS_DB_PASSWORD:-pss}"
runuser -u postgres -- psql -q -p "$port" -v ON_ERROR_STOP=1 >/dev/null <<SQL
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER') THEN
        CREATE ROLE "$DB_USER" LOGIN SUPERUSER PASSWORD '$DB_PASSWORD';
    END IF;
END
\$\$;
SQL
echo "$port"
