#!/usr/bin/env bash
# make test: fresh database with every pss addon (no demo data), then pytest-odoo.
set -euo pipefail
# shellcheck source=setup/common.sh
source "$(dirname "$0")/common.sh"

prepare test
DB="${PSS_TEST_DB:-$(cfg db.test_name)}"
ADDONS="$(cfg addons),$(cfg test_addons)${PSS_EXTRA_ADDONS:+,$PSS_EXTRA_ADDONS}"

echo "test.sh: fresh database $DB on port $PORT with $ADDONS"
fresh_db "$DB" "$ADDONS"

# shellcheck disable=SC2046
if [[ $# -gt 0 ]]; then
    paths=""   # explicit paths/options given: run only those
else
    paths=$(for p in $(cfg test_paths --sep " "); do ls -d $p 2>/dev/null || true; done)
fi
# The property-based API test (tests/test_api_fuzz.py) appends its figures here.
export PSS_FUZZ_FIGURES="$ROOT/.pss/fuzz-figures.txt"
rm -f "$PSS_FUZZ_FIGURES"
set +e
"$PYTHON" -m pytest -p no:cacheprovider --odoo-config="$CONF" --odoo-database="$DB" \
    --odoo-http -q -ra $paths "$@"
rc=$?
set -e
if [[ -s "$PSS_FUZZ_FIGURES" ]]; then
    echo "test.sh: figures of the property-based API test:"
    cat "$PSS_FUZZ_FIGURES"
fi
if [[ $rc -eq 5 ]]; then
    echo "test.sh: pytest collected no test" >&2
fi
# Odoo's own tests of the modules pss extends, with pss installed (after
# pytest, in a database of their own). Run by a full `make test`; with
# explicit pytest paths only when PSS_ODOO_TESTS=1; never with PSS_ODOO_TESTS=0.
odoo_rc=0
if [[ "${PSS_ODOO_TESTS:-$([[ $# -eq 0 ]] && echo 1 || echo 0)}" == 1 ]]; then
    set +e
    bash setup/odoo_tests.sh
    odoo_rc=$?
    set -e
fi
echo "test.sh: pytest exit status $rc, Odoo's own tests exit status $odoo_rc"
if [[ $rc -ne 0 ]]; then
    exit $rc
fi
exit $odoo_rc
