#!/usr/bin/env bash
# make bench: a fresh database with the suite and the test addons, then every
# tests/bench/bench_*.py, each printing JSON lines with its baseline.
# BENCH="scaleout timesheet" runs only tests/bench/bench_scaleout.py and
# tests/bench/bench_timesheet.py. A benchmark that fails does not stop the
# others: the failed ones are listed at the end and the exit status is 1.
set -euo pipefail
# shellcheck source=setup/common.sh
source "$(dirname "$0")/common.sh"
benches=()
if [[ -n "${BENCH:-}" ]]; then
    for name in $BENCH; do
        if [[ ! -f "tests/bench/bench_$name.py" ]]; then
            echo "bench.sh: no tests/bench/bench_$name.py (BENCH=\"$BENCH\")" >&2
            exit 2
        fi
        benches+=("tests/bench/bench_$name.py")
    done
else
    benches=(tests/bench/bench_*.py)
fi
prepare test
DB="${PSS_BENCH_DB:-pss_bench}"
ADDONS="$(cfg addons),$(cfg test_addons)"
fresh_db "$DB" "$ADDONS" >&2
failed=()
for bench in "${benches[@]}"; do
    echo "bench.sh: $bench" >&2
    if ! "$PYTHON" "$bench" --config "$CONF" --db "$DB"; then
        echo "bench.sh: $bench FAILED" >&2
        failed+=("$bench")
    fi
done
if ((${#failed[@]})); then
    echo "bench.sh: ${#failed[@]} of ${#benches[@]} benchmarks failed: ${failed[*]}" >&2
    exit 1
fi
echo "bench.sh: ${#benches[@]} benchmarks ran" >&2
