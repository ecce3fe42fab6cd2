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
# The external-system client is part of the suite (tools/pss_client): installed
# when missing or older than the source (its commands: pss-send, pss-receive,
# pss-simulate).
wanted=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$ROOT/tools/pss_client/pss_client/__init__.py")
installed=$("$PYTHON" -c "import pss_client; print(pss_client.__version__)" 2>/dev/null || true)
if [[ "$installed" != "$wanted" ]]; then
    echo "deps.sh: installing tools/pss_client $wanted${installed:+ (was $installed)}"
    "$PYTHON" -m pip install --quiet "$ROOT/tools/pss_client"
fi
