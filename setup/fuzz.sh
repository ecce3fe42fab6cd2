#!/usr/bin/env bash
# make fuzz: the property-based API test (tests/test_api_fuzz.py) with many
# more examples than make test and a fresh random seed each run.
# PSS_FUZZ_EXAMPLES (default 2000): hostile requests, and valid events per type.
set -euo pipefail
export PSS_FUZZ_EXAMPLES="${PSS_FUZZ_EXAMPLES:-2000}"
exec bash "$(dirname "$0")/test.sh" tests/test_api_fuzz.py "$@"
