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
# The documentation's examples (tests/test_doc_examples.py) run curl and openssl.
missing=()
for tool in curl openssl; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
    if command -v apt-get >/dev/null && [[ $(id -u) -eq 0 ]]; then
        echo "deps.sh: apt-get install ${missing[*]}"
        apt-get update -qq >/dev/null || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "deps.sh: ${missing[*]} missing: the documentation's examples need them" >&2
    fi
fi
