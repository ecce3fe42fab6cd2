#!/usr/bin/env bash
# Write .pss/odoo-<mode>.conf for this checkout and print its path.
#   setup/odoo_conf.sh test|demo PORT
# Odoo's own addons path is derived from the installed odoo package.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MODE="$1"
PORT="$2"
PYTHON="${PYTHON:-python3}"
ODOO_ADDONS=$("$PYTHON" -c 'import os, odoo.addons as a; print(os.path.dirname(a.__file__))')
ADDONS="$ODOO_ADDONS,$ROOT/addons"
if [[ "$MODE" == "test" ]]; then
    ADDONS="$ADDONS,$ROOT/tests/addons"
fi
# The test server gets its own free port (a demo may be serving on 8069:
# HTTP tests must never talk to it).
free_port() {
    local port="$1"
    while (echo >"/dev/tcp/127.0.0.1/$port") >/dev/null 2>&1; do
        port=$((port + 1))
    done
    echo "$port"
}
if [[ "$MODE" == "test" ]]; then
    HTTP_PORT="${PSS_TEST_HTTP_PORT:-$(free_port 18069)}"
else
    HTTP_PORT="${PSS_HTTP_PORT:-8069}"
fi
mkdir -p "$ROOT/.pss"
CONF="$ROOT/.pss/odoo-$MODE.conf"
# Encryption at rest of sensitive payload values (key id:base64 key, the
# first one encrypts): a fixed key for the tests, a key generated once into
# .pss/ (gitignored, never the repository) for the demo. The environment
# variable PSS_ENCRYPTION_KEYS, when set, wins over this option.
if [[ "$MODE" == "test" ]]; then
    KEYS="test1:9iHJ0HbEHhcV5i0ItoBjXn7Tlr4lIErnHfDeEGWzRow="
else
    KEY_FILE="$ROOT/.pss/$MODE-encryption-keys"
    if [[ ! -s "$KEY_FILE" ]]; then
        (
            umask 077
            "$PYTHON" -c 'import base64, os; print("demo1:" + base64.b64encode(os.urandom(32)).decode())' >"$KEY_FILE"
        )
    fi
    KEYS=$(cat "$KEY_FILE")
fi
cat >"$CONF" <<CONF
[options]
addons_path = $ADDONS
data_dir = $ROOT/.pss/data
db_host = 127.0.0.1
db_port = $PORT
db_user = ${PSS_DB_USER:-pss}
db_password = ${PSS_DB_PASSWORD:-pss}
admin_passwd = ${PSS_ADMIN_PASSWD:-admin}
http_port = $HTTP_PORT
http_interface = ${PSS_HTTP_INTERFACE:-127.0.0.1}
list_db = False
max_cron_threads = 2
without_demo = $([[ "$MODE" == "test" ]] && echo all || echo False)
log_level = ${PSS_LOG_LEVEL:-warn}
pss_encryption_keys = $KEYS
CONF
chmod 600 "$CONF"
echo "$CONF"
