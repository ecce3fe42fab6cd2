#!/usr/bin/env bash
# make oca-test: each addon's tests under Odoo's own test runner, as OCA's CI
# and integrators run them (`odoo -i <addon> --test-enable`), each on a fresh
# database of its own (no demo data), then the count of tests Odoo ran beside
# pytest's count for the same addon's tests.
#
#   setup/oca_runner.sh [addon...]      (default: every addon and test addon
#                                        of .odoo-ci.yml)
#
# Databases: ${PSS_OCA_DB:-<test db>_oca}_<addon>, dropped first and after a
# green run. Logs: .pss/oca/<addon>.log. --test-tags /<addon> keeps Odoo's
# runner to the addon's own tests (not those of the Odoo modules it installs),
# as OCA's CI does by installing the dependencies before the addon.
# Fails when a test fails, when Odoo ran no test of an addon, or when the two
# runners do not count the same tests.
set -euo pipefail
# shellcheck source=setup/common.sh
source "$(dirname "$0")/common.sh"

prepare test
PREFIX="${PSS_OCA_DB:-${PSS_TEST_DB:-$(cfg db.test_name)}_oca}"
HTTP_PORT="${PSS_OCA_HTTP_PORT:-$(sed -n 's/^http_port = //p' "$CONF")}"
if [[ $# -gt 0 ]]; then
    addons=("$@")
else
    read -r -a addons <<<"$(cfg addons --sep " ") $(cfg test_addons --sep " ")"
fi
mkdir -p "$ROOT/.pss/oca"
summary=()
status=0
for addon in "${addons[@]}"; do
    db="${PREFIX}_${addon}"
    # A test addon (the queue engine's pss_queue_test) lives in tests/addons.
    dir="addons/$addon"
    [[ -d "$dir" ]] || dir="tests/addons/$addon"
    log="$ROOT/.pss/oca/$addon.log"
    echo "oca_runner.sh: $addon on fresh database $db (log: ${log#"$ROOT"/})"
    psql_env dropdb --if-exists "$db"
    start=$(date +%s)
    set +e
    "$PYTHON" -m odoo -c "$CONF" -d "$db" -i "$addon" --test-enable \
        --test-tags "/$addon" --stop-after-init --without-demo=all \
        --http-port "$HTTP_PORT" --log-level=info >"$log" 2>&1
    rc=$?
    set -e
    seconds=$(($(date +%s) - start))
    # "0 failed, 0 error(s) of 42 tests when loading database 'x'"
    line=$(grep -o "[0-9]* failed, [0-9]* error(s) of [0-9]* tests when loading database" "$log" | tail -1 || true)
    ran=$(sed -n 's/.* of \([0-9]*\) tests when.*/\1/p' <<<"$line")
    ran="${ran:-0}"
    # pytest-odoo's count of the same files, on the database just tested.
    collected=$("$PYTHON" -m pytest -p no:cacheprovider --collect-only -q \
        --odoo-config="$CONF" --odoo-database="$db" "$dir/tests" 2>/dev/null |
        sed -n 's/^\([0-9]*\) tests\{0,1\} collected.*/\1/p' | tail -1)
    collected="${collected:-0}"
    verdict=ok
    if [[ $rc -ne 0 || -z "$line" || "$line" != 0\ failed,\ 0\ error* ]]; then
        verdict="FAILED (exit $rc)"
        grep -E "(ERROR|CRITICAL) " "$log" | head -20 >&2 || true
    elif [[ "$ran" -eq 0 ]]; then
        verdict="FAILED (Odoo's runner ran no test)"
    elif [[ "$ran" -ne "$collected" ]]; then
        verdict="FAILED (Odoo ran $ran tests, pytest collects $collected)"
    fi
    [[ "$verdict" == ok ]] || status=1
    [[ "$verdict" != ok ]] || psql_env dropdb --if-exists "$db"
    summary+=("$(printf '%-18s odoo %4s tests  pytest %4s tests  %4ss  %s' \
        "$addon" "$ran" "$collected" "$seconds" "$verdict")")
done
echo "oca_runner.sh: tests of each addon under Odoo's runner and pytest:"
printf '  %s\n' "${summary[@]}"
exit $status
