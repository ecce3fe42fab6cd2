#!/usr/bin/env bash
# Python dependencies of the suite and its tests, into the Python that has Odoo.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" - "$ROOT/requirements.txt" <<'PY' 2>/dev/null
import sys
from importlib.metadata import PackageNotFoundError, version
from pkg_resources import Requirement
for line in open(sys.argv[1]):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    req = Requirement.parse(line)
    try:
        installed = version(req.project_name)
    except PackageNotFoundError:
        sys.exit(1)
    if installed not in req:
        sys.exit(1)
PY
then
    echo "deps.sh: installing requirements.txt"
    "$PYTHON" -m pip install --quiet -r "$ROOT/requirements.txt"
fi
# The external-system client is part of the suite (tools/pss_client).
if ! "$PYTHON" -c "import pss_client" 2>/dev/null; then
    "$PYTHON" -m pip install --quiet "$ROOT/tools/pss_client"
fi
# Browser tests (Odoo tours) need a headless Chromium: Debian's package,
# installed when missing and we may (root with apt). Elsewhere the tours are
# skipped with this reason (tests/pss_tour.py).
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 \
    && ! command -v google-chrome >/dev/null 2>&1; then
    if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
        echo "deps.sh: installing Debian's chromium for the browser tests"
        if ! (apt-get install -y -q chromium >/dev/null 2>&1 \
            || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1)); then
            echo "deps.sh: could not install chromium: the browser tests will be skipped" >&2
        fi
    else
        echo "deps.sh: no Chromium and no root/apt to install it: the browser tests will be skipped" >&2
    fi
fi
