#!/usr/bin/env bash
# make bench: a fresh database with the suite and the test addons, then every
# tests/bench/bench_*.py, each printing JSON lines with its baseline.
set -euo pipefail
# shellcheck source=setup/common.sh
source "$(dirname "$0")/common.sh"
prepare test
DB="${PSS_BENCH_DB:-pss_bench}"
ADDONS="$(cfg addons),$(cfg test_addons)"
fresh_db "$DB" "$ADDONS" >&2
for bench in tests/bench/bench_*.py; do
    echo "bench.sh: $bench" >&2
    "$PYTHON" "$bench" --config "$CONF" --db "$DB"
done
