#!/usr/bin/env bash
# make test, after pytest: Odoo's own tests of the modules pss extends, run
# with every pss addon installed (lists in .odoo-ci.yml: odoo_test_modules,
# odoo_test_tags, odoo_test_exclude). Fails when one of them fails.
set -euo pipefail
# shellcheck source=setup/common.sh
source "$(dirname "$0")/common.sh"

prepare test
DB="${PSS_ODOO_TESTS_DB:-${PSS_TEST_DB:-$(cfg db.test_name)}_odoo}"
ADDONS="$(cfg addons),$(cfg odoo_test_modules)"
TAGS="$(cfg odoo_test_tags)"
EXCLUDE="$(cfg odoo_test_exclude)"
if [[ -n "$EXCLUDE" ]]; then
    TAGS="$TAGS,$EXCLUDE"
fi

start=$SECONDS
echo "odoo_tests.sh: fresh database $DB with $ADDONS"
fresh_db "$DB" "$ADDONS"
echo "odoo_tests.sh: installed in $((SECONDS - start))s; running $TAGS"
set +e
"$PYTHON" setup/odoo_tests.py -c "$CONF" -d "$DB" --log-level=warn \
    ${PSS_ODOO_TESTS_HTTP_PORT:+--http-port="$PSS_ODOO_TESTS_HTTP_PORT"} \
    --test-tags "$TAGS"
rc=$?
set -e
echo "odoo_tests.sh: $((SECONDS - start))s in all, exit status $rc"
exit $rc
