#!/usr/bin/env bash
# make reencrypt: encrypt every stored pss payload with the current key of
# the demo configuration (.pss/odoo-demo.conf, key in .pss/demo-encryption-keys
# or PSS_ENCRYPTION_KEYS), e.g. after a rotation. PSS_REENCRYPT_DB=<db> and
# PSS_REENCRYPT_MODE=test|demo pick another database or configuration.
set -euo pipefail
# shellcheck source=setup/common.sh
source "$(dirname "$0")/common.sh"
MODE="${PSS_REENCRYPT_MODE:-demo}"
prepare "$MODE"
DB="${PSS_REENCRYPT_DB:-$(cfg "db.${MODE}_name")}"
ADDONS_PATH=$(sed -n 's/^addons_path = //p' "$CONF")
"$PYTHON" -m odoo --addons-path="$ADDONS_PATH" pss_reencrypt -c "$CONF" -d "$DB" \
    --log-level=warn "$@"
