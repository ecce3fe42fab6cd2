#!/usr/bin/env bash
# make pot: refresh addons/<addon>/i18n/<addon>.pot of every addon (or of the
# addons given) from a fresh database with the suite installed, as
# `odoo --i18n-export` writes them. tests/test_i18n_pot.py fails when one is
# stale. PSS_POT_DB=<db> reuses a database that already has the addons (e.g.
# make test's) instead of installing a fresh one.
set -euo pipefail
# shellcheck source=setup/common.sh
source "$(dirname "$0")/common.sh"

prepare test
if [[ -n "${PSS_POT_DB:-}" ]]; then
    DB="$PSS_POT_DB"
else
    DB="${PSS_TEST_DB:-$(cfg db.test_name)}_pot"
    echo "pot.sh: fresh database $DB"
    fresh_db "$DB" "$(cfg addons),$(cfg test_addons)"
fi
"$PYTHON" setup/pot.py -c "$CONF" -d "$DB" "$@"
if [[ -z "${PSS_POT_DB:-}" ]]; then
    psql_env dropdb --if-exists "$DB"
fi
